"""Every Prometheus metric, defined once with its help text, on a registry the app owns.

A registry per ``Metrics`` instance (rather than prometheus_client's global one) lets tests and the
demo run several daemons in one process without name clashes.
"""

from __future__ import annotations

import platform
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.core import GaugeMetricFamily

from incidentbot import __version__

__all__ = ["GaugeUnsetUntilKnown", "Metrics"]

# Acks are sub-millisecond when healthy; the upper buckets show trouble before Slack's 3 s deadline.
_ACK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0)
_WORK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class GaugeUnsetUntilKnown:
    """A gauge that has no sample until it is first set.

    For an optional integration: unconfigured, the series is absent rather than 0, so an alert on
    ``== 0`` fires only where the integration is on.
    """

    def __init__(self, name: str, documentation: str, *, registry: CollectorRegistry) -> None:
        self._name = name
        self._documentation = documentation
        self._value: float | None = None
        registry.register(self)

    def set(self, value: float) -> None:
        self._value = value

    def describe(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily(self._name, self._documentation)]

    def collect(self) -> list[GaugeMetricFamily]:
        family = GaugeMetricFamily(self._name, self._documentation)
        if self._value is not None:
            family.add_metric([], self._value)
        return [family]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.build_info = Info("incidentbot_build", "Version of incidentbot and of Python.", registry=r)
        self.build_info.info({"version": __version__, "python": platform.python_version()})

        self.socket_connected = Gauge(
            "incidentbot_slack_socket_connected",
            "Socket Mode connections live now (greeted, open, answering pings); SLACK_SOCKET_CONNECTIONS when healthy.",
            registry=r,
        )
        self.socket_reconnects = Counter(
            "incidentbot_slack_socket_reconnects",
            "Socket Mode connections opened to replace one that closed, went silent or was told to disconnect.",
            registry=r,
        )
        self.envelopes = Counter(
            "incidentbot_slack_envelopes",
            "Socket Mode envelopes received, by type (slash_commands, interactive, events_api).",
            ["type"],
            registry=r,
        )
        self.envelope_retries = Counter(
            "incidentbot_slack_envelope_redeliveries",
            "Envelopes Slack delivered again (retry_attempt > 0), by type.",
            ["type"],
            registry=r,
        )
        self.ack_latency = Histogram(
            "incidentbot_slack_ack_latency_seconds",
            "Time from receiving an envelope to sending its ack, by type.",
            ["type"],
            buckets=_ACK_BUCKETS,
            registry=r,
        )
        self.api_calls = Counter(
            "incidentbot_slack_api_calls", "Slack Web API calls made, by method.", ["method"], registry=r
        )
        self.api_errors = Counter(
            "incidentbot_slack_api_errors",
            "Slack Web API calls that failed, by method and Slack error code (or exception name).",
            ["method", "error"],
            registry=r,
        )
        self.rate_limit_retries = Counter(
            "incidentbot_slack_rate_limit_retries",
            "Slack Web API calls retried after HTTP 429 (honouring Retry-After), by method.",
            ["method"],
            registry=r,
        )
        self.db_pool_size = Gauge(
            "incidentbot_db_pool_size", "PostgreSQL connections currently open in the pool.", registry=r
        )
        self.db_pool_in_use = Gauge(
            "incidentbot_db_pool_in_use", "PostgreSQL connections currently lent out by the pool.", registry=r
        )
        self.db_pool_waiting = Gauge(
            "incidentbot_db_pool_waiting", "Requests waiting for a PostgreSQL connection.", registry=r
        )

        self.incidents_declared = Counter(
            "incidentbot_incidents_declared",
            "Incidents declared, by severity at declaration.",
            ["severity"],
            registry=r,
        )
        self.open_incidents = Gauge(
            "incidentbot_open_incidents",
            "Open incidents by severity and status (refreshed after each change and every 30 s).",
            ["severity", "status"],
            registry=r,
        )
        self.commands = Counter(
            "incidentbot_commands",
            "Slash sub-commands, buttons and modal submissions handled, by name and outcome "
            "(ok, refused, denied, duplicate, error).",
            ["command", "outcome"],
            registry=r,
        )
        self.command_duration = Histogram(
            "incidentbot_command_duration_seconds",
            "Time to carry out a command after its ack, by name.",
            ["command"],
            buckets=_WORK_BUCKETS,
            registry=r,
        )
        self.work_waiting = Gauge(
            "incidentbot_work_waiting",
            "Commands, clicks and forms acked and waiting for a work slot (bounded; past it people are told to retry).",
            registry=r,
        )
        self.permission_denials = Counter(
            "incidentbot_permission_denials",
            "Actions refused for lack of permission, by action.",
            ["action"],
            registry=r,
        )
        self.duplicates_suppressed = Counter(
            "incidentbot_duplicates_suppressed",
            "Redelivered or repeated requests that changed nothing, by kind.",
            ["kind"],
            registry=r,
        )
        self.notifications = Counter(
            "incidentbot_notifications",
            "Announcements, DMs and one-off notices, by kind (announcement, dm, channel_ready…) and status.",
            ["kind", "status"],
            registry=r,
        )

        self.jobs = Gauge(
            "incidentbot_jobs",
            "Unfinished jobs in the durable queue by kind and status (queued, running, dead).",
            ["kind", "status"],
            registry=r,
        )
        self.job_failures = Counter(
            "incidentbot_job_failures",
            "Failed job attempts (each is retried until dead), by kind.",
            ["kind"],
            registry=r,
        )
        self.job_leases_lost = Counter(
            "incidentbot_job_leases_lost",
            "Job runs that lost their lease to another worker (stopped, or their outcome dropped), by kind.",
            ["kind"],
            registry=r,
        )
        self.job_latency = Histogram(
            "incidentbot_job_latency_seconds",
            "Time from a job being queued to its completion, by kind.",
            ["kind"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
            registry=r,
        )

        self.statuspage_up = GaugeUnsetUntilKnown(
            "incidentbot_statuspage_up",
            "1 when the last Statuspage reachability probe succeeded, 0 when it failed "
            "(absent when Statuspage is not configured).",
            registry=r,
        )

        self.reminder_last_sweep = Gauge(
            "incidentbot_reminder_last_sweep_timestamp_seconds",
            "When the update-reminder sweep last ran to the end (Unix time).",
            registry=r,
        )
        self.archive_last_sweep = Gauge(
            "incidentbot_archive_last_sweep_timestamp_seconds",
            "When the archive sweep last ran to the end (Unix time).",
            registry=r,
        )
        self.channels_archived = Counter(
            "incidentbot_channels_archived", "Incident channels archived after the retention window.", registry=r
        )
        self.retention_deleted = Counter(
            "incidentbot_retention_deleted",
            "Rows the retention sweep deleted, by table: jobs (done ones only) and slack_requests.",
            ["table"],
            registry=r,
        )
        self.reminders_sent = Counter(
            "incidentbot_reminders_sent",
            "Update reminders posted to commanders, by severity.",
            ["severity"],
            registry=r,
        )
        self.statuspage_publications = Counter(
            "incidentbot_statuspage_publications",
            "Status page publications decided by a person, by outcome (published, refused, retried).",
            ["outcome"],
            registry=r,
        )

    def watch_pool(self, stats: Callable[[], dict[str, int]]) -> None:
        """Read the pool's figures at scrape time rather than copying them on every change."""
        self.db_pool_size.set_function(lambda: stats().get("pool_size", 0))
        self.db_pool_in_use.set_function(lambda: stats().get("pool_size", 0) - stats().get("pool_available", 0))
        self.db_pool_waiting.set_function(lambda: stats().get("requests_waiting", 0))

    def watch_backlog(self, waiting: Callable[[], int]) -> None:
        self.work_waiting.set_function(lambda: float(waiting()))

    def watch_socket(self, live: Callable[[], int]) -> None:
        self.socket_connected.set_function(lambda: float(live()))

    def render(self) -> bytes:
        return generate_latest(self.registry)
