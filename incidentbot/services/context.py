"""What every incident use case works with, bundled once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import Clock
from incidentbot.metrics import Metrics
from incidentbot.services.config import IncidentConfig
from incidentbot.services.notify import Notifier
from incidentbot.services.ports import ChatPort

__all__ = ["ServiceContext"]


@dataclass(frozen=True)
class ServiceContext:
    pool: AsyncConnectionPool[Any]
    chat: ChatPort
    clock: Clock
    config: IncidentConfig
    metrics: Metrics
    notifier: Notifier
