"""The v1 API under /v1/: pages, components and incidents, behind faults, authentication and the rate limit."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .core import STATUSPAGE, FakeStatuspage
from .errors import HttpError, not_found
from .faults import Fault
from .models import Json

API_PREFIX = "/v1/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def gate_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as `{"error": …}`; API requests also pass the fault, auth and rate-limit gates and are logged."""
    fake = request.app[STATUSPAGE]
    is_api = request.path.startswith(API_PREFIX)
    fault = fake.faults.take(fake.clock()) if is_api else None
    try:
        if fault is not None:
            # Read the whole request first, as a real server does before it is slow to answer: a client
            # that gives up (or dies) during the delay has still had its request taken.
            await request.read()
            await _delay_or_fail(fault)
        if is_api:
            _authenticate(fake, request)
        response = await handler(request)
    except HttpError as err:
        response = err.response()
    except web.HTTPException as exc:  # an unknown route or method, raised by aiohttp's router
        message = "Not found" if exc.status == 404 else exc.reason
        response = web.json_response({"error": message}, status=exc.status)
    if is_api:
        fake.requests.record(method=request.method, path=request.path, status=response.status, fault=fault is not None)
    return response


async def _delay_or_fail(fault: Fault) -> None:
    """A fault's delay comes first, so a delayed error reads to the client like a slow failing server."""
    if fault.delay:
        await asyncio.sleep(fault.delay)
    error = fault.error()
    if error is not None:
        raise error


def _authenticate(fake: FakeStatuspage, request: web.Request) -> None:
    """`Authorization: OAuth <key>` or `?api_key=<key>`, as Statuspage accepts; then the per-key rate limit."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    presented = credentials.strip() if scheme.lower() == "oauth" else request.query.get("api_key", "")
    if not presented or not hmac.compare_digest(presented.encode(), fake.api_key.encode()):
        raise HttpError(401, "Could not authenticate")
    retry_after = fake.rate_limiter.retry_after(presented)
    if retry_after is not None:
        raise HttpError(420, "Rate limit exceeded", headers={"Retry-After": str(retry_after)})


def _fake(request: web.Request) -> FakeStatuspage:
    """The fake, after checking the page id in the path is its page (404 otherwise)."""
    fake = request.app[STATUSPAGE]
    if request.match_info.get("page_id") != fake.page_id:
        raise not_found()
    return fake


async def json_object(request: web.Request) -> Json:
    """The request's body, which must be a JSON object (400 otherwise)."""
    try:
        body: Any = await request.json()
    except ValueError:
        raise HttpError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be a JSON object")
    return body


# -- pages and components ---------------------------------------------------------------------------------
async def list_pages(request: web.Request) -> web.Response:
    return web.json_response([request.app[STATUSPAGE].state.page_json()])


async def get_page(request: web.Request) -> web.Response:
    return web.json_response(_fake(request).state.page_json())


async def list_components(request: web.Request) -> web.Response:
    state = _fake(request).state
    return web.json_response([c.to_json() for c in state.components.values()])


async def get_component(request: web.Request) -> web.Response:
    state = _fake(request).state
    return web.json_response(state.component(request.match_info["component_id"]).to_json())


async def update_component(request: web.Request) -> web.Response:
    state = _fake(request).state
    component = state.component(request.match_info["component_id"])
    return web.json_response(state.update_component(component, await json_object(request)).to_json())


# -- incidents ----------------------------------------------------------------------------------------------
async def list_incidents(request: web.Request) -> web.Response:
    state = _fake(request).state
    return web.json_response([i.to_json(state.components) for i in state.incidents_newest_first()])


async def list_unresolved_incidents(request: web.Request) -> web.Response:
    state = _fake(request).state
    unresolved = [i for i in state.incidents_newest_first() if i.status != "resolved"]
    return web.json_response([i.to_json(state.components) for i in unresolved])


async def get_incident(request: web.Request) -> web.Response:
    state = _fake(request).state
    return web.json_response(state.incident(request.match_info["incident_id"]).to_json(state.components))


async def create_incident(request: web.Request) -> web.Response:
    state = _fake(request).state
    incident = state.create_incident(await json_object(request))
    return web.json_response(incident.to_json(state.components), status=201)


async def update_incident(request: web.Request) -> web.Response:
    state = _fake(request).state
    incident = state.incident(request.match_info["incident_id"])
    payload = await json_object(request)
    return web.json_response(state.update_incident(incident, payload).to_json(state.components))


def add_api_routes(app: web.Application) -> None:
    pages = API_PREFIX + "pages"
    page = pages + "/{page_id}"
    router = app.router
    router.add_get(pages, list_pages)
    router.add_get(page, get_page)
    router.add_get(page + "/components", list_components)
    router.add_get(page + "/components/{component_id}", get_component)
    router.add_patch(page + "/components/{component_id}", update_component)
    router.add_put(page + "/components/{component_id}", update_component)
    router.add_get(page + "/incidents", list_incidents)
    router.add_post(page + "/incidents", create_incident)
    router.add_get(page + "/incidents/unresolved", list_unresolved_incidents)
    router.add_get(page + "/incidents/{incident_id}", get_incident)
    router.add_patch(page + "/incidents/{incident_id}", update_incident)
    router.add_put(page + "/incidents/{incident_id}", update_incident)
