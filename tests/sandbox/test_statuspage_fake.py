"""The Statuspage fake over HTTP: the v1 API's shapes and checks, faults, the rate limit and the control API."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from incidentbot.sandbox.statuspage import StatuspageControl, StatuspageControlError, StatuspageServer

API_KEY = "sandbox-key-0123456789"
PAGE_ID = "kctbh9vrtdwd"


class FakeClock:
    """A monotonic clock the test moves by hand, for fault windows and the rate limit."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """Raw calls to the fake's v1 API: (status, parsed JSON, headers)."""

    def __init__(self, session: aiohttp.ClientSession, server: StatuspageServer) -> None:
        self.session = session
        self.server = server

    async def call(
        self, method: str, path: str, body: Any = None, *, key: str | None = API_KEY, page_id: str = PAGE_ID
    ) -> tuple[int, Any, dict[str, str]]:
        headers = {"Authorization": f"OAuth {key}"} if key is not None else {}
        url = f"{self.server.api_url}pages/{page_id}{path}"
        async with self.session.request(method, url, json=body, headers=headers) as response:
            return response.status, await response.json(), dict(response.headers)

    async def create(self, **fields: Any) -> dict[str, Any]:
        status, incident, _ = await self.call("POST", "/incidents", {"incident": fields})
        assert status == 201, incident
        result: dict[str, Any] = incident
        return result

    async def update(self, incident_id: str, **fields: Any) -> dict[str, Any]:
        status, incident, _ = await self.call("PATCH", f"/incidents/{incident_id}", {"incident": fields})
        assert status == 200, incident
        result: dict[str, Any] = incident
        return result


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def server(clock: FakeClock) -> AsyncIterator[StatuspageServer]:
    async with StatuspageServer(api_key=API_KEY, page_id=PAGE_ID, clock=clock) as running:
        yield running


@pytest.fixture
async def api(server: StatuspageServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, server)


@pytest.fixture
async def control(server: StatuspageServer) -> AsyncIterator[StatuspageControl]:
    async with StatuspageControl(server.url) as client:
        yield client


async def test_the_page_is_seeded_with_operational_components(api: Api, server: StatuspageServer) -> None:
    status, page, _ = await api.call("GET", "")
    assert status == 200 and page["id"] == PAGE_ID and page["name"] == "Sandbox Status"
    status, components, _ = await api.call("GET", "/components")
    assert status == 200
    assert [c["name"] for c in components] == ["Checkout API", "Payments", "Search", "Website"]
    assert [c["position"] for c in components] == [1, 2, 3, 4]
    assert {c["status"] for c in components} == {"operational"}
    assert all(c["group_id"] is None and c["page_id"] == PAGE_ID and len(c["id"]) == 12 for c in components)
    assert server.component_id("Payments") == components[1]["id"]


async def test_control_info_says_how_to_point_a_bot_at_it(control: StatuspageControl, server: StatuspageServer) -> None:
    info = await control.info()
    assert info["url"] == server.url and info["api_url"] == server.url + "v1/"
    assert (info["api_key"], info["page_id"]) == (API_KEY, PAGE_ID)
    assert [c["name"] for c in info["components"]] == [c["name"] for c in await control.components()]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "OAuth wrong-key"}, {"Authorization": f"Bearer {API_KEY}"}, {"Authorization": "OAuth "}],
    ids=["none", "wrong-key", "wrong-scheme", "empty"],
)
async def test_requests_without_the_api_key_get_401(
    api: Api, server: StatuspageServer, headers: dict[str, str]
) -> None:
    async with api.session.get(f"{server.api_url}pages/{PAGE_ID}/components", headers=headers) as response:
        assert response.status == 401
        assert await response.json() == {"error": "Could not authenticate"}


async def test_the_key_may_also_come_as_a_query_parameter(api: Api, server: StatuspageServer) -> None:
    async with api.session.get(f"{server.api_url}pages/{PAGE_ID}", params={"api_key": API_KEY}) as response:
        assert response.status == 200


