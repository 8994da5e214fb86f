"""Gauges recounted from the database, so they are right after a restart and never drift."""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from incidentbot.db import incidents
from incidentbot.metrics import Metrics

__all__ = ["refresh_open_incidents"]


async def refresh_open_incidents(pool: AsyncConnectionPool[Any], metrics: Metrics) -> None:
    """Recount open incidents by severity and status for ``incidentbot_open_incidents``."""
    async with pool.connection() as conn:
        counts = await incidents.open_counts(conn)
    gauge = metrics.open_incidents
    gauge.clear()
    for severity, status, n in counts:
        gauge.labels(severity, status).set(n)
