"""Components, incidents and their updates, rendered in the JSON shapes of Statuspage's v1 API."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
IMPACTS = ("none", "minor", "major", "critical")
# Statuspage derives an incident's impact from the worst component status it set; maintenance is not an outage.
IMPACT_OF_COMPONENT_STATUS = {"degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}

_ID_ALPHABET = string.ascii_lowercase + string.digits


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as the API writes times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def worse_impact(current: str, candidate: str) -> str:
    return max(current, candidate, key=IMPACTS.index)


class IdFactory:
    """Statuspage-looking identifiers (12 lowercase letters and digits); a seed makes a run reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def object_id(self) -> str:
        return "".join(self._random.choices(_ID_ALPHABET, k=12))

    def shortlink(self) -> str:
        return "https://stspg.io/" + "".join(self._random.choices(_ID_ALPHABET, k=4))

    def api_key(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))


@dataclass
class Component:
    id: str
    page_id: str
    name: str
    description: str
    position: int
    created_at: datetime
    updated_at: datetime
    status: str = "operational"

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "page_id": self.page_id,
            "group_id": None,
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.updated_at),
            "group": False,
            "name": self.name,
            "description": self.description,
            "position": self.position,
            "status": self.status,
            "showcase": True,
            "only_show_if_degraded": False,
            "automation_email": f"component+{self.id}@notifications.statuspage.io",
            "start_date": self.created_at.date().isoformat(),
        }


@dataclass(frozen=True)
class IncidentUpdate:
    id: str
    incident_id: str
    status: str
    body: str
    created_at: datetime
    # {"code": component id, "name", "old_status", "new_status"} per component this update changed.
    affected_components: tuple[Json, ...]
    deliver_notifications: bool

    def to_json(self) -> Json:
        at = timestamp(self.created_at)
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "status": self.status,
            "body": self.body,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            # The API writes null, not [], when an update changed no component.
            "affected_components": [dict(c) for c in self.affected_components] or None,
            "deliver_notifications": self.deliver_notifications,
            "custom_tweet": None,
            "tweet_id": None,
            "twitter_updated_at": None,
            "wants_twitter_update": False,
        }


@dataclass
class Incident:
    id: str
    page_id: str
    name: str
    status: str
    shortlink: str
    created_at: datetime
    updated_at: datetime
    component_ids: list[str] = field(default_factory=list)
    impact: str = "none"
    impact_override: str | None = None
    monitoring_at: datetime | None = None
    resolved_at: datetime | None = None
    updates: list[IncidentUpdate] = field(default_factory=list)  # in the order received, oldest first

    def to_json(self, components: Mapping[str, Component]) -> Json:
        """The API's incident object: current components, updates newest first."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "impact": self.impact_override or self.impact,
            "impact_override": self.impact_override,
            "shortlink": self.shortlink,
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.updated_at),
            "started_at": timestamp(self.created_at),
            "monitoring_at": timestamp(self.monitoring_at),
            "resolved_at": timestamp(self.resolved_at),
            "page_id": self.page_id,
            "metadata": {},
            "postmortem_body": None,
            "postmortem_published_at": None,
            "scheduled_for": None,
            "scheduled_until": None,
            "components": [components[c].to_json() for c in self.component_ids if c in components],
            "incident_updates": [u.to_json() for u in reversed(self.updates)],
        }

    def to_control(self, components: Mapping[str, Component]) -> Json:
        """For the control API: the same object, but its updates as `updates`, oldest first."""
        body = self.to_json(components)
        del body["incident_updates"]
        body["updates"] = [u.to_json() for u in self.updates]
        return body