async def test_unknown_pages_incidents_components_and_routes_are_404(api: Api) -> None:
    assert (await api.call("GET", "/incidents", page_id="nosuchpage00"))[:2] == (404, {"error": "Not found"})
    assert (await api.call("GET", "/incidents/nosuchincdnt"))[:2] == (404, {"error": "Not found"})
    assert (await api.call("PATCH", "/components/nosuchcompnt", {"component": {"status": "operational"}}))[0] == 404
    assert (await api.call("GET", "/subscribers"))[:2] == (404, {"error": "Not found"})


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"status": "investigating", "body": "x"}, "Name can't be blank"),
        ({"name": "  ", "status": "investigating"}, "Name can't be blank"),
        ({"name": "Down", "status": "panicking"}, "Status 'panicking'"),
        ({"name": "Down", "status": "scheduled"}, "Status 'scheduled'"),
        ({"name": "Down", "components": {"CHECKOUT": "on_fire"}}, "Component status 'on_fire'"),
        ({"name": "Down", "component_ids": ["nosuchcompnt"]}, "Component 'nosuchcompnt' does not exist"),
        ({"name": "Down", "components": {"nosuchcompnt": "major_outage"}}, "Component 'nosuchcompnt' does not exist"),
        ({"name": "Down", "impact_override": "apocalyptic"}, "Impact override 'apocalyptic'"),
    ],
)
async def test_invalid_incidents_are_refused_with_422(
    api: Api, server: StatuspageServer, control: StatuspageControl, fields: dict[str, Any], complaint: str
) -> None:
    checkout = server.component_id("Checkout API")
    if "components" in fields:
        fields = {**fields, "components": {k.replace("CHECKOUT", checkout): v for k, v in fields["components"].items()}}
    status, answer, _ = await api.call("POST", "/incidents", {"incident": fields})
    assert status == 422 and complaint in answer["error"]
    assert await control.incidents() == []


async def test_a_body_without_the_incident_wrapper_is_400(api: Api) -> None:
    status, answer, _ = await api.call("POST", "/incidents", {"name": "Down", "status": "investigating"})
    assert status == 400 and "incident" in answer["error"]


async def test_an_invalid_update_changes_nothing(api: Api, server: StatuspageServer) -> None:
    incident = await api.create(name="Slow search", status="investigating", body="Looking")
    status, _, _ = await api.call("PATCH", f"/incidents/{incident['id']}", {"incident": {"status": "fixed"}})
    assert status == 422
    assert (await api.call("GET", f"/incidents/{incident['id']}"))[1]["incident_updates"] == incident[
        "incident_updates"
    ]


async def test_an_incident_from_declared_to_resolved(
    api: Api, server: StatuspageServer, control: StatuspageControl
) -> None:
    checkout, payments = server.component_id("Checkout API"), server.component_id("Payments")
    created = await api.create(
        name="Checkout failing",
        status="investigating",
        body="We are looking into failed checkouts.",
        component_ids=[checkout, payments],
        components={checkout: "major_outage", payments: "partial_outage"},
        deliver_notifications=False,
    )
    assert created["status"] == "investigating" and created["impact"] == "critical"
    assert created["shortlink"].startswith("https://stspg.io/") and created["page_id"] == PAGE_ID
    assert created["resolved_at"] is None and created["created_at"].endswith("Z")
    assert {c["name"]: c["status"] for c in created["components"]} == {
        "Checkout API": "major_outage",
        "Payments": "partial_outage",
    }
    first = created["incident_updates"][0]
    assert (first["status"], first["body"], first["deliver_notifications"]) == (
        "investigating",
        "We are looking into failed checkouts.",
        False,
    )
    assert {(a["code"], a["old_status"], a["new_status"]) for a in first["affected_components"]} == {
        (checkout, "operational", "major_outage"),
        (payments, "operational", "partial_outage"),
    }

    incident_id = created["id"]
    await api.update(incident_id, status="identified", body="A bad deploy; rolling back.")
    monitoring = await api.update(
        incident_id, status="monitoring", body="Rolled back.", components={checkout: "degraded_performance"}
    )
    assert monitoring["monitoring_at"] is not None and monitoring["impact"] == "critical"  # the worst it got
    resolved = await api.update(
        incident_id,
        status="resolved",
        body="Checkouts work again.",
        component_ids=[checkout, payments],
        components={checkout: "operational", payments: "operational"},
    )
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    # The API lists updates newest first ...
    assert [u["status"] for u in resolved["incident_updates"]] == [
        "resolved",
        "monitoring",
        "identified",
        "investigating",
    ]
    assert resolved["incident_updates"][2]["affected_components"] is None
    # ... the control API in the order received.
    [recorded] = await control.incidents()
    assert [(u["status"], u["body"]) for u in recorded["updates"]] == [
        ("investigating", "We are looking into failed checkouts."),
        ("identified", "A bad deploy; rolling back."),
        ("monitoring", "Rolled back."),
        ("resolved", "Checkouts work again."),
    ]
    assert {c["status"] for c in await control.components()} == {"operational"}
    status, listed, _ = await api.call("GET", "/incidents")
    assert status == 200 and [i["id"] for i in listed] == [incident_id]


