"""Who the bot is in Slack, from ``auth.test``: refreshed in the background, read by probes and bolt.

Readiness requires a successful ``auth.test`` within the last minute; the probe reads the cached
time and never calls Slack itself. Bolt's authorisation also reads the cache, so no envelope waits
for an ``auth.test`` round trip.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.health import CheckFailedError

__all__ = ["AUTH_FRESHNESS_SECONDS", "SlackAuthRejectedError", "SlackIdentity"]

logger = logging.getLogger(__name__)

AUTH_FRESHNESS_SECONDS = 60.0
# Errors that mean the token itself is wrong: retrying will not help, a person must act.
REJECTION_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}
)


class SlackAuthRejectedError(Exception):
    """Slack refused the token: a configuration problem, not an outage."""


class SlackUnreachableError(Exception):
    """We do not know who we are in Slack yet, because ``auth.test`` has not succeeded."""


@dataclass(frozen=True)
class _Who:
    team_id: str
    user_id: str
    bot_id: str | None
    enterprise_id: str | None
    url: str


class SlackIdentity:
    def __init__(self, client: AsyncWebClient, *, bot_token: str) -> None:
        self._client = client
        self._bot_token = bot_token
        self._who: _Who | None = None
        self._last_ok: float | None = None
        self._last_error: str | None = None

    @property
    def bot_user_id(self) -> str | None:
        return self._who.user_id if self._who else None

    async def refresh(self) -> None:
        """Call ``auth.test``; remember the result or the error. Raises SlackAuthRejectedError on a bad token."""
        try:
            response = await self._client.auth_test(token=self._bot_token)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown"))
            self._last_error = error
            if error in REJECTION_ERRORS:
                raise SlackAuthRejectedError(f"Slack rejected SLACK_BOT_TOKEN ({error})") from None
            logger.warning("auth.test failed: %s", error)
            return
        except Exception as exc:
            self._last_error = type(exc).__name__
            logger.warning("auth.test failed: %s: %s", type(exc).__name__, exc)
            return
        data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
        first = self._who is None
        self._who = _Who(
            team_id=str(data.get("team_id", "")),
            user_id=str(data.get("user_id", "")),
            bot_id=data.get("bot_id"),
            enterprise_id=data.get("enterprise_id"),
            url=str(data.get("url", "")),
        )
        self._last_ok = time.monotonic()
        self._last_error = None
        if first:
            logger.info("authenticated to Slack as %s in team %s", self._who.user_id, self._who.team_id)

    async def check(self) -> str:
        """Readiness check: ``auth.test`` succeeded within the last minute (cached)."""
        if self._last_ok is None:
            raise CheckFailedError(f"auth.test has not succeeded yet ({self._last_error or 'pending'})")
        age = time.monotonic() - self._last_ok
        if age > AUTH_FRESHNESS_SECONDS:
            raise CheckFailedError(f"last successful auth.test {age:.0f}s ago ({self._last_error or 'no answer'})")
        return f"auth.test ok {age:.0f}s ago"

    def authorizer(self) -> Callable[[], Awaitable[AuthorizeResult]]:
        """Bolt's ``authorize`` hook. A plain function: bolt passes arguments by the names it finds."""

        async def authorize() -> AuthorizeResult:
            return await self.authorize()

        return authorize

    async def authorize(self) -> AuthorizeResult:
        """Who we are, from the cache (one ``auth.test`` only if none succeeded yet)."""
        if self._who is None:
            await self.refresh()
        if self._who is None:
            # Leaves the envelope unacked: Slack redelivers it once we can reach Slack again.
            raise SlackUnreachableError(f"auth.test has not succeeded yet ({self._last_error or 'pending'})")
        return AuthorizeResult(
            enterprise_id=self._who.enterprise_id,
            team_id=self._who.team_id,
            bot_token=self._bot_token,
            bot_id=self._who.bot_id,
            bot_user_id=self._who.user_id,
        )
