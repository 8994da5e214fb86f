"""How a local incident reads on Statuspage: lifecycle status → incident status, severity → component status.

Standard library only, so whatever decides what to sync can use it without importing aiohttp.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

OPERATIONAL = "operational"

# Statuspage has no "declared": a newly declared incident is one being investigated.
INCIDENT_STATUS_BY_LIFECYCLE: Mapping[str, str] = MappingProxyType(
    {
        "declared": "investigating",
        "investigating": "investigating",
        "identified": "identified",
        "monitoring": "monitoring",
        "resolved": "resolved",
    }
)

# What the affected components show while the incident is open; resolving sets them back to operational.
COMPONENT_STATUS_BY_SEVERITY: Mapping[str, str] = MappingProxyType(
    {
        "P1": "major_outage",
        "P2": "partial_outage",
        "P3": "degraded_performance",
        "P4": "degraded_performance",
    }
)


def incident_status(lifecycle_status: str) -> str:
    """The Statuspage incident status for a lifecycle status ("declared" → "investigating")."""
    try:
        return INCIDENT_STATUS_BY_LIFECYCLE[lifecycle_status]
    except KeyError:
        known = ", ".join(INCIDENT_STATUS_BY_LIFECYCLE)
        raise ValueError(f"no Statuspage status for lifecycle status {lifecycle_status!r}; known: {known}") from None


def component_status_for(severity: str) -> str:
    """The status an open incident of this severity gives its affected components ("P1" → "major_outage")."""
    try:
        return COMPONENT_STATUS_BY_SEVERITY[severity]
    except KeyError:
        known = ", ".join(COMPONENT_STATUS_BY_SEVERITY)
        raise ValueError(f"no Statuspage component status for severity {severity!r}; known: {known}") from None
