"""response_url: where the app answers an interaction, up to 5 times within 30 minutes."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from .blockkit import block_errors, with_ids
from .core import SANDBOX, Sandbox
from .faults import RESPONSE_URL
from .models import CallRecord, Json, ResponseUrl


def _answer(status: int, body: Json) -> web.Response:
    return web.json_response(body, status=status)


def _apply(sandbox: Sandbox, target: ResponseUrl, body: Json) -> tuple[int, Json]:
    ws = sandbox.workspace
    channel = ws.channels.get(target.channel_id)
    if channel is None:
        return 404, {"ok": False, "error": "channel_not_found"}
    original = ws.message(channel, target.message_ts) if target.message_ts else None
    if body.get("delete_original"):
        if original is None:
            return 404, {"ok": False, "error": "message_not_found"}
        original.deleted = True
        return 200, {"ok": True}
    text, blocks = body.get("text"), body.get("blocks")
    if not text and not blocks:
        return 400, {"ok": False, "error": "no_text"}
    if blocks is not None:
        errors = block_errors(blocks)
        if errors:
            return 400, {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": errors}}
    stored = with_ids(blocks, ws.ids.short_id) if blocks else None
    if body.get("replace_original") and original is not None:
        original.text = str(text or "")
        original.blocks = stored
        original.edits += 1
        original.edited_ts = ws.ids.message_ts()
        return 200, {"ok": True}
    in_channel = body.get("response_type") == "in_channel"
    thread_ts = body.get("thread_ts")
    ws.post(
        channel,
        user=ws.bot_user_id,
        text=str(text or ""),
        blocks=stored,
        thread_ts=str(thread_ts) if thread_ts else None,
        ephemeral_to=None if in_channel else target.user_id,
    )
    return 200, {"ok": True}


async def handle_respond(request: web.Request) -> web.Response:
    """POST /_sandbox/respond/{token}: JSON {text, blocks, response_type, replace_original, delete_original}."""
    sandbox = request.app[SANDBOX]
    started = time.perf_counter()
    token = request.match_info["token"]
    try:
        body = await request.json()
    except ValueError:
        body = None
    status, answer = await _respond(sandbox, token, body)
    ws = sandbox.workspace
    ws.calls.append(
        CallRecord(
            seq=ws.next_call_seq(),
            method=RESPONSE_URL,
            params=body if isinstance(body, dict) else {"body": body},
            ok=bool(answer.get("ok")),
            error=answer.get("error"),
            status=status,
            at=time.time(),
            duration_ms=(time.perf_counter() - started) * 1000,
        )
    )
    return _answer(status, answer)


async def _respond(sandbox: Sandbox, token: str, body: object) -> tuple[int, Json]:
    fault = sandbox.faults.take(RESPONSE_URL)
    if fault is not None and fault.delay:
        await asyncio.sleep(fault.delay)
    injected = fault.response() if fault is not None else None
    if injected is not None:
        return injected[0], injected[1]
    target = sandbox.workspace.response_urls.get(token)
    if target is None:
        return 404, {"ok": False, "error": "no_such_url"}
    if time.monotonic() - target.created > sandbox.config.response_url_ttl:
        return 404, {"ok": False, "error": "expired_url"}
    if target.uses >= sandbox.config.response_url_uses:
        return 404, {"ok": False, "error": "used_url"}
    if not isinstance(body, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    target.uses += 1
    return _apply(sandbox, target, body)
