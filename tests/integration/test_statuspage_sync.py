"""Public incidents mirrored on Statuspage through the durable queue: in order, once each, through outages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from incidentbot.demo.child import DaemonChild, free_port
from incidentbot.demo.workspace import ALICE, GENERAL, Workspace, visible_text
from incidentbot.sandbox import SandboxClient, SandboxServer
from incidentbot.sandbox.statuspage import StatuspageControl, StatuspageServer
from tests.integration.conftest import ROUTING, DaemonFactory, declare, rows


@pytest.fixture
async def statuspage() -> AsyncIterator[StatuspageServer]:
    server = StatuspageServer(host="127.0.0.1", port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def public_page(statuspage: StatuspageServer) -> AsyncIterator[StatuspageControl]:
    async with StatuspageControl(statuspage.url) as control:
        yield control


@pytest.fixture
async def published_bot(
    start_daemon: DaemonFactory,
    sandbox: SandboxServer,
    statuspage: StatuspageServer,
    public_page: StatuspageControl,
    database_url: str,
) -> DaemonChild:
    env = {
        **ROUTING,
        "STATUSPAGE_API_KEY": statuspage.api_key,
        "STATUSPAGE_PAGE_ID": statuspage.page_id,
        "STATUSPAGE_API_URL": statuspage.api_url,
    }
    checkout = next(c["id"] for c in await public_page.components() if c["name"] == "Checkout API")
    mapping = await start_daemon(
        sandbox=None, database_url=database_url, args=("statuspage", "map", "checkout", checkout)
    )
    assert await mapping.wait_exit() == 0, mapping.log_text()
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=env)
    await daemon.wait_ready()
    return daemon


async def _declare_checkout(
    ws: Workspace, slack: SandboxClient, title: str, severity: str, *, public: bool = False
) -> dict[str, Any]:
    await ws.run("declare", user=ALICE, channel=GENERAL)

    async def open_view() -> dict[str, Any] | None:
        views = await slack.views(ALICE, open_only=True)
        return views[-1] if views else None

    view = await ws.wait(open_view, what="declare form")
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": title}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": severity}}},
            "service": {"service": {"type": "static_select", "selected_option": {"value": "checkout"}}},
            **(
                {"public": {"public": {"type": "checkboxes", "selected_options": [{"value": "public"}]}}}
                if public
                else {}
            ),
        },
    )
    return await ws.incident_channel(1)


async def _public(page: StatuspageControl, count: int) -> list[dict[str, Any]] | None:
    incidents = await page.incidents()
    if incidents and len(incidents[0].get("updates", [])) >= count:
        return incidents
    return None


async def test_a_public_incident_is_published_updated_and_resolved_in_order(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout errors", "P2")
    cid = channel["id"]
    await ws.message_with(cid, "Published on Statuspage")
    (incident,) = await ws.wait(lambda: _public(public_page, 1), what="published")
    assert incident["name"] == "Checkout errors" and incident["status"] == "investigating"
    component = next(c for c in await public_page.components() if c["name"] == "Checkout API")
    assert component["status"] == "partial_outage"
    await ws.run("info", user=ALICE, channel=cid)
    info = visible_text(await ws.reply_to(ALICE, "Statuspage:"))
    assert "public page" in info and component["id"] in info

    await ws.run("status identified bad deploy, rolling back", user=ALICE, channel=cid)
    await ws.message_with(cid, "bad deploy, rolling back")
    await ws.run("resolve rolled back", user=ALICE, channel=cid)
    (incident,) = await ws.wait(lambda: _public(public_page, 3), what="three public updates")
    updates = incident["updates"]  # oldest first, as they arrived
    assert [u["status"] for u in updates] == ["investigating", "identified", "resolved"]
    assert updates[1]["body"] == "bad deploy, rolling back"
    component = next(c for c in await public_page.components() if c["name"] == "Checkout API")
    assert component["status"] == "operational"
    await ws.message_with(cid, "Resolved on Statuspage")
    synced = "SELECT status, count(*) FROM jobs WHERE kind = 'statuspage.sync' GROUP BY status"
    assert rows(database_url, synced) == [("done", 3)]


async def test_internal_incidents_stay_off_the_status_page(
    published_bot: DaemonChild, ws: Workspace, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await declare(ws, "P3 Slow internal report", user=ALICE)
    await ws.run("note only engineers care", user=ALICE, channel=channel["id"])
    await ws.message_with(channel["id"], "only engineers care")
    assert await public_page.incidents() == []
    assert rows(database_url, "SELECT count(*) FROM jobs WHERE kind = 'statuspage.sync'") == [(0,)]


async def test_every_update_arrives_in_order_after_statuspage_recovers(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl
) -> None:
    await public_page.fault(status=500, seconds=3)  # Statuspage is down for the next 3 s
    channel = await declare(ws, "P1 Payments down", user=ALICE)
    cid = channel["id"]
    await ws.message_with(cid, "Statuspage did not take the update")  # said once, in the channel
    # One at a time, as people type: each change is applied before the next command is sent.
    await ws.run("status identified card processor timeouts", user=ALICE, channel=cid)
    await ws.message_with(cid, "card processor timeouts")
    await ws.run("update failing over to the second processor", user=ALICE, channel=cid)
    await ws.message_with(cid, "failing over to the second processor")
    await ws.run("status monitoring", user=ALICE, channel=cid)
    (incident,) = await ws.wait(lambda: _public(public_page, 4), timeout=30, what="all four updates")
    updates = incident["updates"]
    assert [u["status"] for u in updates] == ["investigating", "identified", "identified", "monitoring"], updates
    assert updates[2]["body"] == "failing over to the second processor"
    assert len(await public_page.incidents()) == 1  # retried, never duplicated


async def test_a_milder_incident_is_published_when_ticked_in_the_form(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl
) -> None:
    channel = await _declare_checkout(ws, slack, "Slow checkout page", "P4", public=True)
    await ws.message_with(channel["id"], "Published on Statuspage")
    (incident,) = await public_page.incidents()
    assert incident["name"] == "Slow checkout page"
    component = next(c for c in await public_page.components() if c["name"] == "Checkout API")
    assert component["status"] == "degraded_performance"


async def test_ready_includes_statuspage_and_the_mapping_can_be_managed(
    published_bot: DaemonChild, start_daemon: DaemonFactory, database_url: str
) -> None:
    status, body = await published_bot.get("/ready")
    check = body["checks"]["statuspage"]
    assert status == 200 and check["ok"] is True and check["optional"] is True
    assert body["degraded"] == [] and "incidentbot_statuspage_up 1.0" in await published_bot.metrics()

    async def cli(*args: str) -> tuple[int, str]:
        daemon = await start_daemon(sandbox=None, database_url=database_url, extra=ROUTING, args=("statuspage", *args))
        return await daemon.wait_exit(), daemon.log_text()

    code, listing = await cli("list")
    assert code == 0 and "checkout →" in listing
    assert (await cli("map", "nonsense", "abc123"))[0] == 2  # not one of SERVICES
    assert (await cli("unmap", "checkout"))[0] == 0
    code, listing = await cli("list")
    assert "No services are mapped" in listing
    assert (await cli("unmap", "checkout"))[0] == 1


async def test_a_statuspage_outage_degrades_readiness_but_the_bot_stays_ready(
    start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str
) -> None:
    """Statuspage is optional: its outage must not stall a rollout, yet operators can see and alert on it."""
    unreachable = f"http://127.0.0.1:{free_port()}/v1/"  # nothing listens there
    env = {"STATUSPAGE_API_KEY": "k-unreachable", "STATUSPAGE_PAGE_ID": "page1", "STATUSPAGE_API_URL": unreachable}
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=env)
    await daemon.wait_ready()
    status, body = await daemon.get("/ready")
    assert status == 200 and body["status"] == "ready"
    assert body["failing"] == [] and body["degraded"] == ["statuspage"]
    assert body["checks"]["statuspage"]["ok"] is False and body["checks"]["statuspage"]["optional"] is True
    assert body["checks"]["database"]["optional"] is False
    assert "incidentbot_statuspage_up 0.0" in await daemon.metrics()


async def test_without_statuspage_there_is_no_statuspage_series(daemon: DaemonChild) -> None:
    metrics = await daemon.metrics()
    assert "# TYPE incidentbot_statuspage_up gauge" in metrics
    assert not any(line.startswith("incidentbot_statuspage_up ") for line in metrics.splitlines())
