"""Publishing on the status page is a person's decision: through the form, by those allowed, word for word.

Driven through the real daemon, the Slack sandbox and the Statuspage fake.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from incidentbot.demo.child import DaemonChild, free_port
from incidentbot.demo.workspace import ALICE, BOB, CAROL, DAVE, GENERAL, Workspace, visible_text
from incidentbot.sandbox import SandboxClient, SandboxServer
from incidentbot.sandbox.statuspage import StatuspageControl, StatuspageServer
from tests.integration.conftest import ROUTING, DaemonFactory, age, declare, eventually, rows

PASSWORD_TITLE = "All customer passwords leaked - reset at evil.example"


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


def _statuspage_env(statuspage: StatuspageServer) -> dict[str, str]:
    return {
        **ROUTING,
        "STATUSPAGE_API_KEY": statuspage.api_key,
        "STATUSPAGE_PAGE_ID": statuspage.page_id,
        "STATUSPAGE_API_URL": statuspage.api_url,
        "STATUSPAGE_PUBLISHERS": DAVE,
        "JOB_LEASE_SECONDS": "2",
    }


async def _checkout_component(page: StatuspageControl) -> dict[str, Any]:
    return next(c for c in await page.components() if c["name"] == "Checkout API")


@pytest.fixture
async def published_bot(
    start_daemon: DaemonFactory,
    sandbox: SandboxServer,
    statuspage: StatuspageServer,
    public_page: StatuspageControl,
    database_url: str,
) -> DaemonChild:
    env = _statuspage_env(statuspage)
    checkout = (await _checkout_component(public_page))["id"]
    mapping = await start_daemon(
        sandbox=None, database_url=database_url, extra=env, args=("statuspage", "map", "checkout", checkout)
    )
    assert await mapping.wait_exit() == 0, mapping.log_text()
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=env)
    await daemon.wait_ready()
    return daemon


async def _open_view(slack: SandboxClient, user: str, callback: str) -> dict[str, Any] | None:
    for view in reversed(await slack.views(user, open_only=True)):
        if view.get("callback_id") == callback:
            return dict(view)
    return None


async def _declare_checkout(ws: Workspace, slack: SandboxClient, title: str, severity: str) -> dict[str, Any]:
    await ws.run("declare", user=ALICE, channel=GENERAL)
    view = await ws.wait(lambda: _open_view(slack, ALICE, "incident_declare"), what="declare form")
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": title}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": severity}}},
            "service": {"service": {"type": "static_select", "selected_option": {"value": "checkout"}}},
        },
    )
    return await ws.incident_channel(1)


def _input(view: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if str(b.get("block_id", "")).startswith(prefix))


async def _fill_and_preview(
    ws: Workspace, slack: SandboxClient, form: dict[str, Any], *, user: str, title: str, message: str
) -> dict[str, Any]:
    message_block = _input(form, "public_message:")["block_id"]
    values = {
        "public_title": {"public_title": {"type": "plain_text_input", "value": title}},
        message_block: {"public_message": {"type": "plain_text_input", "value": message}},
    }
    result = await slack.submit_view(user=user, view_id=form["id"], values=values)
    assert result["view_state"] == "pushed", result
    preview: dict[str, Any] = await ws.wait(lambda: _open_view(slack, user, "statuspage_confirm"), what="preview")
    return preview


async def _publish(
    ws: Workspace, slack: SandboxClient, *, channel: str, title: str, message: str, user: str = ALICE
) -> dict[str, Any]:
    """Open the form with /incident statuspage, fill it, look at the preview, press Publish."""
    await ws.run("statuspage", user=user, channel=channel)
    form = await ws.wait(lambda: _open_view(slack, user, "statuspage_publish"), what="publish form")
    preview = await _fill_and_preview(ws, slack, form, user=user, title=title, message=message)
    await slack.submit_view(user=user, view_id=preview["id"])
    return preview


async def _api_writes(page: StatuspageControl) -> list[dict[str, Any]]:
    return [r for r in await page.requests() if r["method"] in ("POST", "PATCH", "PUT")]


async def test_an_ordinary_members_p1_and_a_non_members_update_publish_nothing(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await declare(ws, f"P1 {PASSWORD_TITLE}", user=BOB)
    cid = channel["id"]
    prompt = await ws.message_with(cid, "Customers see nothing until someone")  # the commander is asked
    assert "Publish on status page" in str(prompt["blocks"])
    await ws.run("update #1 Log in at https://evil.example/sso", user=CAROL, channel=GENERAL)
    await ws.message_with(cid, "evil.example/sso")  # the update was posted internally…
    await ws.run("resolve PSP confirms elevated declines on their side", user=BOB, channel=cid)
    await ws.message_with(cid, "resolved the incident")
    assert await public_page.incidents() == []  # …and nothing reached customers
    assert await _api_writes(public_page) == []
    assert rows(database_url, "SELECT count(*) FROM statuspage_publications") == [(0,)]


async def test_the_commander_publishes_exactly_the_customer_text_through_the_form(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout errors after deploy 4711 on db-7", "P2")
    cid = channel["id"]
    await ws.run("statuspage", user=ALICE, channel=cid)
    form = await ws.wait(lambda: _open_view(slack, ALICE, "statuspage_publish"), what="publish form")
    # Neutral wording, never the internal title; the checkout component defaults from the severity.
    assert "deploy 4711" not in str(form)
    assert _input(form, "public_title")["element"]["initial_value"] == "Service disruption"
    assert _input(form, "public_message:")["element"]["initial_value"].startswith("We are investigating")
    component = _input(form, "component:")
    assert component["element"]["initial_option"]["value"] == "partial_outage"
    assert "Checkout API" in component["label"]["text"]

    customer_text = "Some card payments fail at checkout.\nWe are working on it."
    preview = await _fill_and_preview(
        ws, slack, form, user=ALICE, title="Checkout payments failing", message=customer_text
    )
    shown = str(preview["blocks"])
    assert "Checkout payments failing" in shown and "Some card payments fail at checkout." in shown
    assert await public_page.incidents() == []  # the preview publishes nothing
    await slack.submit_view(user=ALICE, view_id=preview["id"])

    line = await ws.message_with(cid, "Published on the status page by")
    assert f"<@{ALICE}>" in visible_text(line) and "public page" in visible_text(line)
    (incident,) = await public_page.incidents()
    assert incident["name"] == "Checkout payments failing" and incident["status"] == "investigating"
    assert [u["body"] for u in incident["updates"]] == [customer_text]
    assert (await _checkout_component(public_page))["status"] == "partial_outage"
    events = rows(database_url, "SELECT actor_id, text FROM incident_events WHERE kind = 'published'")
    assert events == [(ALICE, customer_text)]
    audit = rows(database_url, "SELECT actor_id, outcome, new_state FROM audit_log WHERE action = 'statuspage_publish'")
    assert [(a, o) for a, o, _ in audit] == [(ALICE, "ok")]
    assert audit[0][2]["message"] == customer_text and audit[0][2]["title"] == "Checkout payments failing"
    await ws.run("info", user=ALICE, channel=cid)
    info = visible_text(await ws.reply_to(ALICE, "Statuspage:"))
    assert "public page" in info and (await _checkout_component(public_page))["id"] in info

    # The next form starts from what customers see now; an update changes the same public incident.
    await _publish(ws, slack, channel=cid, title="Checkout payments failing", message="A fix is being deployed.")
    await eventually(lambda: _updates(public_page, 2))
    assert len(await public_page.incidents()) == 1


async def _updates(page: StatuspageControl, count: int) -> bool:
    incidents = await page.incidents()
    return bool(incidents) and len(incidents[0]["updates"]) >= count


async def test_resolving_offers_the_public_resolution_and_reopening_publishes_nothing(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout slow", "P2")
    cid = channel["id"]
    await _publish(ws, slack, channel=cid, title="Slow checkout", message="Checkout is slow for some customers.")
    await ws.message_with(cid, "Published on the status page by")
    writes = len(await _api_writes(public_page))

    await ws.run("resolve rolled back the deploy", user=ALICE, channel=cid)
    offer = await ws.message_with(cid, "customers still see it as *Investigating*")
    assert len(await _api_writes(public_page)) == writes  # offered, not performed
    assert (await public_page.incidents())[0]["status"] == "investigating"

    button = next(e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])
    await slack.click(
        user=ALICE, channel=cid, message_ts=offer["ts"], action_id=button["action_id"], value=button["value"]
    )
    form = await ws.wait(lambda: _open_view(slack, ALICE, "statuspage_publish"), what="resolution form")
    assert _input(form, "public_status")["element"]["initial_option"]["value"] == "resolved"
    assert _input(form, "public_message:")["element"]["initial_value"].startswith("This incident has been resolved")
    assert _input(form, "component:")["element"]["initial_option"]["value"] == "operational"
    preview = await _fill_and_preview(ws, slack, form, user=ALICE, title="Slow checkout", message="All good now.")
    await slack.submit_view(user=ALICE, view_id=preview["id"])
    await eventually(lambda: _public_status(public_page, "resolved"))
    assert (await _checkout_component(public_page))["status"] == "operational"

    writes = len(await _api_writes(public_page))
    await ws.run("reopen", user=ALICE, channel=cid)
    await ws.message_with(cid, "reopened the incident")
    assert len(await _api_writes(public_page)) == writes
    assert (await public_page.incidents())[0]["status"] == "resolved"


async def _public_status(page: StatuspageControl, status: str) -> bool:
    incidents = await page.incidents()
    return bool(incidents) and incidents[0]["status"] == status


async def test_only_the_commander_comms_publishers_and_admins_may_publish_and_refusals_are_audited(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await declare(ws, "P2 Search is down", user=ALICE)
    cid = channel["id"]
    await slack.join(cid, user=BOB)
    await ws.run("statuspage", user=BOB, channel=cid)
    refusal = visible_text(await ws.reply_to(BOB, "can publish on the status page"))
    assert f"<@{ALICE}>" in refusal and "comms lead" in refusal
    summary = await ws.summary(cid)
    await slack.click(user=BOB, channel=cid, message_ts=summary["ts"], action_id="statuspage_open", value="1")

    async def two_denials() -> list[Any]:
        query = "SELECT actor_id FROM audit_log WHERE action = 'statuspage_publish' AND outcome = 'denied'"
        found = rows(database_url, query)
        return found if len(found) == 2 else []

    assert await eventually(two_denials) == [(BOB,), (BOB,)]
    assert await _open_view(slack, BOB, "statuspage_publish") is None
    await ws.run("help", user=BOB, channel=cid)
    assert "tell customers" not in visible_text(await ws.reply_to(BOB, "show the timeline"))  # not offered
    await ws.run("help", user=ALICE, channel=cid)
    await ws.reply_to(ALICE, "tell customers")

    # A named publisher (STATUSPAGE_PUBLISHERS) and the comms lead may.
    await ws.run("statuspage #1", user=DAVE, channel=GENERAL)
    await ws.wait(lambda: _open_view(slack, DAVE, "statuspage_publish"), what="publisher's form")
    await ws.run(f"role comms <@{CAROL}>", user=ALICE, channel=cid)
    await ws.message_with(cid, "is now comms")
    await _publish(ws, slack, channel=cid, title="Search unavailable", message="Search is down.", user=CAROL)
    line = await ws.message_with(cid, "Published on the status page by")
    assert f"<@{CAROL}>" in visible_text(line)


@pytest.mark.resilience
async def test_a_refused_publication_is_explained_once_and_not_retried(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout broken", "P2")
    cid = channel["id"]
    await public_page.fault(status=422, times=1)
    await _publish(ws, slack, channel=cid, title="Checkout issue", message="We are looking into it.")
    refusal = visible_text(await ws.reply_to(ALICE, "The status page refused your publication"))
    assert "422" in refusal and "Nothing was published" in refusal

    async def settled() -> list[Any]:
        found = rows(database_url, "SELECT outcome FROM statuspage_publications")
        return found if found == [("refused",)] else []

    await eventually(settled)
    assert rows(database_url, "SELECT status FROM jobs WHERE kind = 'statuspage.publish'") == [("done",)]
    assert len(await _api_writes(public_page)) == 1  # not retried
    audit = rows(database_url, "SELECT outcome FROM audit_log WHERE action = 'statuspage_publish'")
    assert audit == [("failed",)]
    replies = [m for m in await slack.ephemerals(ALICE) if "refused your publication" in visible_text(m)]
    assert len(replies) == 1  # said once


@pytest.mark.resilience
async def test_a_rate_limited_publication_waits_as_asked_then_goes_out_once(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout rate limited", "P2")
    cid = channel["id"]
    await public_page.fault(status=429, retry_after=3, times=1)
    await _publish(ws, slack, channel=cid, title="Checkout issue", message="Payments are slow.")
    await ws.message_with(cid, "Published on the status page by", timeout=20)
    posts = [r for r in await _api_writes(public_page) if r["method"] == "POST"]
    assert [p["status"] for p in posts] == [429, 201]
    first, second = (datetime.fromisoformat(p["time"].replace("Z", "+00:00")) for p in posts)
    assert (second - first).total_seconds() >= 3  # Retry-After was honoured (the backoff alone is 1-2 s)
    assert len(await public_page.incidents()) == 1


@pytest.mark.resilience
async def test_an_outage_delays_a_publication_which_then_goes_out_once(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl, database_url: str
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout outage", "P1")
    cid = channel["id"]
    await public_page.fault(status=503, seconds=3)
    await _publish(ws, slack, channel=cid, title="Checkout down", message="Checkout is unavailable.")
    await ws.reply_to(ALICE, "The status page is not answering right now")
    await ws.message_with(cid, "did not take")  # said once in the channel, then retried
    await ws.message_with(cid, "Published on the status page by", timeout=30)
    (incident,) = await public_page.incidents()
    assert [u["body"] for u in incident["updates"]] == ["Checkout is unavailable."]
    assert rows(database_url, "SELECT outcome FROM statuspage_publications") == [("published",)]


@pytest.mark.resilience
async def test_a_redelivered_publish_and_a_daemon_killed_mid_call_publish_once(
    published_bot: DaemonChild,
    start_daemon: DaemonFactory,
    sandbox: SandboxServer,
    statuspage: StatuspageServer,
    ws: Workspace,
    slack: SandboxClient,
    public_page: StatuspageControl,
    database_url: str,
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout flaky", "P2")
    cid = channel["id"]
    await slack.fault("socket_ack", times=2)  # Slack delivers the Publish press three times
    await _publish(ws, slack, channel=cid, title="Checkout flaky", message="Some payments fail.")
    await ws.message_with(cid, "Published on the status page by")
    assert rows(database_url, "SELECT count(*) FROM statuspage_publications") == [(1,)]

    # kill -9 while Statuspage is taking the next publication: after a restart it is published once.
    await public_page.fault(delay=3, times=1)
    await _publish(ws, slack, channel=cid, title="Checkout flaky", message="A fix is rolling out.")

    async def pending() -> bool:
        return rows(database_url, "SELECT outcome FROM statuspage_publications ORDER BY id") == [
            ("published",),
            ("pending",),
        ]

    await eventually(pending)

    async def request_arrived() -> bool:  # the page took the request and holds its answer back
        return not await public_page.faults()  # a fault used up is no longer listed

    await eventually(request_arrived)
    published_bot.signal(signal.SIGKILL)
    await published_bot.wait_exit()
    await eventually(lambda: _updates(public_page, 2), timeout=15)  # the page took it meanwhile
    second = await start_daemon(sandbox=sandbox, database_url=database_url, extra=_statuspage_env(statuspage))
    await second.wait_ready()

    async def settled() -> bool:
        return rows(database_url, "SELECT outcome FROM statuspage_publications ORDER BY id") == [
            ("published",),
            ("published",),
        ]

    await eventually(settled, timeout=30)
    (incident,) = await public_page.incidents()
    assert [u["body"] for u in incident["updates"]] == ["Some payments fail.", "A fix is rolling out."]


async def test_the_declare_forms_tick_box_opens_the_publish_form_and_publishes_nothing_itself(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient, public_page: StatuspageControl
) -> None:
    await ws.run("declare", user=ALICE, channel=GENERAL)
    view = await ws.wait(lambda: _open_view(slack, ALICE, "incident_declare"), what="declare form")
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": "Internal: db-7 primary OOM"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "P4"}}},
            "public": {"public": {"type": "checkboxes", "selected_options": [{"value": "public"}]}},
        },
    )
    form = await ws.wait(lambda: _open_view(slack, ALICE, "statuspage_publish"), what="publish form")
    assert "db-7" not in str(form)
    await ws.incident_channel(1)
    assert await public_page.incidents() == []


async def test_mapping_refuses_a_component_the_page_does_not_have(
    published_bot: DaemonChild, start_daemon: DaemonFactory, statuspage: StatuspageServer, database_url: str
) -> None:
    status, body = await published_bot.get("/ready")
    check = body["checks"]["statuspage"]
    assert status == 200 and check["ok"] is True and check["optional"] is True
    assert body["degraded"] == [] and "incidentbot_statuspage_up 1.0" in await published_bot.metrics()

    async def cli(*args: str) -> tuple[int, str]:
        env = _statuspage_env(statuspage)
        daemon = await start_daemon(sandbox=None, database_url=database_url, extra=env, args=("statuspage", *args))
        return await daemon.wait_exit(), daemon.log_text()

    code, output = await cli("map", "payments", "nosuchcomponent")
    assert code == 2 and "has no component 'nosuchcomponent'" in output
    code, listing = await cli("list")
    assert code == 0 and "checkout →" in listing and "payments" not in listing
    assert (await cli("map", "nonsense", "abc123"))[0] == 2  # not one of SERVICES
    assert (await cli("unmap", "checkout"))[0] == 0
    code, listing = await cli("list")
    assert "No services are mapped" in listing


async def test_choosing_a_public_status_brings_its_wording(
    published_bot: DaemonChild, ws: Workspace, slack: SandboxClient
) -> None:
    channel = await _declare_checkout(ws, slack, "Checkout flapping", "P2")
    await ws.run("statuspage", user=ALICE, channel=channel["id"])
    form = await ws.wait(lambda: _open_view(slack, ALICE, "statuspage_publish"), what="publish form")
    await slack.click(user=ALICE, view_id=form["id"], action_id="public_status", value="monitoring")

    async def monitoring_form() -> dict[str, Any] | None:
        view = await _open_view(slack, ALICE, "statuspage_publish")
        return view if view and any("monitoring" in str(b.get("block_id")) for b in view["blocks"]) else None

    updated = await ws.wait(monitoring_form, what="the form with the monitoring wording")
    assert _input(updated, "public_message:")["element"]["initial_value"].startswith("A fix has been applied")


@pytest.mark.resilience
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


async def test_reminders_ask_to_publish_while_nothing_is_public(
    start_daemon: DaemonFactory,
    sandbox: SandboxServer,
    statuspage: StatuspageServer,
    ws: Workspace,
    slack: SandboxClient,
    database_url: str,
) -> None:
    timers = {"REMINDER_SWEEP_SECONDS": "0.5", "REMINDER_MINUTES_P2": "1"}
    daemon = await start_daemon(
        sandbox=sandbox, database_url=database_url, extra={**_statuspage_env(statuspage), **timers}
    )
    await daemon.wait_ready()
    channel = await declare(ws, "P2 Quiet and unpublished", user=ALICE)
    cid = channel["id"]

    async def reminders(count: int) -> list[dict[str, Any]]:
        found = [m for m in await ws.messages(cid) if "has had no update" in visible_text(m)]
        return found if len(found) >= count else []

    age(database_url, "UPDATE incidents SET last_update_at = now() - interval '2 minutes'")
    (first,) = await eventually(lambda: reminders(1))
    assert "Customers have not been told anything" in visible_text(first)
    assert "statuspage_open" in str(first["blocks"])

    await _publish(ws, slack, channel=cid, title="Slow pages", message="Some pages load slowly.")
    await ws.message_with(cid, "Published on the status page by")
    age(database_url, "UPDATE incidents SET last_update_at = now() - interval '5 minutes', reminded_at = NULL")
    second = (await eventually(lambda: reminders(2)))[-1]
    assert "Customers have not been told" not in visible_text(second)
    assert "statuspage_open" not in str(second["blocks"])
