"""The control API under /_sandbox/: act as users, read what the app did, inject faults."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import rules
from .core import SANDBOX, Sandbox
from .errors import BadRequest, SlackError
from .faults import parse_fault
from .interactions import Interactions
from .models import Channel, Json

INTERACTIONS = web.AppKey("interactions", Interactions)


async def _body(request: web.Request) -> Json:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("the body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _text(body: Json, *keys: str, default: str | None = None) -> str:
    for key in keys:
        value = body.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise BadRequest(f"{key!r} must be a string")
            return value
    if default is None:
        raise BadRequest(f"{keys[0]!r} is required")
    return default


def _optional(body: Json, *keys: str) -> Any:
    return next((body[k] for k in keys if body.get(k) is not None), None)


def _wait(body: Json) -> bool:
    wait = body.get("wait", True)
    if not isinstance(wait, bool):
        raise BadRequest("'wait' must be true or false")
    return wait


def _ok(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _sandbox(request: web.Request) -> tuple[Sandbox, Interactions]:
    return request.app[SANDBOX], request.app[INTERACTIONS]


def _channel(sandbox: Sandbox, key: str) -> Channel:
    channel = sandbox.workspace.channel(key)
    if channel is None:
        raise BadRequest(f"no channel {key!r}", status=404)
    return channel


def info(sandbox: Sandbox) -> Json:
    ws, config = sandbox.workspace, sandbox.config
    return {
        "ok": True,
        "url": sandbox.base_url,
        "api_url": sandbox.base_url + "api/",
        "bot_token": config.bot_token,
        "app_token": config.app_token,
        "team": {"id": ws.team_id, "domain": ws.team_domain, "name": ws.team_name},
        "app_id": ws.app_id,
        "bot_user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "scopes": list(config.scopes),
        "ack_timeout": config.ack_timeout,
        "max_retries": config.max_retries,
        "trigger_ttl": config.trigger_ttl,
        "rate_limits": config.rate_limits,
        "users": [{"id": u.id, "name": u.name, "deleted": u.deleted} for u in ws.humans()],
        "channels": [{"id": c.id, "name": c.name} for c in ws.channels.values() if not c.is_im],
    }


# -- acting as users -----------------------------------------------------------------------------------
async def slash(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    return _ok(
        await acts.slash(
            command=_text(body, "command", default="/incident"),
            text=_text(body, "text", default=""),
            user_id=_text(body, "user_id", "user", default="U0ALICE"),
            channel_id=_text(body, "channel_id", "channel", default="C0GENERAL"),
            wait=_wait(body),
        )
    )


async def actions(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    view_id = _optional(body, "view_id")
    if view_id is None and (_optional(body, "channel_id", "channel") is None or "message_ts" not in body):
        raise BadRequest("a click needs view_id, or channel_id and message_ts")
    return _ok(
        await acts.click(
            user_id=_text(body, "user_id", "user"),
            action_id=_text(body, "action_id"),
            channel_id=_optional(body, "channel_id", "channel"),
            message_ts=body.get("message_ts"),
            view_id=view_id,
            block_id=_optional(body, "block_id"),
            value=body.get("value"),
            wait=_wait(body),
        )
    )


async def submit_view(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise BadRequest("'values' must be an object keyed by block_id")
    user_id, view_id = _text(body, "user_id", "user"), _text(body, "view_id")
    return _ok(await acts.submit_view(user_id=user_id, view_id=view_id, values=values, wait=_wait(body)))


async def close_view(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    user_id, view_id = _text(body, "user_id", "user"), _text(body, "view_id")
    return _ok(await acts.close_view(user_id=user_id, view_id=view_id, wait=_wait(body)))


async def interactive(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    return _ok(
        await acts.raw_interaction(
            payload=body.get("payload"), user_id=_optional(body, "user_id", "user"), wait=_wait(body)
        )
    )


async def reactions(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    return _ok(
        await acts.react(
            user_id=_text(body, "user_id", "user"),
            channel_id=_text(body, "channel_id", "channel"),
            message_ts=_text(body, "message_ts", "ts"),
            reaction=_text(body, "reaction", "name"),
            wait=_wait(body),
        )
    )


async def events(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    event = body.get("event", body if "type" in body else None)
    if isinstance(event, dict):
        event = {k: v for k, v in event.items() if k != "wait"}
    return _ok(await acts.send_event(event, wait=_wait(body)))


async def messages_post(request: web.Request) -> web.Response:
    _, acts = _sandbox(request)
    body = await _body(request)
    return _ok(
        await acts.say(
            user_id=_text(body, "user_id", "user"),
            channel_id=_text(body, "channel_id", "channel"),
            text=_text(body, "text"),
            thread_ts=_optional(body, "thread_ts"),
            wait=_wait(body),
        )
    )


# -- reading state -------------------------------------------------------------------------------------
async def get_info(request: web.Request) -> web.Response:
    return _ok(info(request.app[SANDBOX]))


async def channels_list(request: web.Request) -> web.Response:
    return _ok([c.to_control() for c in request.app[SANDBOX].workspace.channels.values()])


async def channel_get(request: web.Request) -> web.Response:
    return _ok(_channel(request.app[SANDBOX], request.match_info["key"]).to_control())


async def channel_messages(request: web.Request) -> web.Response:
    channel = _channel(request.app[SANDBOX], request.match_info["key"])
    include_ephemeral = request.query.get("include_ephemeral", "1").lower() not in ("0", "false", "no")
    return _ok([m.to_control() for m in channel.messages if include_ephemeral or m.ephemeral_to is None])


async def users_list(request: web.Request) -> web.Response:
    ws = request.app[SANDBOX].workspace
    return _ok([u.to_api(ws.team_id) for u in ws.users.values()])


def _user_id(request: web.Request) -> str:
    ws = request.app[SANDBOX].workspace
    user_id = request.match_info["user_id"]
    if ws.user(user_id) is None:
        raise BadRequest(f"no user {user_id!r}", status=404)
    return user_id


async def user_get(request: web.Request) -> web.Response:
    ws = request.app[SANDBOX].workspace
    return _ok(ws.users[_user_id(request)].to_api(ws.team_id))


async def user_ephemeral(request: web.Request) -> web.Response:
    user_id = _user_id(request)
    ws = request.app[SANDBOX].workspace
    found = [m for c in ws.channels.values() for m in c.messages if m.ephemeral_to == user_id]
    return _ok([m.to_control() for m in sorted(found, key=lambda m: float(m.ts))])


async def user_dms(request: web.Request) -> web.Response:
    user_id = _user_id(request)
    channel = request.app[SANDBOX].workspace.open_dm(user_id)
    return _ok({"channel": channel.id, "messages": [m.to_control() for m in channel.messages]})


async def views_list(request: web.Request) -> web.Response:
    ws = request.app[SANDBOX].workspace
    user_id = request.query.get("user_id")
    open_only = request.query.get("open", "0").lower() in ("1", "true", "yes")
    return _ok(
        [
            v.to_control()
            for v in ws.views.values()
            if (user_id is None or v.user_id == user_id) and (v.is_open or not open_only)
        ]
    )


async def calls_list(request: web.Request) -> web.Response:
    method = request.query.get("method")
    calls = request.app[SANDBOX].workspace.calls
    return _ok([c.to_control() for c in calls if method is None or c.method == method])


async def calls_clear(request: web.Request) -> web.Response:
    request.app[SANDBOX].workspace.calls.clear()
    return _ok({"ok": True})


# -- faults, sockets and setup -------------------------------------------------------------------------
async def faults_add(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    fault = parse_fault(await _body(request))
    sandbox.faults.add(fault)
    return _ok({"ok": True, "fault": fault.to_control()})


async def faults_list(request: web.Request) -> web.Response:
    return _ok(request.app[SANDBOX].faults.to_control())


async def faults_clear(request: web.Request) -> web.Response:
    request.app[SANDBOX].faults.clear()
    return _ok({"ok": True})


async def socket_info(request: web.Request) -> web.Response:
    return _ok(request.app[SANDBOX].hub.info())


def _socket_id(body: Json) -> int | None:
    socket_id = body.get("socket")
    if socket_id is not None and (not isinstance(socket_id, int) or isinstance(socket_id, bool)):
        raise BadRequest("'socket' must be a socket id from GET /_sandbox/socket")
    return socket_id


async def socket_drop(request: web.Request) -> web.Response:
    body = await _body(request)
    silent = bool(body.get("silent", False))
    dropped = request.app[SANDBOX].hub.drop(silent=silent, socket_id=_socket_id(body))
    return _ok({"ok": True, "dropped": dropped})


async def socket_disconnect(request: web.Request) -> web.Response:
    body = await _body(request)
    reason = _text(body, "reason", default="refresh_requested")
    delay = body.get("delay")
    if delay is not None and (not isinstance(delay, int | float) or delay < 0):
        raise BadRequest("'delay' must be a number of seconds >= 0")
    count = await request.app[SANDBOX].hub.disconnect(reason, delay=delay, socket_id=_socket_id(body))
    return _ok({"ok": True, "disconnected": count})


async def users_add(request: web.Request) -> web.Response:
    ws = request.app[SANDBOX].workspace
    body = await _body(request)
    user = ws.add_user(
        name=_text(body, "name"),
        user_id=_optional(body, "id", "user_id"),
        real_name=_optional(body, "real_name"),
        tz=_text(body, "tz", default="UTC"),
        email=_optional(body, "email"),
        deleted=bool(body.get("deleted", False)),
        is_admin=bool(body.get("is_admin", False)),
        is_bot=bool(body.get("is_bot", False)),
    )
    return _ok(user.to_api(ws.team_id))


async def channels_add(request: web.Request) -> web.Response:
    ws = request.app[SANDBOX].workspace
    body = await _body(request)
    name = _text(body, "name")
    try:
        rules.check_channel_name(name)
    except SlackError as err:
        raise BadRequest(f"channel name {name!r}: {err.code}") from None
    if ws.name_taken(name):
        raise BadRequest(f"channel name {name!r} is taken")
    members = body.get("members") or []
    if not isinstance(members, list) or any(ws.user(str(m)) is None for m in members):
        raise BadRequest("'members' must be a list of existing user ids")
    if body.get("bot_member", True):
        members = [*members, ws.bot_user_id]
    creator = str(members[0]) if members else ws.bot_user_id
    channel = ws.create_channel(name, creator=creator, members=members, is_private=bool(body.get("is_private")))
    channel.topic = _text(body, "topic", default="")
    channel.purpose = _text(body, "purpose", default="")
    return _ok(channel.to_control())


async def channel_join(request: web.Request) -> web.Response:
    """A person joins a public channel, as they would from Slack's channel browser."""
    sandbox = request.app[SANDBOX]
    channel = _channel(sandbox, request.match_info["key"])
    user_id = _text(await _body(request), "user_id")
    if sandbox.workspace.user(user_id) is None:
        raise BadRequest(f"no user {user_id!r}", status=404)
    if channel.is_archived or channel.is_private:
        raise BadRequest(f"{user_id} cannot join {channel.name}: it is archived or private")
    if user_id not in channel.members:
        channel.members.append(user_id)
    return _ok(channel.to_control())


