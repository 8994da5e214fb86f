"""What services need from the chat platform, in domain terms. The Slack edge implements it.

Services decide what happened and who should hear of it; the port decides how it looks (Block Kit
lives in the edge's views). Failures come back as ChatError with the platform's error code, so
services can react (a taken channel name, a user who cannot be invited) without importing Slack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from incidentbot.domain.models import Incident, Severity, Status, TimelineEvent

__all__ = ["ChatError", "ChatPort", "PublicRef", "StatusPagePort"]


# Errors that say "not now" rather than "never": a job that meets one is retried with backoff.
RETRYABLE_CHAT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "service_unavailable", "request_timeout", "fatal_error", "team_is_limited"}
)


class ChatError(Exception):
    """A chat platform call failed; ``code`` is the platform's error code (e.g. ``name_taken``)."""

    def __init__(self, code: str, method: str = "") -> None:
        self.code = code
        self.method = method
        super().__init__(f"{method or 'chat'}: {code}")

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CHAT_ERRORS


class ChatPort(Protocol):
    async def create_channel(self, name: str, *, private: bool = False) -> str:
        """Create a public (or ``private``) channel; return its id. ChatError('name_taken') if the name is used."""
        ...

    async def is_member(self, channel_id: str, user_id: str) -> bool:
        """Whether the person is in the channel now (the platform's truth, for private incidents)."""
        ...

    async def archive_channel(self, channel_id: str) -> None: ...

    async def invite(self, channel_id: str, user_ids: Sequence[str]) -> list[str]:
        """Invite people one call each; return those who could not be invited."""
        ...

    async def set_topic(self, channel_id: str, incident: Incident) -> None: ...

    async def post_summary(self, channel_id: str, incident: Incident) -> str:
        """Post the incident summary; return its ts."""
        ...

    async def update_summary(self, channel_id: str, ts: str, incident: Incident) -> None: ...

    async def pin(self, channel_id: str, ts: str) -> None: ...

    async def announce_declared(self, channel_id: str, incident: Incident) -> str: ...

    async def announce_escalated(self, channel_id: str, incident: Incident, *, previous: Severity) -> str: ...

    async def announce_resolved(
        self, channel_id: str, incident: Incident, *, duration: timedelta, thread_ts: str | None
    ) -> str: ...

    async def post_event(
        self, channel_id: str, incident: Incident, event: TimelineEvent, *, thread_ts: str | None = None
    ) -> str:
        """Post one timeline event (update, status, note…) in a channel, optionally in a thread."""
        ...

    async def page(self, user_id: str, incident: Incident) -> str:
        """DM an on-call person about a P1."""
        ...

    async def tell_commander(self, user_id: str, incident: Incident, *, previous: str | None) -> None:
        """DM someone that they now (or no longer) command an incident."""
        ...

    async def unarchive_channel(self, channel_id: str) -> None: ...

    async def warn_archive(self, channel_id: str, incident: Incident, *, archive_at: datetime) -> str:
        """The heads-up before the channel is archived."""
        ...

    async def post_archive_closing(self, channel_id: str, incident: Incident, *, after_days: int) -> str:
        """The last message: who archives the channel and why."""
        ...

    async def remind(self, channel_id: str, incident: Incident, *, quiet_minutes: int) -> str:
        """Nudge the commander for an update, with buttons to post one or snooze."""
        ...

    async def post_notice(self, channel_id: str, text: str) -> str:
        """A short bot notice in a channel (e.g. "published on Statuspage"); ``text`` is mrkdwn."""
        ...

    async def user_exists(self, user_id: str) -> bool: ...

    async def user_timezone(self, user_id: str) -> str | None: ...


@dataclass(frozen=True)
class PublicRef:
    """The public status page incident mirroring a local one."""

    id: str
    link: str | None


class StatusPagePort(Protocol):
    """A public status page: open, update and close the incident customers see."""

    async def open(
        self, *, title: str, status: Status, message: str, components: Mapping[str, Severity]
    ) -> PublicRef: ...

    async def update(
        self, public_id: str, *, status: Status, message: str, components: Mapping[str, Severity]
    ) -> PublicRef: ...

    async def close(self, public_id: str, *, message: str, component_ids: Sequence[str]) -> PublicRef: ...
