"""The slice of settings the incident use cases need, in domain types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from incidentbot.domain.models import Severity
from incidentbot.domain.rules import RoutingConfig

__all__ = ["IncidentConfig"]


@dataclass(frozen=True)
class IncidentConfig:
    routing: RoutingConfig
    admins: frozenset[str] = frozenset()
    services: tuple[str, ...] = ()
    service_owners: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_severity: Severity = Severity.P3
