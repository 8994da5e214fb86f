"""What customers are told: a publication on the public status page, decided by a person.

Nothing reaches the status page by itself. A person with the right to publish fills in a form built
for customers (public title, public status, affected components, message); that draft, checked
here, is what is sent, word for word.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incidentbot.domain.errors import InvalidInputError, PermissionDeniedError
from incidentbot.domain.models import Incident, Severity
from incidentbot.domain.text import is_blank, normalize, one_line

__all__ = [
    "DEFAULT_MESSAGES",
    "DEFAULT_TITLE",
    "MAX_PUBLIC_MESSAGE",
    "MAX_PUBLIC_TITLE",
    "ComponentStatus",
    "MappedComponent",
    "PublicState",
    "PublicStatus",
    "Publication",
    "PublicationDraft",
    "authorize_publish",
    "default_component_status",
    "publish_prompt_due",
    "validate_draft",
]

MAX_PUBLIC_TITLE = 100
MAX_PUBLIC_MESSAGE = 2000


class PublicStatus(enum.StrEnum):
    """The states customers see; the internal "declared" has no public twin."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class ComponentStatus(enum.StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def label(self) -> str:
        return _COMPONENT_LABELS[self]


_COMPONENT_LABELS = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.DEGRADED: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
}

_BY_SEVERITY = {
    Severity.P1: ComponentStatus.MAJOR_OUTAGE,
    Severity.P2: ComponentStatus.PARTIAL_OUTAGE,
    Severity.P3: ComponentStatus.DEGRADED,
    Severity.P4: ComponentStatus.DEGRADED,
}

# Neutral wording for each public status; operators may override each (STATUSPAGE_MESSAGE_*).
DEFAULT_TITLE = "Service disruption"
DEFAULT_MESSAGES: Mapping[PublicStatus, str] = {
    PublicStatus.INVESTIGATING: "We are investigating reports of a problem and will post an update soon.",
    PublicStatus.IDENTIFIED: "The cause has been identified and a fix is being worked on.",
    PublicStatus.MONITORING: "A fix has been applied and we are monitoring the results.",
    PublicStatus.RESOLVED: "This incident has been resolved. Thank you for your patience.",
}


def default_component_status(severity: Severity, status: PublicStatus) -> ComponentStatus:
    """What an affected component shows: by severity while open, operational once resolved."""
    return ComponentStatus.OPERATIONAL if status is PublicStatus.RESOLVED else _BY_SEVERITY[severity]


@dataclass(frozen=True, kw_only=True)
class MappedComponent:
    """A status page component that stands for one of our services."""

    service: str
    component_id: str
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.service})" if self.name else self.service


@dataclass(frozen=True, kw_only=True)
class PublicState:
    """What customers see now, as last published through the bot."""

    public_id: str
    link: str | None
    title: str | None
    status: PublicStatus | None
    components: Mapping[str, ComponentStatus] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PublicationDraft:
    """What a person chose to publish, exactly as it will reach customers."""

    incident_id: int
    title: str
    status: PublicStatus
    message: str
    components: Mapping[str, ComponentStatus] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "title": self.title,
            "status": self.status.value,
            "message": self.message,
            "components": {c: s.value for c, s in self.components.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicationDraft:
        """The inverse of ``as_json``; ValueError (or KeyError/TypeError) when it is not one."""
        components = data.get("components") or {}
        if not isinstance(components, Mapping):
            raise ValueError("components must be an object")
        return cls(
            incident_id=int(data["incident_id"]),
            title=str(data["title"]),
            status=PublicStatus(str(data["status"])),
            message=str(data["message"]),
            components={str(c): ComponentStatus(str(s)) for c, s in components.items()},
        )


@dataclass(frozen=True, kw_only=True)
class Publication:
    """One decision to publish, and what became of it (pending, published or refused)."""

    id: int
    draft: PublicationDraft
    requested_by: str
    requested_at: datetime
    outcome: str
    public_id: str | None = None
    link: str | None = None
    error: str | None = None


def validate_draft(draft: PublicationDraft) -> PublicationDraft:
    """Title and message visible and within the form's limits, normalized like all user text."""
    title = one_line(draft.title)
    message = normalize(draft.message)
    if is_blank(title):
        raise InvalidInputError("Give the public incident a title customers will understand.")
    if len(title) > MAX_PUBLIC_TITLE:
        raise InvalidInputError(f"Keep the public title to {MAX_PUBLIC_TITLE} characters (it has {len(title)}).")
    if is_blank(message):
        raise InvalidInputError("Write the message customers will read.")
    if len(message) > MAX_PUBLIC_MESSAGE:
        raise InvalidInputError(f"Keep the public message to {MAX_PUBLIC_MESSAGE} characters (it has {len(message)}).")
    return PublicationDraft(
        incident_id=draft.incident_id, title=title, status=draft.status, message=message, components=draft.components
    )


def authorize_publish(*, actor: str, incident: Incident, admins: Collection[str], publishers: Collection[str]) -> None:
    """Speaking for the company: the commander, the comms lead, incident admins and named publishers."""
    allowed = {incident.commander_id, incident.comms_id, *admins, *publishers} - {None}
    if actor in allowed:
        return
    who = []
    if incident.commander_id:
        who.append(f"the commander (<@{incident.commander_id}>)")
    else:
        who.append("the commander")
    if incident.comms_id:
        who.append(f"the comms lead (<@{incident.comms_id}>)")
    else:
        who.append("the comms lead")
    who.append("a status page publisher or an incident admin")
    raise PermissionDeniedError(
        f"Only {', '.join(who)} can publish on the status page for {incident.reference}. "
        "Ask one of them, or ask the commander to make you the comms lead.",
        action="statuspage_publish",
    )


def publish_prompt_due(incident: Incident, *, min_severity: Severity, published: bool) -> bool:
    """An open incident at or above the threshold that customers know nothing of yet.

    Never a private one: it can still be published through the form, but the bot does not ask."""
    if incident.private or published or not incident.status.is_open:
        return False
    return incident.severity.rank <= min_severity.rank
