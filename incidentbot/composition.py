"""The object graph: settings in, services and their Slack/Statuspage adapters out.

Only runtime.py imports this module; it decides what exists, runtime decides when it starts and stops.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import SystemClock
from incidentbot.domain.models import Severity
from incidentbot.domain.rules import RoutingConfig
from incidentbot.integrations.statuspage import StatuspageClient
from incidentbot.integrations.statuspage_port import StatuspageAdapter, StatuspageReachability
from incidentbot.jobs.worker import JobHandler
from incidentbot.metrics import Metrics
from incidentbot.services.config import IncidentConfig
from incidentbot.services.context import ServiceContext
from incidentbot.services.declare import IncidentDeclarer
from incidentbot.services.lifecycle import IncidentLifecycle
from incidentbot.services.notify import Notifier
from incidentbot.services.queries import IncidentQueries
from incidentbot.services.queue import JobQueue
from incidentbot.services.statuspage_sync import SYNC_KIND, StatuspageSync
from incidentbot.settings import Settings
from incidentbot.slack.client import InstrumentedWebClient
from incidentbot.slack.gateway import SlackGateway
from incidentbot.slack.handlers.runner import HandlerDeps
from incidentbot.tasks import TaskTracker

__all__ = ["Graph", "build_graph", "incident_config"]

logger = logging.getLogger(__name__)

Check = Callable[[], Awaitable[str]]


@dataclass
class Graph:
    deps: HandlerDeps
    queue: JobQueue
    job_handlers: dict[str, JobHandler] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)
    # (seconds, job, name) for the scheduler.
    periodic: list[tuple[float, Callable[[], Awaitable[object]], str]] = field(default_factory=list)


def incident_config(settings: Settings) -> IncidentConfig:
    notify = {
        Severity.P1: settings.notify_channels_p1,
        Severity.P2: settings.notify_channels_p2,
        Severity.P3: settings.notify_channels_p3,
        Severity.P4: settings.notify_channels_p4,
    }
    return IncidentConfig(
        routing=RoutingConfig(notify_channels=notify, p1_users=settings.p1_users),
        admins=frozenset(settings.incident_admins),
        services=settings.services,
        service_owners=settings.service_owners,
        default_severity=Severity(settings.default_severity),
    )


def build_graph(
    settings: Settings,
    *,
    pool: AsyncConnectionPool[Any],
    client: InstrumentedWebClient,
    session: aiohttp.ClientSession,
    tracker: TaskTracker,
    metrics: Metrics,
) -> Graph:
    clock = SystemClock()
    config = incident_config(settings)
    gateway = SlackGateway(client, clock_now=clock.now)
    queue = JobQueue(
        pool=pool,
        clock=clock,
        metrics=metrics,
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        max_attempts=settings.job_max_attempts,
    )
    graph_handlers: dict[str, JobHandler] = {}
    checks: dict[str, Check] = {}
    periodic: list[tuple[float, Callable[[], Awaitable[object]], str]] = [(30.0, queue.refresh_gauges, "jobs-gauge")]
    publisher = None
    if settings.statuspage_enabled and settings.statuspage_api_key is not None:
        statuspage = StatuspageClient(
            api_url=settings.statuspage_api_url,
            page_id=settings.statuspage_page_id,
            api_key=settings.statuspage_api_key.reveal(),
            session=session,
        )
        publisher = StatuspageSync(
            pool=pool,
            statuspage=StatuspageAdapter(statuspage),
            chat=gateway,
            queue=queue,
            clock=clock,
            min_severity=Severity(settings.statuspage_min_severity),
        )
        graph_handlers[SYNC_KIND] = publisher.run
        reachability = StatuspageReachability(statuspage)
        checks["statuspage"] = reachability.check
        periodic.append((30.0, reachability.refresh, "statuspage-reachability"))
        logger.info(
            "Statuspage sync is on for page %s (%s and worse)",
            settings.statuspage_page_id,
            settings.statuspage_min_severity,
        )
    else:
        logger.info("Statuspage sync is off (set STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID to turn it on)")
    notifier = Notifier(pool=pool, chat=gateway, clock=clock, metrics=metrics)
    ctx = ServiceContext(
        pool=pool, chat=gateway, clock=clock, config=config, metrics=metrics, notifier=notifier, publisher=publisher
    )
    deps = HandlerDeps(
        tracker=tracker,
        metrics=metrics,
        declarer=IncidentDeclarer(ctx),
        lifecycle=IncidentLifecycle(ctx),
        queries=IncidentQueries(pool=pool),
        config=config,
        gateway=gateway,
        client=client,
        clock=clock,
    )
    return Graph(deps=deps, queue=queue, job_handlers=graph_handlers, checks=checks, periodic=periodic)
