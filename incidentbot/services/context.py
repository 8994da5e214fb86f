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
from incidentbot.services.queue import JobQueue
from incidentbot.services.statuspage_publish import StatuspagePublisher

__all__ = ["ServiceContext", "UseCase"]


@dataclass(frozen=True)
class ServiceContext:
    pool: AsyncConnectionPool[Any]
    chat: ChatPort
    clock: Clock
    config: IncidentConfig
    metrics: Metrics
    notifier: Notifier
    # Where Slack calls that must happen after a commit wait until they succeed.
    queue: JobQueue
    # Publishes what a person decided on the status page; None when Statuspage is not configured.
    publisher: StatuspagePublisher | None = None


class UseCase:
    """Base of the use-case classes: the context, unpacked once."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._pool = ctx.pool
        self._chat = ctx.chat
        self._clock = ctx.clock
        self._config = ctx.config
        self._metrics = ctx.metrics
        self._notifier = ctx.notifier
        self._publisher = ctx.publisher
        self._queue = ctx.queue
