"""StatuspageClient against the local Statuspage fake, and its error classification."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from incidentbot.integrations.statuspage import PublicIncident, StatuspageClient, StatuspageError, is_retryable_status
from incidentbot.sandbox.statuspage import StatuspageControl, StatuspageServer

API_KEY = "sk-live-do-not-print-4f2a9c"
PAGE_ID = "kctbh9vrtdwd"


@pytest.fixture
async def server() -> AsyncIterator[StatuspageServer]:
    async with StatuspageServer(api_key=API_KEY, page_id=PAGE_ID) as running:
        yield running


@pytest.fixture
async def control(server: StatuspageServer) -> AsyncIterator[StatuspageControl]:
    async with StatuspageControl(server.url) as client:
        yield client


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
def client(server: StatuspageServer, session: aiohttp.ClientSession) -> StatuspageClient:
    return StatuspageClient(api_url=server.api_url, page_id=PAGE_ID, api_key=API_KEY, session=session, timeout=2.0)


def assert_no_key(error: StatuspageError) -> None:
    assert API_KEY not in str(error) and API_KEY not in repr(error) and API_KEY not in error.message


# -- end to end -----------------------------------------------------------------------------------------------
async def test_an_incident_is_created_updated_and_resolved(
    client: StatuspageClient, server: StatuspageServer, control: StatuspageControl
) -> None:
    checkout, payments = server.component_id("Checkout API"), server.component_id("Payments")
    created = await client.create_incident(
        name="Checkout failing",
        status="investigating",
        body="We are investigating failed checkouts.",
        component_status={checkout: "major_outage", payments: "partial_outage"},
    )
    assert created.status == "investigating" and created.shortlink and created.shortlink.startswith("https://stspg.io/")
    statuses = {c["name"]: c["status"] for c in await client.components()}
    assert statuses["Checkout API"] == "major_outage" and statuses["Payments"] == "partial_outage"

    identified = await client.update_incident(
        created.id, status="identified", body="Found it.", component_status={checkout: "partial_outage"}
    )
    assert identified == PublicIncident(id=created.id, status="identified", shortlink=created.shortlink)
    await client.update_incident(created.id, status="monitoring", body="Fixed; watching.", component_status={})
    resolved = await client.resolve_incident(created.id, body="All good.", component_ids=[checkout, payments])
    assert resolved.status == "resolved"

    [incident] = await control.incidents()
    assert [(u["status"], u["body"]) for u in incident["updates"]] == [
        ("investigating", "We are investigating failed checkouts."),
        ("identified", "Found it."),
        ("monitoring", "Fixed; watching."),
        ("resolved", "All good."),
    ]
    assert incident["resolved_at"] is not None
    # An update without components left the affected set alone; resolving set both back to operational.
    assert {c["id"] for c in incident["components"]} == {checkout, payments}
    assert {c["status"] for c in await control.components()} == {"operational"}
    assert [u["affected_components"] for u in incident["updates"]][2] is None


async def test_the_check_names_the_page(client: StatuspageClient) -> None:
    assert await client.check() == "page 'Sandbox Status' reachable"


async def test_the_key_is_sent_as_oauth_and_never_in_the_url(
    client: StatuspageClient, control: StatuspageControl
) -> None:
    await client.components()
    [logged] = await control.requests()
    assert (logged["method"], logged["path"], logged["status"]) == ("GET", f"/v1/pages/{PAGE_ID}/components", 200)


# -- errors: what may be retried ------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 503, 420, 429])
async def test_server_errors_and_rate_limits_are_retryable(
    client: StatuspageClient, control: StatuspageControl, status: int
) -> None:
    await control.fault(status=status, times=1, retry_after=3 if status in (420, 429) else None)
    with pytest.raises(StatuspageError) as failed:
        await client.update_incident("abc", status="identified", body="x", component_status={})
    assert failed.value.status == status and failed.value.retryable
    assert failed.value.retry_after == (3.0 if status in (420, 429) else None)
    assert str(status) in str(failed.value)
    assert_no_key(failed.value)


async def test_a_failed_create_succeeds_once_the_outage_ends(
    client: StatuspageClient, control: StatuspageControl
) -> None:
    await control.fault(status=500, times=2)
    for _ in range(2):
        with pytest.raises(StatuspageError) as failed:
            await client.create_incident(name="Down", status="investigating", body="x", component_status={})
        assert failed.value.retryable
    created = await client.create_incident(name="Down", status="investigating", body="x", component_status={})
    assert [i["id"] for i in await control.incidents()] == [created.id]


async def test_a_wrong_key_is_401_and_not_retryable(server: StatuspageServer, session: aiohttp.ClientSession) -> None:
    wrong = "sk-wrong-key-do-not-print"
    client = StatuspageClient(api_url=server.api_url, page_id=PAGE_ID, api_key=wrong, session=session)
    with pytest.raises(StatuspageError) as failed:
        await client.check()
    assert (failed.value.status, failed.value.retryable) == (401, False)
    assert "Could not authenticate" in str(failed.value) and wrong not in str(failed.value)


async def test_an_unknown_page_or_incident_is_404_and_not_retryable(
    client: StatuspageClient, server: StatuspageServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(StatuspageError) as failed:
        await client.resolve_incident("nosuchincdnt", body="x", component_ids=[])
    assert (failed.value.status, failed.value.retryable) == (404, False)
    elsewhere = StatuspageClient(api_url=server.api_url, page_id="otherpage000", api_key=API_KEY, session=session)
    with pytest.raises(StatuspageError) as failed:
        await elsewhere.components()
    assert (failed.value.status, failed.value.retryable) == (404, False)


async def test_a_refused_incident_is_422_with_the_apis_reason(client: StatuspageClient) -> None:
    with pytest.raises(StatuspageError) as failed:
        await client.create_incident(name="Down", status="declared", body="x", component_status={})
    assert (failed.value.status, failed.value.retryable) == (422, False)
    assert "Status 'declared'" in failed.value.message
    assert_no_key(failed.value)


async def test_connection_refused_is_retryable(session: aiohttp.ClientSession) -> None:
    async with StatuspageServer() as gone:
        api_url = gone.api_url  # nothing listens here once it has stopped
    client = StatuspageClient(api_url=api_url, page_id=PAGE_ID, api_key=API_KEY, session=session)
    with pytest.raises(StatuspageError) as failed:
        await client.check()
    assert failed.value.status is None and failed.value.retryable
    assert failed.value.__cause__ is None and failed.value.__context__ is None
    assert_no_key(failed.value)


async def test_a_timeout_is_retryable(
    server: StatuspageServer, session: aiohttp.ClientSession, control: StatuspageControl
) -> None:
    client = StatuspageClient(api_url=server.api_url, page_id=PAGE_ID, api_key=API_KEY, session=session, timeout=0.1)
    await control.fault(delay=0.3, times=1)
    with pytest.raises(StatuspageError) as failed:
        await client.components()
    assert failed.value.status is None and failed.value.retryable
    assert "no answer within 0.1s" in str(failed.value)
    assert_no_key(failed.value)


@contextlib.asynccontextmanager
async def stub_api(answer: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """A one-handler server standing in for Statuspage; yields its API URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/v1/"
    finally:
        await runner.cleanup()


