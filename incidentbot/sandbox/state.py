"""The sandbox workspace: team, users, channels, messages, views, triggers, response URLs, call log."""

from __future__ import annotations

import collections
import time
from collections.abc import Container, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadRequest, SlackError
from .ids import IdFactory
from .models import CallRecord, Channel, Json, Message, ResponseUrl, Trigger, User, View

TEAM_ID = "T0SANDBOX"
TEAM_DOMAIN = "sandbox"
TEAM_NAME = "Sandbox"
APP_ID = "A0SANDBOX"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_NAME = "incidentbot"
SLACKBOT_ID = "USLACKBOT"
MAX_CALLS_KEPT = 50_000
MAX_TOKENS_KEPT = 20_000  # triggers and response URLs; long runs drop the oldest, long dead anyway

# (standard label, daylight-saving label, offset used when the tz database is missing)
_TZ_LABELS: dict[str, tuple[str, str, int]] = {
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time", -18000),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time", -28800),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time", 3600),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Standard Time", 32400),
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time", 0),
}

_HUMANS = (
    ("U0ALICE", "alice", "Alice Anderson", "America/New_York"),
    ("U0BOB", "bob", "Bob Becker", "Europe/Berlin"),
    ("U0CAROL", "carol", "Carol Tanaka", "Asia/Tokyo"),
    ("U0DAVE", "dave", "Dave Dawson", "UTC"),
    ("U0ERIN", "erin", "Erin Evans", "America/Los_Angeles"),
)


def _drop_oldest(table: dict[str, Any]) -> None:
    """Keep a token table bounded; dicts keep insertion order, so the first keys are the oldest."""
    while len(table) > MAX_TOKENS_KEPT:
        del table[next(iter(table))]


def tz_fields(tz: str) -> tuple[str, int]:
    """Slack's `tz_label` and `tz_offset` (seconds east of UTC) for a zone, as of now."""
    std, dst, fallback = _TZ_LABELS.get(tz, (tz, tz, 0))
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return std, fallback
    offset = now.utcoffset()
    daylight = now.dst()
    label = dst if daylight is not None and daylight.total_seconds() else std
    return label, int(offset.total_seconds()) if offset is not None else fallback


