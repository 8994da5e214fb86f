"""Interaction payloads shaped like Slack's: slash commands, block actions, view events, events."""

from __future__ import annotations

import time
from typing import Any

from .blockkit import interactive_elements
from .errors import BadRequest
from .models import Channel, Json, User
from .state import Workspace

MISSING: Any = object()

_SINGLE_OPTION = {"static_select", "external_select", "overflow", "radio_buttons"}
_MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
_SIMPLE = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_INITIAL = {
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
}


def channel_name(channel: Channel) -> str:
    """What payloads call the channel: Slack hides a private channel's name behind "privategroup"."""
    if channel.is_im:
        return "directmessage"
    if channel.is_private and not channel.is_mpim:
        return "privategroup"
    return channel.name


def slash_command(
    ws: Workspace,
    *,
    token: str,
    command: str,
    text: str,
    user: User,
    channel: Channel,
    response_url: str,
    trigger_id: str,
) -> Json:
    return {
        "token": token,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel.id,
        "channel_name": channel_name(channel),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _base(ws: Workspace, kind: str, token: str, user: User) -> Json:
    return {
        "type": kind,
        "team": {"id": ws.team_id, "domain": ws.team_domain},
        "user": user.ref(ws.team_id),
        "api_app_id": ws.app_id,
        "token": token,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def block_actions(
    ws: Workspace,
    *,
    token: str,
    user: User,
    trigger_id: str,
    container: Json,
    actions: list[Json],
    channel: Channel | None = None,
    message: Json | None = None,
    view: Json | None = None,
    response_url: str | None = None,
) -> Json:
    payload = _base(ws, "block_actions", token, user)
    payload.update(container=container, trigger_id=trigger_id)
    if channel is not None:
        payload["channel"] = {"id": channel.id, "name": channel_name(channel)}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    else:
        payload["state"] = {"values": {}}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = actions
    return payload


def view_submission(ws: Workspace, *, token: str, user: User, view: Json, trigger_id: str) -> Json:
    payload = _base(ws, "view_submission", token, user)
    payload.update(view=view, trigger_id=trigger_id, response_urls=[])
    return payload


def view_closed(ws: Workspace, *, token: str, user: User, view: Json, is_cleared: bool) -> Json:
    payload = _base(ws, "view_closed", token, user)
    payload.update(view=view, is_cleared=is_cleared)
    return payload


def event_callback(ws: Workspace, *, token: str, event: Json, event_id: str) -> Json:
    return {
        "token": token,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


# -- elements and their values ---------------------------------------------------------------------
def find_element(blocks: list[Json], action_id: str, block_id: str | None) -> tuple[Json, Json]:
    """The block and interactive element a user acts on; 400 naming what exists if there is none."""
    available = []
    for block in blocks:
        for element in interactive_elements(block):
            available.append(f"{block.get('block_id')}/{element.get('action_id')}")
            if element.get("action_id") == action_id and block_id in (None, block.get("block_id")):
                return block, element
    wanted = f"{block_id}/{action_id}" if block_id else action_id
    raise BadRequest(f"no element {wanted!r} to act on; available: {', '.join(available) or 'none'}")


def _option(element: Json, value: Any) -> Json:
    if isinstance(value, dict):
        return value
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return dict(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    raise BadRequest(f"{value!r} is not an option of {element.get('action_id')!r}")


def element_value(element: Json, value: Any) -> Json:
    """The state (or action) value a user's input gives an element, e.g. `selected_option`."""
    kind = element["type"]
    result: Json = {"type": kind}
    if kind in _SINGLE_OPTION:
        result["selected_option"] = None if value in (None, MISSING) else _option(element, value)
    elif kind in _MANY_OPTIONS:
        items = [] if value in (None, MISSING) else value if isinstance(value, list) else [value]
        result["selected_options"] = [_option(element, item) for item in items]
    elif kind in _SIMPLE:
        key = _SIMPLE[kind]
        empty: Any = [] if kind.startswith("multi_") else None
        result[key] = empty if value is MISSING else value
    elif kind == "rich_text_input":
        text = "" if value in (None, MISSING) else str(value)
        result["rich_text_value"] = {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    else:
        result["value"] = None if value is MISSING else value
    return result


def initial_value(element: Json) -> Any:
    """What an untouched element submits: its `initial_*` value, if any."""
    kind = element["type"]
    if kind in _SINGLE_OPTION:
        return element.get("initial_option", MISSING)
    if kind in _MANY_OPTIONS:
        return element.get("initial_options", MISSING)
    if kind in _SIMPLE:
        return element.get(_INITIAL[_SIMPLE[kind]], MISSING)
    return element.get("initial_value", MISSING)


def _is_empty(value: Json) -> bool:
    return all(v in (None, [], "") for k, v in value.items() if k != "type")


def state_values(blocks: list[Json], given: Json) -> Json:
    """`view.state.values` for a submission: given values by block_id (and action_id), else initials."""
    inputs = {str(b.get("block_id")): b for b in blocks if b.get("type") == "input"}
    unknown = sorted(set(given) - set(inputs))
    if unknown:
        raise BadRequest(f"no input blocks {unknown} in the view; its inputs are {sorted(inputs)}")
    values: Json = {}
    for block_id, block in inputs.items():
        element = block.get("element") or {}
        action_id = str(element.get("action_id"))
        raw = given.get(block_id, MISSING)
        if isinstance(raw, dict) and "type" not in raw:
            extra = sorted(set(raw) - {action_id})
            if extra:
                raise BadRequest(f"block {block_id!r} has action_id {action_id!r}, not {extra}")
            raw = raw.get(action_id, MISSING)
        if raw is MISSING:
            raw = initial_value(element)
        value = raw if isinstance(raw, dict) and "type" in raw else element_value(element, raw)
        if _is_empty(value) and not block.get("optional"):
            raise BadRequest(f"input block {block_id!r} is required (Slack would not let the user submit)")
        _check_length(element, block_id, value)
        values[block_id] = {action_id: value}
    return values


def _check_length(element: Json, block_id: str, value: Json) -> None:
    text = value.get("value")
    if element.get("type") != "plain_text_input" or not isinstance(text, str):
        return
    low, high = element.get("min_length", 0), element.get("max_length", 3000)
    if not low <= len(text) <= high:
        raise BadRequest(f"input {block_id!r} must be {low} to {high} characters (Slack checks this)")