async def test_requests_carry_the_key_as_oauth_and_both_component_fields(session: aiohttp.ClientSession) -> None:
    seen: list[tuple[str, str, str, object]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.method, request.path, request.headers["Authorization"], await request.json()))
        return web.json_response({"id": "inc123456789", "status": "investigating", "shortlink": None}, status=201)

    async with stub_api(record) as api_url:
        client = StatuspageClient(api_url=api_url, page_id=PAGE_ID, api_key=API_KEY, session=session)
        created = await client.create_incident(
            name="Down", status="investigating", body="Looking", component_status={"cmp1": "major_outage"}
        )
        await client.update_incident("inc123456789", status="identified", body="Found", component_status={})
    assert created == PublicIncident(id="inc123456789", status="investigating", shortlink=None)
    assert seen == [
        (
            "POST",
            f"/v1/pages/{PAGE_ID}/incidents",
            f"OAuth {API_KEY}",
            {
                "incident": {
                    "name": "Down",
                    "status": "investigating",
                    "body": "Looking",
                    "component_ids": ["cmp1"],
                    "components": {"cmp1": "major_outage"},
                }
            },
        ),
        # No component fields at all: an empty component_ids would clear the affected components.
        (
            "PATCH",
            f"/v1/pages/{PAGE_ID}/incidents/inc123456789",
            f"OAuth {API_KEY}",
            {"incident": {"status": "identified", "body": "Found"}},
        ),
    ]


async def test_the_key_is_redacted_even_if_a_server_echoes_it(session: aiohttp.ClientSession) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"error": f"bad gateway for {request.headers['Authorization']}"}, status=502)

    async with stub_api(echo) as api_url:
        client = StatuspageClient(api_url=api_url, page_id=PAGE_ID, api_key=API_KEY, session=session)
        with pytest.raises(StatuspageError) as failed:
            await client.check()
    assert failed.value.status == 502 and failed.value.retryable
    assert "[redacted]" in str(failed.value)
    assert_no_key(failed.value)


async def test_the_key_is_in_no_repr_and_no_log_line(
    client: StatuspageClient, control: StatuspageControl, caplog: pytest.LogCaptureFixture
) -> None:
    assert API_KEY not in repr(client) and PAGE_ID in repr(client)
    caplog.set_level(logging.DEBUG)
    await client.check()
    await control.fault(status=500, times=1)
    with pytest.raises(StatuspageError):
        await client.components()
    assert caplog.records and API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (408, False),
        (419, False),
        (420, True),
        (422, False),
        (429, True),
        (499, False),
        (500, True),
        (503, True),
    ],
)
def test_only_rate_limits_and_server_errors_are_worth_retrying(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable
