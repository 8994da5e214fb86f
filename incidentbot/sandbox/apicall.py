"""What a Web API method handler gets: its parameters and the workspace, with Slack's lookups."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .core import Sandbox
from .errors import SlackError
from .models import Channel, Json, User
from .state import Workspace


class Params:
    """Request arguments from the query string, a form or a JSON body, read the way Slack reads them."""

    def __init__(self, values: Json) -> None:
        self.values = values

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def require(self, key: str, *, error: str = "invalid_arguments") -> str:
        value = self.text(key)
        if not value:
            raise SlackError(error, messages=[f"[ERROR] missing required field: {key}"])
        return value

    def flag(self, key: str) -> bool:
        value = self.values.get(key)
        return value is True or (isinstance(value, str | int) and str(value).lower() in ("1", "true"))

    def number(self, key: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(key)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SlackError("invalid_arguments", messages=[f"[ERROR] {key} must be an integer"]) from None
        return max(low, min(high, value))

    def structured(self, key: str, *, error: str = "invalid_arguments") -> Any:
        """A JSON field (`blocks`, `view`, …): forms send it as a string, JSON bodies as JSON."""
        value = self.values.get(key)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error, messages=[f"[ERROR] {key} is not valid JSON"]) from None
        return value

    def id_list(self, key: str) -> list[str]:
        """Comma-separated ids (Slack's form), or a JSON list of them."""
        value = self.values.get(key)
        if isinstance(value, str) and value.lstrip().startswith("["):
            value = self.structured(key)
        items = value if isinstance(value, list) else str(value or "").split(",")
        return [str(item).strip() for item in items if str(item).strip()]


class ApiCall:
    """One Web API call in progress: parameters, workspace and the checks handlers share."""

    def __init__(self, sandbox: Sandbox, method: str, params: Params, *, host: str = "") -> None:
        self.sandbox = sandbox
        self.method = method
        self.params = params
        self.host = host
        self.ws: Workspace = sandbox.workspace
        self.warnings: list[str] = []

    @property
    def bot(self) -> str:
        return self.ws.bot_user_id

    def require_scope(self, scope: str) -> None:
        scopes = self.sandbox.config.scopes
        if scope not in scopes:
            raise SlackError("missing_scope", needed=scope, provided=",".join(scopes))

    def channel(self, key: str = "channel") -> Channel:
        """A conversation the bot can see: public ones, and private ones and DMs it is in."""
        ref = self.params.text(key)
        if not ref:
            raise SlackError("channel_not_found")
        channel = self.ws.channel(ref)
        if channel is None or ((channel.is_private or channel.is_im) and not channel.is_member(self.bot)):
            raise SlackError("channel_not_found")
        return channel

    def joined_channel(self, key: str = "channel") -> Channel:
        channel = self.channel(key)
        if not channel.is_member(self.bot):
            raise SlackError("not_in_channel")
        return channel

    def postable_channel(self, key: str = "channel") -> Channel:
        """Where chat.* may post: a user id means the DM; public channels need only chat:write.public."""
        ref = self.params.text(key) or ""
        user = self.ws.user(ref) if ref.startswith(("U", "W")) else None
        if user is not None:
            if user.deleted:
                raise SlackError("channel_not_found")
            channel = self.ws.open_dm(user.id)
        else:
            channel = self.channel(key)
        if channel.is_archived:
            raise SlackError("is_archived")
        if not channel.is_member(self.bot) and "chat:write.public" not in self.sandbox.config.scopes:
            raise SlackError("not_in_channel")
        return channel

    def user(self, key: str = "user") -> User:
        user = self.ws.user(self.params.text(key) or "")
        if user is None:
            raise SlackError("user_not_found")
        return user

    def channel_json(self, channel: Channel, *, num_members: bool = False) -> Json:
        return channel.to_api(self.bot, self.ws.team_id, num_members=num_members)


Handler = Callable[[ApiCall], Json]


@dataclass(frozen=True)
class Method:
    """A Web API method: its handler, the scope it needs, its rate tier, and whether it takes the app-level token."""

    handler: Handler
    scope: str | None = None
    tier: int | None = 3
    for_app_token: bool = False
