"""The control API under /_statuspage/: what the fake holds, what it was asked, and faults to inject."""

from __future__ import annotations

from aiohttp import web

from .api import json_object
from .core import STATUSPAGE, FakeStatuspage
from .faults import parse_fault
from .models import Json
from .state import PAGE_NAME

CONTROL_PREFIX = "/_statuspage/"


def info(fake: FakeStatuspage) -> Json:
    """What a bot or a test needs to point at this fake; the API key is the fake's own, not a secret."""
    state = fake.state
    return {
        "url": fake.base_url,
        "api_url": fake.base_url + "v1/",
        "api_key": fake.api_key,
        "page_id": fake.page_id,
        "page_name": PAGE_NAME,
        "rate_limit": fake.rate_limiter.enabled,
        "components": [c.to_json() for c in state.components.values()],
        "faults": fake.faults.to_control(fake.clock()),
    }


async def _body(request: web.Request) -> Json:
    return await json_object(request) if request.body_exists else {}


async def get_info(request: web.Request) -> web.Response:
    return web.json_response(info(request.app[STATUSPAGE]))


async def get_incidents(request: web.Request) -> web.Response:
    """Every incident, oldest first, each with its updates in the order received."""
    state = request.app[STATUSPAGE].state
    return web.json_response([i.to_control(state.components) for i in state.incidents.values()])


async def get_components(request: web.Request) -> web.Response:
    state = request.app[STATUSPAGE].state
    return web.json_response([c.to_json() for c in state.components.values()])


async def get_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATUSPAGE].requests.entries())


async def clear_requests(request: web.Request) -> web.Response:
    request.app[STATUSPAGE].requests.clear()
    return web.json_response({"cleared": True})


async def get_faults(request: web.Request) -> web.Response:
    fake = request.app[STATUSPAGE]
    return web.json_response(fake.faults.to_control(fake.clock()))


async def add_fault(request: web.Request) -> web.Response:
    fake = request.app[STATUSPAGE]
    now = fake.clock()
    fault = parse_fault(await _body(request), now=now)
    fake.faults.add(fault)
    return web.json_response(fault.to_control(now), status=201)


async def clear_faults(request: web.Request) -> web.Response:
    request.app[STATUSPAGE].faults.clear()
    return web.json_response({"cleared": True})


async def reset(request: web.Request) -> web.Response:
    fake = request.app[STATUSPAGE]
    fake.reset()
    return web.json_response(info(fake))


def add_control_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(CONTROL_PREFIX, get_info)
    router.add_get(CONTROL_PREFIX + "incidents", get_incidents)
    router.add_get(CONTROL_PREFIX + "components", get_components)
    router.add_get(CONTROL_PREFIX + "requests", get_requests)
    router.add_delete(CONTROL_PREFIX + "requests", clear_requests)
    router.add_get(CONTROL_PREFIX + "faults", get_faults)
    router.add_post(CONTROL_PREFIX + "faults", add_fault)
    router.add_delete(CONTROL_PREFIX + "faults", clear_faults)
    router.add_post(CONTROL_PREFIX + "reset", reset)
