"""The Web API endpoint: parse, authenticate, fault, rate-limit, dispatch and record every call."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from dataclasses import dataclass, field

from aiohttp import web

from . import api_chat, api_conversations, api_identity, api_views
from .apicall import ApiCall, Method, Params
from .core import SANDBOX, Sandbox
from .errors import SlackError
from .models import CallRecord, Json

log = logging.getLogger(__name__)

METHODS: dict[str, Method] = {
    **api_identity.METHODS,
    **api_chat.METHODS,
    **api_conversations.METHODS,
    **api_views.METHODS,
}


@dataclass
class Outcome:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)
    token_type: str | None = None
    fault: bool = False
    warnings: list[str] = field(default_factory=list)


async def read_params(request: web.Request) -> Json:
    """Arguments from the query string plus a form-encoded, multipart or JSON body."""
    values: Json = {key: request.query[key] for key in request.query}
    if request.method != "POST" or not request.body_exists:
        return values
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackError("invalid_json")
        values.update(body)
    else:
        form = await request.post()
        values.update({key: value for key, value in form.items() if isinstance(value, str)})
    return values


def _token(request: web.Request, params: Json) -> str | None:
    header = request.headers.get("Authorization", "")
    token = params.pop("token", None)
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return str(token) if token else None


def _token_type(sandbox: Sandbox, token: str | None, method: Method) -> str:
    if not token:
        raise SlackError("not_authed")
    config = sandbox.config
    is_app = token == config.app_token
    if token != config.bot_token and not is_app:
        raise SlackError("invalid_auth")
    if is_app != method.for_app_token:
        raise SlackError("not_allowed_token_type")
    return "app" if is_app else "bot"


def _execute(sandbox: Sandbox, name: str, params: Json, token: str | None, host: str) -> Outcome:
    token_type: str | None = None
    try:
        method = METHODS.get(name)
        if method is None:
            raise SlackError("unknown_method", req_method=name)
        token_type = _token_type(sandbox, token, method)
        call = ApiCall(sandbox, name, Params(params), host=host)
        if method.scope is not None:
            call.require_scope(method.scope)
        wait = sandbox.limiter.retry_after(name, method.tier, call.params.text("channel"))
        if wait is not None:
            return Outcome(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}, token_type)
        body: Json = {"ok": True, **method.handler(call)}
        if call.warnings:
            body["warning"] = ",".join(call.warnings)
            body.setdefault("response_metadata", {})["warnings"] = list(call.warnings)
        return Outcome(200, body, token_type=token_type, warnings=call.warnings)
    except SlackError as err:
        return Outcome(200, err.body(), token_type=token_type)


def _masked(params: Json, token: str | None) -> Json:
    recorded = copy.deepcopy(params)
    if token:
        recorded["token"] = token[:5] + "***"
    return recorded


async def handle_api(request: web.Request) -> web.Response:
    """POST or GET /api/{method}: always HTTP 200 with `ok`, except rate limits and injected faults."""
    sandbox = request.app[SANDBOX]
    name = request.match_info["method"]
    started = time.perf_counter()
    token: str | None = None
    try:
        params = await read_params(request)
        token = _token(request, params)
    except SlackError as err:
        params = {}
        outcome = Outcome(200, err.body())
    else:
        fault = sandbox.faults.take(name)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        injected = fault.response() if fault is not None else None
        if injected is not None:
            status, body, headers = injected
            outcome = Outcome(status, body, headers, fault=True)
        else:
            outcome = _execute(sandbox, name, params, token, request.host)
    ws = sandbox.workspace
    ws.calls.append(
        CallRecord(
            seq=ws.next_call_seq(),
            method=name,
            params=_masked(params, token),
            ok=bool(outcome.body.get("ok")),
            error=outcome.body.get("error"),
            status=outcome.status,
            at=time.time(),
            duration_ms=(time.perf_counter() - started) * 1000,
            token_type=outcome.token_type,
            fault=outcome.fault,
            warnings=list(outcome.warnings),
        )
    )
    if not outcome.body.get("ok"):
        log.debug("%s -> %s %s", name, outcome.status, outcome.body.get("error"))
    return web.json_response(outcome.body, status=outcome.status, headers=outcome.headers)
