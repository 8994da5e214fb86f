"""The object graph: settings in, services and their Slack/Statuspage adapters out.

Only runtime.py imports this module; it decides what exists, runtime decides when it starts and stops.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import SystemClock
from incidentbot.domain.models import Severity
from incidentbot.domain.publication import PublicStatus
from incidentbot.domain.rules import RoutingConfig
from incidentbot.integrations.statuspage import StatuspageClient
from incidentbot.integrations.statuspage_port import StatuspageAdapter, StatuspageReachability
from incidentbot.jobs.worker import JobHandler
from incidentbot.metrics import Metrics
from incidentbot.services.config import IncidentConfig
from incidentbot.services.context import ServiceContext
from incidentbot.services.declare import OPEN_CHANNEL_KIND, IncidentDeclarer
from incidentbot.services.lifecycle import AFTER_CHANGE_KIND, IncidentLifecycle
from incidentbot.services.notify import Notifier
from incidentbot.services.privacy import IncidentPrivacy
from incidentbot.services.queries import IncidentQueries
from incidentbot.services.queue import JobQueue
from incidentbot.services.retention import RetentionSweep
from incidentbot.services.statuspage_publish import (
    LEGACY_SYNC_KIND,
    PUBLISH_KIND,
    PublishingConfig,
    StatuspagePublisher,
)
from incidentbot.services.timers import ArchivePolicy, IncidentTimers
from incidentbot.settings import Settings
from incidentbot.slack.client import InstrumentedWebClient
from incidentbot.slack.fairness import FairSlots, PerUserRateLimit
from incidentbot.slack.gateway import SlackGateway
from incidentbot.slack.handlers.runner import MAX_WAITING, HandlerDeps
from incidentbot.tasks import TaskTracker

__all__ = ["Graph", "Periodic", "build_graph", "incident_config", "new_worker_id"]

logger = logging.getLogger(__name__)

Check = Callable[[], Awaitable[str]]
JOB_WORKERS = 4  # jobs the outbox worker runs at once (JobWorker's concurrency)

RETENTION_SWEEP_SECONDS = 3600.0  # the window is days long; an hour late deletes nothing it should not


@dataclass(frozen=True)
class Periodic:
    """A job for the scheduler; ``at_start`` ones also run once before the daemon says it is ready."""

    seconds: float
    job: Callable[[], Awaitable[object]]
    name: str
    at_start: bool = False


@dataclass
class Graph:
    deps: HandlerDeps
    queue: JobQueue
    job_handlers: dict[str, JobHandler] = field(default_factory=dict)
    # Readiness checks of integrations the bot can work without: degraded when failing, never not-ready.
    optional_checks: dict[str, Check] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)


def new_worker_id() -> str:
    """``host:pid:random``, unique to this process start: a restarted container often gets the same
    pid, and the jobs its predecessor held must not look like its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


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


def work_slots_for(pool_size: int) -> int:
    """Work behind acks that may run at once: what the pool can serve beside the job worker (4) and
    the probes and sweeps (2), so no handler waits for a connection it cannot get."""
    return max(pool_size - JOB_WORKERS - 2, 2)


