"""The daemon as an operator and a Slack user meet it: commands answered, probes honest, shutdown clean."""

from __future__ import annotations

import asyncio
import re
import signal
from typing import Any

import pytest

from incidentbot.demo.child import DaemonChild
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import DaemonFactory, eventually


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = ",".join(sorted(p for p in (match.group(3) or "").split(",") if p))
        if found == wanted:
            return float(match.group(4))
    return None


def ephemeral_text(messages: list[dict[str, Any]]) -> str:
    parts = []
    for message in messages:
        parts.append(str(message.get("text", "")))
        for block in message.get("blocks") or []:
            text = block.get("text")
            if isinstance(text, dict):
                parts.append(str(text.get("text", "")))
    return "\n".join(parts)


async def ephemerals_of(slack: SandboxClient, user: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await slack.ephemerals(user)
    return result


async def test_help_round_trips_and_metrics_show_the_envelope(
    daemon: DaemonChild, slack: SandboxClient, sandbox: SandboxServer
) -> None:
    result = await slack.slash("help", user="U0ALICE", channel="C0GENERAL")
    assert result.get("acked") is True and result["attempts"] == 1, result

    replies = await eventually(lambda: ephemerals_of(slack, "U0ALICE"))
    text = ephemeral_text(replies)
    assert "/incident help" in text
    assert await slack.ephemerals("U0BOB") == []  # only the person who asked sees it

    metrics = await eventually(lambda: _with_live_sockets(daemon, 2))  # SLACK_SOCKET_CONNECTIONS=2
    assert metric(metrics, "incidentbot_slack_envelopes_total", type="slash_commands") == 1
    assert metric(metrics, "incidentbot_slack_ack_latency_seconds_count", type="slash_commands") == 1
    assert metric(metrics, "incidentbot_slack_api_calls_total", method="auth.test") is not None
    assert (metric(metrics, "incidentbot_db_pool_size") or 0) >= 1
    assert 'incidentbot_build_info{python="' in metrics

    log = daemon.log_text()
    assert sandbox.bot_token not in log and sandbox.app_token not in log
    assert any(line.get("command") == "/incident" and line.get("user") == "U0ALICE" for line in daemon.log_lines())


async def _with_live_sockets(daemon: DaemonChild, live: int) -> str | None:
    metrics = await daemon.metrics()
    return metrics if metric(metrics, "incidentbot_slack_socket_connected") == live else None


async def test_health_and_ready_describe_themselves(daemon: DaemonChild) -> None:
    status, health = await daemon.get("/health")
    assert status == 200 and health["status"] == "ok" and health["version"] and health["uptime_seconds"] >= 0
    status, ready = await daemon.get("/ready")
    assert status == 200 and ready["failing"] == []
    assert set(ready["checks"]) == {"database", "slack_socket", "slack_auth"}
    assert all(check["latency_ms"] >= 0 for check in ready["checks"].values())


async def test_unknown_sub_command_gets_help_and_a_suggestion(daemon: DaemonChild, slack: SandboxClient) -> None:
    await slack.slash("hlep", command="/inc", user="U0BOB", channel="C0GENERAL")
    replies = await eventually(lambda: ephemerals_of(slack, "U0BOB"))
    text = ephemeral_text(replies)
    assert "I don't know `hlep`" in text and "Did you mean `/inc help`?" in text


async def test_reconnects_after_a_dropped_socket_and_after_a_refresh(daemon: DaemonChild, slack: SandboxClient) -> None:
    await eventually(lambda: _reopened(slack, at_least=2))  # both connections up
    await slack.drop_socket()  # every socket at once
    await eventually(lambda: _reopened(slack, at_least=4), timeout=15)
    first = await slack.slash("help", user="U0ALICE", channel="C0GENERAL")
    assert first["acked"] is True

    await slack.disconnect_socket("refresh_requested")
    await eventually(lambda: _reopened(slack, at_least=6), timeout=15)
    second = await slack.slash("help", user="U0CAROL", channel="C0GENERAL")
    assert second["acked"] is True
    await eventually(lambda: ephemerals_of(slack, "U0CAROL"))

    metrics = await daemon.metrics()
    assert (metric(metrics, "incidentbot_slack_socket_reconnects_total") or 0) >= 2
    logged = [line["message"] for line in daemon.log_lines()]
    assert sum("socket disconnected" in m for m in logged) >= 2
    assert sum(m.startswith("socket connected") for m in logged) >= 6


async def _reopened(slack: SandboxClient, *, at_least: int) -> bool:
    info = await slack.socket_info()
    return bool(info["connections"] >= 2 and info["opened_total"] >= at_least)


async def test_rate_limited_calls_are_retried_after_retry_after(daemon: DaemonChild, slack: SandboxClient) -> None:
    await eventually(lambda: _reopened(slack, at_least=2))
    await slack.fault("apps.connections.open", status=429, retry_after=1, times=1)
    await slack.drop_socket()
    await eventually(lambda: _reopened(slack, at_least=4), timeout=20)
    metrics = await daemon.metrics()
    assert metric(metrics, "incidentbot_slack_rate_limit_retries_total", method="apps.connections.open") == 1


@pytest.mark.resilience
async def test_database_outage_is_reported_and_recovers_without_restart(
    start_daemon: DaemonFactory, sandbox: SandboxServer, short_tmp: Any
) -> None:
    from incidentbot.db.embedded import start_embedded

    database = await asyncio.to_thread(start_embedded, short_tmp)
    try:
        daemon = await start_daemon(sandbox=sandbox, database_url=database.url)
        await daemon.wait_ready()

        await asyncio.to_thread(database.stop)
        body = await eventually(lambda: _not_ready(daemon), timeout=5)
        assert body["failing"] == ["database"]
        assert daemon.alive()
        # A command during the outage is answered, plainly, within a few seconds: never silence.
        async with SandboxClient(sandbox.url) as slack:
            await slack.slash("declare P2 During the outage", user="U0ALICE", channel="C0GENERAL")
            answer = await eventually(lambda: _ephemeral_with(slack, "U0ALICE", "database is not answering"))
            assert "Nothing was changed" in answer

        database = await asyncio.to_thread(start_embedded, short_tmp)
        await daemon.wait_ready(timeout=5)  # its own connection: ready again as soon as PostgreSQL is
        async with SandboxClient(sandbox.url) as slack:  # and the work's pool serves commands again
            await slack.slash("declare P2 After the outage", user="U0BOB", channel="C0GENERAL")
            await eventually(lambda: _ephemeral_with(slack, "U0BOB", "Declared #1"), timeout=15)
    finally:
        await asyncio.to_thread(database.stop)


async def _ephemeral_with(slack: SandboxClient, user: str, text: str) -> str | None:
    for message in await slack.ephemerals(user):
        if text in ephemeral_text([message]):
            return ephemeral_text([message])
    return None


async def _not_ready(daemon: DaemonChild) -> dict[str, Any] | None:
    status, body = await daemon.get("/ready")
    return body if status == 503 else None


@pytest.mark.resilience
async def test_sigterm_lets_a_slow_handler_finish_then_exits_zero(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url)
    await daemon.wait_ready()
    # The reply to the user takes 2 s to go through: the handler is still running when SIGTERM lands.
    await slack.fault("response_url", delay=2.0, times=1)
    result = await slack.slash("help", user="U0DAVE", channel="C0GENERAL")
    assert result.get("acked") is True, result
    daemon.signal(signal.SIGTERM)

    status, body = await eventually(lambda: _draining(daemon), timeout=3)
    assert status == 503 and body["status"] == "draining"
    assert await daemon.wait_exit(timeout=15) == 0
    assert ephemeral_text(await slack.ephemerals("U0DAVE"))  # the slow reply did arrive
    logged = [line["message"] for line in daemon.log_lines()]
    assert "stopped cleanly" in logged
    assert not any("cancelled" in m for m in logged)


async def _draining(daemon: DaemonChild) -> tuple[int, Any] | None:
    try:
        status, body = await daemon.get("/ready")
    except Exception:
        return None
    return (status, body) if status == 503 else None


@pytest.mark.resilience
async def test_second_signal_cancels_in_flight_work_at_once(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra={"SHUTDOWN_TIMEOUT_SECONDS": "60"})
    await daemon.wait_ready()
    await slack.fault("response_url", delay=30.0, times=1)
    await slack.slash("help", user="U0ERIN", channel="C0GENERAL")
    await asyncio.sleep(0.3)
    daemon.signal(signal.SIGTERM)
    await asyncio.sleep(0.3)
    daemon.signal(signal.SIGINT)
    assert await daemon.wait_exit(timeout=10) == 0
    assert any("cancelled 1 task" in line["message"] for line in daemon.log_lines())


async def test_events_nobody_handles_are_acked_not_left_for_redelivery(
    daemon: DaemonChild, slack: SandboxClient
) -> None:
    result = await slack.send_event(
        {"type": "reaction_added", "user": "U0ALICE", "reaction": "eyes", "item": {"type": "message"}}
    )
    assert result.get("acked") is True and result["attempts"] == 1
