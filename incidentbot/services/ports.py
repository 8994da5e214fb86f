"""What services need from the chat platform, in domain terms. The Slack edge implements it.

Services decide what happened and who should hear of it; the port decides how it looks (Block Kit
lives in the edge's views). Failures come back as ChatError with the platform's error code, so
services can react (a taken channel name, a user who cannot be invited) without importing Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from incidentbot.domain.models import Account, Incident, Severity, TimelineEvent
from incidentbot.domain.publication import Publication, PublicationDraft, PublicState

__all__ = ["ChatError", "ChatPort", "PublicRef", "StatusPageError", "StatusPagePort"]


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

    async def find_own_channel(self, name: str) -> str | None:
        """The id of a channel of this name that the bot itself created (one a crash kept us from recording)."""
        ...

    async def archive_channel(self, channel_id: str) -> None: ...

    async def invite(self, channel_id: str, user_ids: Sequence[str]) -> list[str]:
        """Invite people one call each; return those who never can be. ChatError for a retryable error."""
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

    async def tell_channel_ready(self, user_id: str, incident: Incident) -> str:
        """DM the declarer where the channel is, when it could not be opened while they waited."""
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

    async def remind(self, channel_id: str, incident: Incident, *, quiet_minutes: int, publish_prompt: bool) -> str:
        """Nudge the commander for an update, with buttons to post one or snooze (and to publish)."""
        ...

    async def prompt_publication(self, channel_id: str, incident: Incident, *, min_severity: Severity) -> str:
        """Ask the commander to decide what customers are told, with a button that opens the form."""
        ...

    async def offer_public_resolution(self, channel_id: str, incident: Incident, *, public: PublicState) -> str:
        """Resolved here, still open for customers: a button to publish the resolution."""
        ...

    async def announce_publication(self, channel_id: str, incident: Incident, publication: Publication) -> str:
        """The one line that says what was published, by whom, with the public link."""
        ...

    async def tell_refusal(self, channel_id: str, incident: Incident, publication: Publication) -> str:
        """Tell the person who published, privately in the channel, what the status page refused and why."""
        ...

    async def post_notice(self, channel_id: str, text: str) -> str:
        """A short bot notice in a channel (e.g. "published on Statuspage"); ``text`` is mrkdwn."""
        ...

    async def account(self, user_id: str) -> Account:
        """Whether ``user_id`` is a person, a bot (Slackbot and the app's own user included) or missing."""
        ...

    async def user_timezone(self, user_id: str) -> str | None: ...


@dataclass(frozen=True)
class PublicRef:
    """The public status page incident mirroring a local one."""

    id: str
    link: str | None


class StatusPageError(Exception):
    """The status page did not take a publication.

    ``retryable`` says whether the same call may succeed later (an outage, a rate limit);
    ``retry_after`` is how long the page asked us to wait, when it said; ``detail`` is fit to show
    the person who published (it never carries the API key).
    """

    def __init__(
        self, detail: str, *, status: int | None = None, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class StatusPagePort(Protocol):
    """A public status page: publish exactly what a person decided, as a new incident or an update."""

    async def publish(self, draft: PublicationDraft, *, public_id: str | None) -> PublicRef:
        """Create the public incident (``public_id`` None) or update it; StatusPageError on failure."""
        ...

    async def find_published(
        self, draft: PublicationDraft, *, public_id: str | None, since: datetime
    ) -> PublicRef | None:
        """Whether the page already shows this draft (taken before a crash cut us off), and where."""
        ...

    async def component_names(self) -> dict[str, str]:
        """The page's components, id → name (to check a mapping)."""
        ...