def publishing_config(settings: Settings) -> PublishingConfig:
    return PublishingConfig(
        min_severity=Severity(settings.statuspage_min_severity),
        publishers=frozenset(settings.statuspage_publishers),
        admins=frozenset(settings.incident_admins),
        default_title=settings.statuspage_default_title,
        messages={
            PublicStatus.INVESTIGATING: settings.statuspage_message_investigating,
            PublicStatus.IDENTIFIED: settings.statuspage_message_identified,
            PublicStatus.MONITORING: settings.statuspage_message_monitoring,
            PublicStatus.RESOLVED: settings.statuspage_message_resolved,
        },
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
    gateway = SlackGateway(client, clock_now=clock.now, statuspage=settings.statuspage_enabled)
    queue = JobQueue(
        pool=pool,
        clock=clock,
        metrics=metrics,
        worker_id=new_worker_id(),
        max_attempts=settings.job_max_attempts,
        lease=timedelta(seconds=settings.job_lease_seconds),
    )
    graph_handlers: dict[str, JobHandler] = {}
    optional_checks: dict[str, Check] = {}
    periodic = [Periodic(30.0, queue.refresh_gauges, "jobs-gauge", at_start=True)]
    if settings.job_retention_days > 0:
        retention = RetentionSweep(pool=pool, clock=clock, metrics=metrics, days=settings.job_retention_days)
        periodic.append(Periodic(RETENTION_SWEEP_SECONDS, retention.sweep, "retention-sweep"))
    else:
        logger.info("finished jobs and request keys are kept forever (JOB_RETENTION_DAYS=0)")
    notifier = Notifier(pool=pool, chat=gateway, clock=clock, metrics=metrics)
    publisher = None
    if settings.statuspage_enabled and settings.statuspage_api_key is not None:
        statuspage = StatuspageClient(
            api_url=settings.statuspage_api_url,
            page_id=settings.statuspage_page_id,
            api_key=settings.statuspage_api_key.reveal(),
            session=session,
        )
        publisher = StatuspagePublisher(
            pool=pool,
            statuspage=StatuspageAdapter(statuspage),
            chat=gateway,
            queue=queue,
            clock=clock,
            metrics=metrics,
            notifier=notifier,
            config=publishing_config(settings),
        )
        graph_handlers[PUBLISH_KIND] = publisher.run
        graph_handlers[LEGACY_SYNC_KIND] = publisher.drop_legacy_sync
        reachability = StatuspageReachability(statuspage, metrics=metrics)
        optional_checks["statuspage"] = reachability.check
        periodic.append(Periodic(30.0, reachability.refresh, "statuspage-reachability", at_start=True))
        logger.info(
            "Statuspage is on for page %s: people publish through the form; %s and worse prompt the commander",
            settings.statuspage_page_id,
            settings.statuspage_min_severity,
        )
    else:
        logger.info("Statuspage is off (set STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID to turn it on)")
    ctx = ServiceContext(
        pool=pool,
        chat=gateway,
        clock=clock,
        config=config,
        metrics=metrics,
        notifier=notifier,
        queue=queue,
        publisher=publisher,
    )
    declarer, lifecycle = IncidentDeclarer(ctx), IncidentLifecycle(ctx)
    graph_handlers[OPEN_CHANNEL_KIND] = declarer.open_channel_job
    graph_handlers[AFTER_CHANGE_KIND] = lifecycle.after_change_job
    timers = IncidentTimers(ctx)
    policy = ArchivePolicy(after_days=settings.archive_after_days, warning_hours=settings.archive_warning_hours)
    reminders = {
        Severity.P1: settings.reminder_minutes_p1,
        Severity.P2: settings.reminder_minutes_p2,
        Severity.P3: settings.reminder_minutes_p3,
        Severity.P4: settings.reminder_minutes_p4,
    }
    if settings.archive_after_days > 0:
        periodic.append(
            Periodic(settings.archive_sweep_minutes * 60, lambda: timers.archive_sweep(policy), "archive-sweep")
        )
    else:
        logger.info("archival is off (ARCHIVE_AFTER_DAYS=0)")
    periodic.append(
        Periodic(settings.reminder_sweep_seconds, lambda: timers.reminder_sweep(reminders), "reminder-sweep")
    )
    deps = HandlerDeps(
        tracker=tracker,
        metrics=metrics,
        declarer=declarer,
        lifecycle=lifecycle,
        timers=timers,
        queries=IncidentQueries(pool=pool),
        privacy=IncidentPrivacy(ctx),
        config=config,
        gateway=gateway,
        client=client,
        clock=clock,
        statuspage_enabled=publisher is not None,
        publisher=publisher,
        work_slots=FairSlots(work_slots_for(settings.database_pool_size), max_waiting=MAX_WAITING),
        rate_limit=PerUserRateLimit(settings.rate_limit_per_minute),
    )
    metrics.watch_backlog(lambda: deps.work_slots.waiting)
    return Graph(
        deps=deps, queue=queue, job_handlers=graph_handlers, optional_checks=optional_checks, periodic=periodic
    )