async def test_incidents_are_listed_newest_first_and_unresolved_filters(api: Api) -> None:
    older = await api.create(name="Older", status="investigating", body="a")
    newer = await api.create(name="Newer", status="identified", body="b")
    await api.update(older["id"], status="resolved", body="done")
    assert [i["name"] for i in (await api.call("GET", "/incidents"))[1]] == ["Newer", "Older"]
    assert [i["id"] for i in (await api.call("GET", "/incidents/unresolved"))[1]] == [newer["id"]]


async def test_a_component_status_can_be_patched_directly(api: Api, server: StatuspageServer) -> None:
    search = server.component_id("Search")
    status, component, _ = await api.call("PATCH", f"/components/{search}", {"component": {"status": "major_outage"}})
    assert status == 200 and component["status"] == "major_outage"
    status, answer, _ = await api.call("PATCH", f"/components/{search}", {"component": {"status": "meh"}})
    assert status == 422 and "meh" in answer["error"]


async def test_a_fault_for_n_requests_then_recovery(api: Api, control: StatuspageControl) -> None:
    await control.fault(status=503, times=2)
    assert [(await api.call("GET", "/components"))[0] for _ in range(3)] == [503, 503, 200]
    log = await control.requests()
    assert [(r["method"], r["path"], r["status"], r["fault"]) for r in log] == [
        ("GET", f"/v1/pages/{PAGE_ID}/components", 503, True),
        ("GET", f"/v1/pages/{PAGE_ID}/components", 503, True),
        ("GET", f"/v1/pages/{PAGE_ID}/components", 200, False),
    ]
    assert all("time" in r for r in log) and API_KEY not in json.dumps(log)
    assert await control.faults() == []


async def test_the_request_log_keeps_no_query_string_keys(api: Api, server: StatuspageServer) -> None:
    async with api.session.get(f"{server.api_url}pages/{PAGE_ID}", params={"api_key": API_KEY}) as response:
        assert response.status == 200
    async with StatuspageControl(server.url) as control:
        assert API_KEY not in json.dumps(await control.requests())


async def test_a_fault_for_some_seconds_fails_every_request_then_recovers(
    api: Api, control: StatuspageControl, clock: FakeClock
) -> None:
    await control.fault(status=500, seconds=30)
    statuses = [(await api.call("GET", "/components"))[0] for _ in range(5)]
    assert statuses == [500] * 5
    assert (await control.faults())[0]["remaining_seconds"] == 30
    clock.advance(30)
    assert (await api.call("GET", "/components"))[0] == 200


async def test_a_timed_fault_ends_on_the_real_clock_by_default() -> None:
    async with StatuspageServer(api_key=API_KEY, page_id=PAGE_ID) as server, aiohttp.ClientSession() as session:
        api = Api(session, server)
        async with StatuspageControl(server.url) as control:
            await control.fault(status=500, seconds=0.3)
        assert (await api.call("GET", ""))[0] == 500
        await asyncio.sleep(0.35)
        assert (await api.call("GET", ""))[0] == 200