class Workspace:
    """Everything Slack would remember about one workspace with our app installed."""

    team_id = TEAM_ID
    team_domain = TEAM_DOMAIN
    team_name = TEAM_NAME
    app_id = APP_ID
    bot_user_id = BOT_USER_ID
    bot_id = BOT_ID

    def __init__(self, ids: IdFactory) -> None:
        self.ids = ids
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.dm_by_user: dict[str, str] = {}
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.calls: collections.deque[CallRecord] = collections.deque(maxlen=MAX_CALLS_KEPT)
        self._call_seq = 0
        self.reset()

    # -- seed -------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything and lay out the seed workspace again."""
        for table in (self.users, self.channels, self.dm_by_user, self.views, self.modal_stacks):
            table.clear()
        self.home_views.clear()
        self.triggers.clear()
        self.response_urls.clear()
        self.calls.clear()
        self._call_seq = 0
        for user_id, name, real_name, tz in _HUMANS:
            self.add_user(user_id=user_id, name=name, real_name=real_name, tz=tz)
        self.add_user(user_id="U0GONE", name="gone", real_name="Former Colleague", deleted=True)
        self.users[BOT_USER_ID] = User(BOT_USER_ID, BOT_NAME, "Incident Bot", is_bot=True, bot_id=BOT_ID)
        # Slack's users.info really says is_bot: false for Slackbot; clients must check its id.
        self.users[SLACKBOT_ID] = User(SLACKBOT_ID, "slackbot", "Slackbot", is_bot=False)
        humans = [row[0] for row in _HUMANS]
        general = self.create_channel("general", creator="U0ALICE", members=humans, channel_id="C0GENERAL")
        general.is_general = True
        general.purpose = "This channel is for workspace-wide communication and announcements."
        self.create_channel("incidents", creator="U0ALICE", members=[*humans, BOT_USER_ID], channel_id="C0INCIDENTS")
        self.create_channel(
            "sre-leads", creator="U0ALICE", members=["U0ALICE", "U0BOB", BOT_USER_ID], channel_id="C0SRE"
        )

    # -- users --------------------------------------------------------------------------------------
    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if (u.email or "").lower() == wanted), None)

    def humans(self) -> list[User]:
        return [u for u in self.users.values() if not u.is_bot and u.id != SLACKBOT_ID]

    def add_user(
        self,
        *,
        name: str,
        user_id: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        deleted: bool = False,
        is_admin: bool = False,
        is_bot: bool = False,
    ) -> User:
        """A person, or with ``is_bot`` another app's bot user (users.info says ``is_bot: true``)."""
        if not name or any(u.name == name for u in self.users.values()):
            raise BadRequest(f"user name {name!r} is empty or already taken")
        new_id = user_id or self._unique_id("U", self.users)
        if not new_id.startswith(("U", "W")) or new_id in self.users:
            raise BadRequest(f"user id {new_id!r} must start with U or W and be unused")
        label, offset = tz_fields(tz)
        user = User(
            id=new_id,
            name=name,
            real_name=real_name or name.title(),
            tz=tz,
            tz_label=label,
            tz_offset=offset,
            email=email or f"{name}@{TEAM_DOMAIN}.example.com",
            deleted=deleted,
            is_admin=is_admin,
            is_bot=is_bot,
            bot_id=self._unique_id("B", {u.bot_id: u for u in self.users.values() if u.bot_id}) if is_bot else None,
        )
        self.users[new_id] = user
        return user

    # -- channels -----------------------------------------------------------------------------------
    def channel(self, key: str) -> Channel | None:
        """A conversation by id, by name or by `#name`."""
        found = self.channels.get(key)
        if found is not None:
            return found
        name = key[1:] if key.startswith("#") else key
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def name_taken(self, name: str) -> bool:
        return any(c.name == name for c in self.channels.values() if not c.is_im)

    def create_channel(
        self,
        name: str,
        *,
        creator: str,
        members: Iterable[str] = (),
        is_private: bool = False,
        channel_id: str | None = None,
    ) -> Channel:
        channel_id = channel_id or self._unique_id("C", self.channels)
        channel = Channel(
            id=channel_id,
            name=name,
            created=int(time.time()),
            creator=creator,
            members=list(dict.fromkeys(members)),
            is_private=is_private,
        )
        self.channels[channel_id] = channel
        return channel

    def open_dm(self, user_id: str) -> Channel:
        """The bot's direct-message conversation with a user, created on first use."""
        existing = self.dm_by_user.get(user_id)
        if existing is not None:
            return self.channels[existing]
        channel = Channel(
            id=self._unique_id("D", self.channels),
            name=user_id,
            created=int(time.time()),
            creator=BOT_USER_ID,
            members=[user_id, BOT_USER_ID],
            is_im=True,
            im_user=user_id,
        )
        self.channels[channel.id] = channel
        self.dm_by_user[user_id] = channel.id
        return channel

    def open_mpim(self, user_ids: list[str]) -> Channel:
        members = sorted({*user_ids, BOT_USER_ID})
        for channel in self.channels.values():
            if channel.is_mpim and sorted(channel.members) == members:
                return channel
        names = "-".join(self.users[u].name for u in members if u in self.users)
        channel = self.create_channel(
            f"mpdm-{names}-1",
            creator=BOT_USER_ID,
            members=members,
            is_private=True,
            channel_id=self._unique_id("G", self.channels),
        )
        channel.is_mpim = True
        return channel

    # -- messages -----------------------------------------------------------------------------------
    def post(
        self,
        channel: Channel,
        *,
        user: str,
        text: str,
        blocks: list[Json] | None = None,
        attachments: list[Json] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        ephemeral_to: str | None = None,
        subtype: str | None = None,
        metadata: Json | None = None,
    ) -> Message:
        """Store a message; bot-authored messages get the bot's ids like Slack adds them."""
        is_bot = user == BOT_USER_ID
        message = Message(
            channel_id=channel.id,
            ts=self.ids.message_ts(),
            user=user,
            text=text,
            blocks=blocks,
            attachments=attachments,
            reply_broadcast=reply_broadcast,
            subtype=subtype,
            bot_id=BOT_ID if is_bot else None,
            app_id=APP_ID if is_bot else None,
            ephemeral_to=ephemeral_to,
            metadata=metadata,
        )
        if thread_ts:
            parent = channel.by_ts.get(thread_ts)
            root = (parent.thread_ts or parent.ts) if parent is not None else thread_ts
            message.thread_ts = root
            root_message = channel.by_ts.get(root)
            if root_message is not None and ephemeral_to is None:
                root_message.thread_ts = root
                root_message.replies.append(message.ts)
        channel.messages.append(message)
        channel.by_ts[message.ts] = message
        return message

    def message(self, channel: Channel, ts: str) -> Message | None:
        found = channel.by_ts.get(ts)
        return None if found is None or found.deleted else found

    # -- triggers and response URLs -------------------------------------------------------------------
    def new_trigger(self, user_id: str, *, view_id: str | None = None) -> Trigger:
        trigger = Trigger(self.ids.trigger_id(), user_id, time.monotonic(), view_id)
        self.triggers[trigger.id] = trigger
        _drop_oldest(self.triggers)
        return trigger

    def exchange_trigger(self, trigger_id: str, ttl: float) -> Trigger:
        """Use a trigger once, within `ttl` seconds of the interaction that made it."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.created > ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def new_response_url(self, base_url: str, channel_id: str, user_id: str, *, message_ts: str | None = None) -> str:
        token = f"{TEAM_ID}/{self.ids.object_id('B', 10)}/{self.ids.url_token()}"
        self.response_urls[token] = ResponseUrl(token, channel_id, user_id, time.monotonic(), message_ts)
        _drop_oldest(self.response_urls)
        return f"{base_url}_sandbox/respond/{token}"

    # -- views --------------------------------------------------------------------------------------
    def new_view(self, user_id: str, definition: Json, *, root: View | None = None) -> View:
        view_id = self._unique_id("V", self.views)
        view = View(
            id=view_id,
            team_id=TEAM_ID,
            user_id=user_id,
            app_id=APP_ID,
            bot_id=BOT_ID,
            definition=definition,
            hash=self.ids.view_hash(),
            root_view_id=root.id if root is not None else view_id,
        )
        self.views[view_id] = view
        return view

    def open_modal(self, user_id: str, definition: Json) -> View:
        """A new modal for the user, replacing whatever stack was open."""
        self.clear_modals(user_id)
        view = self.new_view(user_id, definition)
        self.modal_stacks[user_id] = [view.id]
        return view

    def push_modal(self, user_id: str, definition: Json) -> View:
        stack = self.modal_stacks.get(user_id)
        if not stack:
            return self.open_modal(user_id, definition)
        if len(stack) >= 3:
            raise SlackError("push_limit_reached")
        top = self.views[stack[-1]]
        view = self.new_view(user_id, definition, root=self.views[stack[0]])
        view.previous_view_id = top.id
        stack.append(view.id)
        return view

    def replace_view(self, view: View, definition: Json) -> View:
        view.definition = definition
        view.hash = self.ids.view_hash()
        view.state_values = {}
        return view

    def close_modal(self, view: View) -> None:
        """Close one view; views above it in its stack go with it."""
        stack = self.modal_stacks.get(view.user_id, [])
        if view.id in stack:
            for closed in stack[stack.index(view.id) :]:
                self.views[closed].is_open = False
            del stack[stack.index(view.id) :]
        view.is_open = False
        if not stack:
            self.modal_stacks.pop(view.user_id, None)

    def clear_modals(self, user_id: str) -> None:
        for view_id in self.modal_stacks.pop(user_id, []):
            self.views[view_id].is_open = False

    def publish_home(self, user_id: str, definition: Json) -> View:
        existing = self.home_views.get(user_id)
        if existing is not None:
            return self.replace_view(self.views[existing], definition)
        view = self.new_view(user_id, definition)
        self.home_views[user_id] = view.id
        return view

    def view_by_external_id(self, external_id: str) -> View | None:
        return next((v for v in self.views.values() if v.external_id == external_id), None)

    # -- call log -----------------------------------------------------------------------------------
    def next_call_seq(self) -> int:
        self._call_seq += 1
        return self._call_seq

    def _unique_id(self, prefix: str, taken: Container[str]) -> str:
        while True:
            candidate = self.ids.object_id(prefix)
            if candidate not in taken:
                return candidate
