"""The incident and what happens to it: plain frozen data, no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "Account",
    "Announcement",
    "EventKind",
    "Incident",
    "Job",
    "JobStatus",
    "NotificationStatus",
    "Role",
    "Severity",
    "Status",
    "Template",
    "TimelineEvent",
]


class Severity(enum.StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def description(self) -> str:
        return _SEVERITY_DESCRIPTIONS[self]

    @property
    def rank(self) -> int:
        """1 is the most severe."""
        return int(self.value[1])


_SEVERITY_DESCRIPTIONS = {
    Severity.P1: "Critical: customers cannot use a core service; all hands",
    Severity.P2: "Major: a core service is degraded for many customers",
    Severity.P3: "Minor: limited impact or a workaround exists",
    Severity.P4: "Low: little or no customer impact",
}


class Status(enum.StrEnum):
    """The lifecycle, in order. A state may be skipped forward, never moved back (except by reopen)."""

    DECLARED = "declared"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def order(self) -> int:
        return list(Status).index(self)

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


class Account(enum.StrEnum):
    """What a user id is in the chat workspace: only a person may hold an incident role."""

    PERSON = "person"
    BOT = "bot"
    MISSING = "missing"  # unknown or deactivated


class Role(enum.StrEnum):
    COMMANDER = "commander"
    COMMS = "comms"
    SCRIBE = "scribe"


class EventKind(enum.StrEnum):
    DECLARED = "declared"
    STATUS = "status"
    UPDATE = "update"
    SEVERITY = "severity"
    COMMANDER = "commander"
    ROLE = "role"
    NOTE = "note"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    ARCHIVED = "archived"
    PUBLISHED = "published"


class NotificationStatus(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    THROTTLED = "throttled"


@dataclass(frozen=True, kw_only=True)
class Incident:
    id: int
    title: str
    severity: Severity
    status: Status
    service: str | None
    description: str
    commander_id: str | None
    comms_id: str | None
    scribe_id: str | None
    declared_by: str
    channel_id: str | None
    channel_name: str | None
    summary_ts: str | None
    template: str | None
    declared_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    last_update_at: datetime
    reminded_at: datetime | None = None
    snoozed_until: datetime | None = None
    archive_warned_at: datetime | None = None
    archived_at: datetime | None = None
    public: bool = False
    # A private incident has a private channel, is never announced and shows only to its members.
    private: bool = False

    @property
    def reference(self) -> str:
        return f"#{self.id}"

    def snapshot(self) -> dict[str, Any]:
        """The state as JSON-ready values, for the audit log's old/new columns."""
        return {
            "title": self.title,
            "severity": self.severity.value,
            "status": self.status.value,
            "service": self.service,
            "commander_id": self.commander_id,
            "comms_id": self.comms_id,
            "scribe_id": self.scribe_id,
            "channel_id": self.channel_id,
            "resolution": self.resolution,
            "private": self.private,
        }


@dataclass(frozen=True, kw_only=True)
class TimelineEvent:
    id: int
    incident_id: int
    at: datetime
    actor_id: str
    kind: EventKind
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """Where an incident's declaration was announced, so updates thread under it and resolution follows it."""

    incident_id: int
    channel_id: str
    ts: str


@dataclass(frozen=True, kw_only=True)
class Template:
    name: str
    title: str
    severity: Severity
    service: str | None
    description: str


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


@dataclass(frozen=True, kw_only=True)
class Job:
    """A unit of work that must not be lost: written with the change that causes it, run at least once."""

    id: int
    kind: str
    payload: dict[str, Any]
    incident_id: int | None
    ordering_key: str | None
    status: JobStatus
    attempts: int
    max_attempts: int
    run_after: datetime
    locked_by: str | None
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