async def test_an_injected_rate_limit_carries_retry_after(api: Api, control: StatuspageControl) -> None:
    await control.fault(status=420, retry_after=7)
    await control.fault(status=429)
    status, answer, headers = await api.call("GET", "")
    assert (status, answer, headers["Retry-After"]) == (420, {"error": "Rate limit exceeded"}, "7")
    status, _, headers = await api.call("GET", "")
    assert (status, headers["Retry-After"]) == (429, "1")


async def test_a_delay_slows_the_next_requests_only(api: Api, control: StatuspageControl) -> None:
    await control.fault(delay=0.2, times=1)
    started = time.monotonic()
    assert (await api.call("GET", ""))[0] == 200
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    assert (await api.call("GET", ""))[0] == 200
    assert time.monotonic() - started < 0.2


@pytest.mark.parametrize(
    "fault",
    [{}, {"status": 200}, {"status": 500, "times": 1, "seconds": 1}, {"status": 500, "time": 1}, {"delay": -1}],
    ids=["empty", "success-status", "times-and-seconds", "typo", "negative-delay"],
)
async def test_nonsense_faults_are_refused(server: StatuspageServer, fault: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as session, session.post(server.url + "_statuspage/faults", json=fault) as r:
        assert r.status == 400 and (await r.json())["error"]


async def test_the_control_client_raises_on_refusal(control: StatuspageControl) -> None:
    with pytest.raises(StatuspageControlError) as refused:
        await control.fault(status=500, times=0)
    assert refused.value.status == 400 and "times" in refused.value.message


async def test_the_rate_limit_is_off_unless_asked_for(api: Api) -> None:
    assert [(await api.call("GET", ""))[0] for _ in range(5)] == [200] * 5


async def test_the_rate_limit_refuses_a_second_request_within_a_second_with_420(clock: FakeClock) -> None:
    async with (
        StatuspageServer(api_key=API_KEY, page_id=PAGE_ID, rate_limit=True, clock=clock) as server,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, server)
        assert (await api.call("GET", "/components"))[0] == 200
        status, answer, headers = await api.call("GET", "/components")
        assert (status, answer, headers["Retry-After"]) == (420, {"error": "Rate limit exceeded"}, "1")
        clock.advance(0.5)
        assert (await api.call("GET", "/components"))[0] == 420  # refused calls do not extend the wait
        clock.advance(0.5)
        assert (await api.call("GET", "/components"))[0] == 200


async def test_reset_forgets_incidents_and_faults_but_keeps_ids(
    api: Api, server: StatuspageServer, control: StatuspageControl
) -> None:
    checkout = server.component_id("Checkout API")
    await api.create(name="Down", status="investigating", components={checkout: "major_outage"})
    await control.fault(status=500, times=5)
    info = await control.reset()
    assert info["page_id"] == PAGE_ID and info["faults"] == []
    assert await control.incidents() == [] and await control.requests() == []
    components = await control.components()
    assert checkout in {c["id"] for c in components} and {c["status"] for c in components} == {"operational"}
    assert (await api.call("GET", ""))[0] == 200


async def test_ids_and_key_are_random_unless_fixed() -> None:
    async with StatuspageServer() as first, StatuspageServer() as second:
        assert first.api_key != second.api_key and first.page_id != second.page_id
        assert len(first.page_id) == 12 and first.page_id.isalnum()
    async with StatuspageServer(seed=7) as one, StatuspageServer(seed=7) as other:
        assert (one.api_key, one.page_id) == (other.api_key, other.page_id)


async def test_the_command_line_prints_what_a_bot_needs() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "incidentbot.sandbox.statuspage",
        "--port",
        "0",
        "--api-key",
        API_KEY,
        "--page-id",
        PAGE_ID,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines = [(await asyncio.wait_for(process.stdout.readline(), 10)).decode() for _ in range(4)]
    finally:
        process.terminate()
        await process.wait()
    assert lines[0].startswith("Statuspage fake running at http://127.0.0.1:")
    assert lines[1].strip().startswith("STATUSPAGE_API_URL=http://127.0.0.1:") and lines[1].strip().endswith("/v1/")
    assert lines[2].strip() == f"STATUSPAGE_API_KEY={API_KEY}"
    assert lines[3].strip() == f"STATUSPAGE_PAGE_ID={PAGE_ID}"
