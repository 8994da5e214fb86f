"""One page with its components and incidents, changed only through checks the real API also makes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import HttpError, not_found
from .models import (
    COMPONENT_STATUSES,
    IMPACT_OF_COMPONENT_STATUS,
    IMPACTS,
    INCIDENT_STATUSES,
    Component,
    IdFactory,
    Incident,
    IncidentUpdate,
    Json,
    timestamp,
    worse_impact,
)

PAGE_NAME = "Sandbox Status"
SEED_COMPONENTS = (
    ("Checkout API", "Placing orders and taking payment for them"),
    ("Payments", "Card and wallet payments"),
    ("Search", "Product search and suggestions"),
    ("Website", "The storefront"),
)


def _unprocessable(message: str) -> HttpError:
    return HttpError(422, message)


@dataclass(frozen=True)
class IncidentChange:
    """The fields of one POST or PATCH, already checked."""

    name: str | None = None
    status: str | None = None
    body: str | None = None
    component_ids: tuple[str, ...] | None = None
    component_status: Mapping[str, str] = field(default_factory=dict)
    impact_override: str | None = None
    deliver_notifications: bool = True


def parse_incident_change(payload: Json, known_components: Collection[str], *, creating: bool) -> IncidentChange:
    """`{"incident": {...}}` → an IncidentChange, or the 400/422 the real API would answer."""
    incident = payload.get("incident")
    if not isinstance(incident, dict):
        raise HttpError(400, "param is missing or the value is empty: incident")
    name = _optional_text(incident, "name")
    if (creating or name is not None) and not (name or "").strip():
        raise _unprocessable("Name can't be blank")
    status = _optional_text(incident, "status")
    if status is None and creating:
        status = "investigating"
    if status is not None and status not in INCIDENT_STATUSES:
        raise _unprocessable(f"Status {status!r} is not one of {', '.join(INCIDENT_STATUSES)}")
    component_ids = incident.get("component_ids")
    if component_ids is not None:
        if not isinstance(component_ids, list) or not all(isinstance(c, str) for c in component_ids):
            raise _unprocessable("component_ids must be a list of component ids")
        for component_id in component_ids:
            _known_component(component_id, known_components)
    component_status = _component_status(incident.get("components"), known_components)
    impact_override = _optional_text(incident, "impact_override")
    if impact_override is not None and impact_override not in IMPACTS:
        raise _unprocessable(f"Impact override {impact_override!r} is not one of {', '.join(IMPACTS)}")
    deliver = incident.get("deliver_notifications", True)
    if not isinstance(deliver, bool):
        raise _unprocessable("deliver_notifications must be true or false")
    return IncidentChange(
        name=name,
        status=status,
        body=_optional_text(incident, "body"),
        component_ids=tuple(component_ids) if component_ids is not None else None,
        component_status=component_status,
        impact_override=impact_override,
        deliver_notifications=deliver,
    )


def _optional_text(fields: Json, key: str) -> str | None:
    value: Any = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise _unprocessable(f"{key} must be a string")
    return value


def _known_component(component_id: str, known_components: Collection[str]) -> None:
    if component_id not in known_components:
        raise _unprocessable(f"Component {component_id!r} does not exist on this page")


def _component_status(value: Any, known_components: Collection[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _unprocessable("components must map component ids to component statuses")
    for component_id, status in value.items():
        _known_component(component_id, known_components)
        _check_component_status(status)
    return dict(value)


def _check_component_status(status: Any) -> str:
    if status not in COMPONENT_STATUSES:
        raise _unprocessable(f"Component status {status!r} is not one of {', '.join(COMPONENT_STATUSES)}")
    assert isinstance(status, str)
    return status


class StatuspageState:
    """The page; ids stay fixed across `reset()` so a bot configured once keeps working."""

    def __init__(self, *, page_id: str, ids: IdFactory, now: Callable[[], datetime]) -> None:
        self.page_id = page_id
        self._ids = ids
        self._now = now
        self.created_at = now()
        self.components: dict[str, Component] = {}
        self.incidents: dict[str, Incident] = {}
        for position, (name, description) in enumerate(SEED_COMPONENTS, start=1):
            component = Component(
                id=ids.object_id(),
                page_id=page_id,
                name=name,
                description=description,
                position=position,
                created_at=self.created_at,
                updated_at=self.created_at,
            )
            self.components[component.id] = component

    def reset(self) -> None:
        """Forget every incident and make every component operational again."""
        self.incidents.clear()
        for component in self.components.values():
            component.status = "operational"
            component.updated_at = self.created_at

    # -- reading ---------------------------------------------------------------------------------------
    def page_json(self) -> Json:
        subdomain = "sandbox-status"
        return {
            "id": self.page_id,
            "name": PAGE_NAME,
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.created_at),
            "subdomain": subdomain,
            "domain": None,
            "url": f"https://{subdomain}.statuspage.io",
            "time_zone": "Etc/UTC",
            "allow_page_subscribers": True,
            "allow_incident_subscribers": True,
            "allow_email_subscribers": True,
            "allow_sms_subscribers": False,
            "allow_rss_atom_feeds": True,
            "allow_webhook_subscribers": True,
        }

    def component(self, component_id: str) -> Component:
        component = self.components.get(component_id)
        if component is None:
            raise not_found()
        return component

    def incident(self, incident_id: str) -> Incident:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise not_found()
        return incident

    def incidents_newest_first(self) -> list[Incident]:
        return list(reversed(self.incidents.values()))

    # -- changing --------------------------------------------------------------------------------------
    def update_component(self, component: Component, payload: Json) -> Component:
        fields = payload.get("component")
        if not isinstance(fields, dict):
            raise HttpError(400, "param is missing or the value is empty: component")
        status = fields.get("status")
        if status is not None:
            component.status = _check_component_status(status)
        for key in ("name", "description"):
            value = _optional_text(fields, key)
            if value is not None:
                setattr(component, key, value)
        component.updated_at = self._now()
        return component

    def create_incident(self, payload: Json) -> Incident:
        change = parse_incident_change(payload, self.components, creating=True)
        now = self._now()
        assert change.name is not None and change.status is not None
        incident = Incident(
            id=self._ids.object_id(),
            page_id=self.page_id,
            name=change.name,
            status=change.status,
            shortlink=self._ids.shortlink(),
            created_at=now,
            updated_at=now,
        )
        self._apply(incident, change, now)
        self.incidents[incident.id] = incident
        return incident

    def update_incident(self, incident: Incident, payload: Json) -> Incident:
        change = parse_incident_change(payload, self.components, creating=False)
        self._apply(incident, change, self._now())
        return incident

    def _apply(self, incident: Incident, change: IncidentChange, now: datetime) -> None:
        if change.name is not None:
            incident.name = change.name
        if change.impact_override is not None:
            incident.impact_override = change.impact_override
        # component_ids replaces the affected set; a status in `components` adds its component to it.
        affected_ids = list(change.component_ids) if change.component_ids is not None else incident.component_ids
        incident.component_ids = list(dict.fromkeys([*affected_ids, *change.component_status]))
        changed = self._set_component_statuses(change.component_status, now)
        for status in change.component_status.values():
            incident.impact = worse_impact(incident.impact, IMPACT_OF_COMPONENT_STATUS.get(status, "none"))
        if change.status is not None:
            incident.status = change.status
            if change.status == "monitoring" and incident.monitoring_at is None:
                incident.monitoring_at = now
            incident.resolved_at = (incident.resolved_at or now) if change.status == "resolved" else None
        if change.status is not None or change.body is not None:
            update = IncidentUpdate(
                id=self._ids.object_id(),
                incident_id=incident.id,
                status=incident.status,
                body=change.body or "",
                created_at=now,
                affected_components=changed,
                deliver_notifications=change.deliver_notifications,
            )
            incident.updates.append(update)
        incident.updated_at = now

    def _set_component_statuses(self, statuses: Mapping[str, str], now: datetime) -> tuple[Json, ...]:
        changed: list[Json] = []
        for component_id, status in statuses.items():
            component = self.components[component_id]
            changed.append(
                {"code": component.id, "name": component.name, "old_status": component.status, "new_status": status}
            )
            component.status = status
            component.updated_at = now
        return tuple(changed)