async def reset(request: web.Request) -> web.Response:
    request.app[SANDBOX].reset()
    return _ok({"ok": True})


def add_control_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/_sandbox/", get_info)
    r.add_get("/_sandbox", get_info)
    r.add_post("/_sandbox/slash", slash)
    r.add_post("/_sandbox/actions", actions)
    r.add_post("/_sandbox/views/submit", submit_view)
    r.add_post("/_sandbox/views/close", close_view)
    r.add_post("/_sandbox/interactive", interactive)
    r.add_post("/_sandbox/reactions", reactions)
    r.add_post("/_sandbox/events", events)
    r.add_post("/_sandbox/messages", messages_post)
    r.add_get("/_sandbox/channels", channels_list)
    r.add_post("/_sandbox/channels", channels_add)
    r.add_get("/_sandbox/channels/{key}", channel_get)
    r.add_get("/_sandbox/channels/{key}/messages", channel_messages)
    r.add_post("/_sandbox/channels/{key}/join", channel_join)
    r.add_get("/_sandbox/users", users_list)
    r.add_post("/_sandbox/users", users_add)
    r.add_get("/_sandbox/users/{user_id}", user_get)
    r.add_get("/_sandbox/users/{user_id}/ephemeral", user_ephemeral)
    r.add_get("/_sandbox/users/{user_id}/dms", user_dms)
    r.add_get("/_sandbox/views", views_list)
    r.add_get("/_sandbox/calls", calls_list)
    r.add_delete("/_sandbox/calls", calls_clear)
    r.add_post("/_sandbox/faults", faults_add)
    r.add_get("/_sandbox/faults", faults_list)
    r.add_delete("/_sandbox/faults", faults_clear)
    r.add_get("/_sandbox/socket", socket_info)
    r.add_post("/_sandbox/socket/drop", socket_drop)
    r.add_post("/_sandbox/socket/disconnect", socket_disconnect)
    r.add_post("/_sandbox/reset", reset)
