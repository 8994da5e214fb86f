"""Web API methods on messages: chat.*, pins.*, reactions.*, and reading history."""

from __future__ import annotations

import base64
import time
from typing import Any

from . import rules
from .apicall import ApiCall, Method
from .blockkit import with_ids
from .errors import SlackError
from .models import Channel, Json, Message


def _blocks(call: ApiCall) -> Any:
    """The `blocks` argument, still unchecked: the rules say what is wrong with it."""
    return call.params.structured("blocks", error="invalid_blocks_format")


def _stored_blocks(call: ApiCall, blocks: list[Json] | None) -> list[Json] | None:
    return with_ids(blocks, call.ws.ids.short_id) if blocks else None


def _message(call: ApiCall, channel: Channel, key: str, *, missing: str = "message_not_found") -> Message:
    ts = call.params.text(key)
    if not ts:
        raise SlackError(missing)
    message = call.ws.message(channel, ts)
    if message is None or message.ephemeral_to is not None:
        raise SlackError("message_not_found")
    return message


def post_message(call: ApiCall) -> Json:
    p = call.params
    channel = call.postable_channel()
    blocks = _blocks(call)
    attachments = p.structured("attachments", error="invalid_attachments")
    text, warnings = rules.message_content(p.text("text"), blocks, attachments)
    call.warnings.extend(warnings)
    thread_ts = p.text("thread_ts") or None
    message = call.ws.post(
        channel,
        user=call.bot,
        text=text,
        blocks=_stored_blocks(call, blocks),
        attachments=attachments,
        thread_ts=thread_ts,
        reply_broadcast=bool(thread_ts) and p.flag("reply_broadcast"),
        metadata=p.structured("metadata", error="invalid_metadata_format"),
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.to_api(call.ws.team_id)}


def post_ephemeral(call: ApiCall) -> Json:
    p = call.params
    channel = call.postable_channel()
    user = call.user()
    if not channel.is_member(user.id):
        raise SlackError("user_not_in_channel")
    blocks = _blocks(call)
    text, warnings = rules.message_content(p.text("text"), blocks, p.structured("attachments"))
    if warnings:
        raise SlackError("msg_too_long")
    message = call.ws.post(
        channel,
        user=call.bot,
        text=text,
        blocks=_stored_blocks(call, blocks),
        thread_ts=p.text("thread_ts") or None,
        ephemeral_to=user.id,
    )
    return {"message_ts": message.ts}


def update(call: ApiCall) -> Json:
    p = call.params
    channel = call.channel()
    message = _message(call, channel, "ts")
    if channel.is_archived:
        raise SlackError("is_inactive")  # per Slack's API spec; see SLACK_RULES.md "Uncertain"
    if message.user != call.bot:
        raise SlackError("cant_update_message")
    text, blocks = p.text("text"), _blocks(call)
    attachments = p.structured("attachments", error="invalid_attachments")
    if text is None and blocks is None and attachments is None:
        raise SlackError("no_text")
    if text is not None and len(text) > rules.MAX_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None:
        rules.check_message_blocks(blocks)
        message.blocks = _stored_blocks(call, blocks)
    if attachments is not None:
        message.attachments = attachments
    if text is not None:
        message.text = text
    message.edits += 1
    message.edited_ts = call.ws.ids.message_ts()
    body = message.to_api(call.ws.team_id)
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": body}


def delete(call: ApiCall) -> Json:
    channel = call.channel()
    message = _message(call, channel, "ts")
    if message.user != call.bot:
        raise SlackError("cant_delete_message")
    message.deleted = True
    if message.ts in channel.pins:
        channel.pins.remove(message.ts)
    return {"channel": channel.id, "ts": message.ts}


def get_permalink(call: ApiCall) -> Json:
    channel = call.channel()
    message = _message(call, channel, "message_ts")
    link = f"https://{call.ws.team_domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


# -- pins and reactions ------------------------------------------------------------------------------
def pins_add(call: ApiCall) -> Json:
    channel = call.joined_channel()
    message = _message(call, channel, "timestamp", missing="no_item_specified")
    if message.pinned_by is not None:
        raise SlackError("already_pinned")
    message.pinned_by = call.bot
    channel.pins.append(message.ts)
    return {}


def pins_remove(call: ApiCall) -> Json:
    channel = call.joined_channel()
    message = _message(call, channel, "timestamp", missing="no_item_specified")
    if message.pinned_by is None:
        raise SlackError("no_pin")
    message.pinned_by = None
    channel.pins.remove(message.ts)
    return {}


def pins_list(call: ApiCall) -> Json:
    channel = call.channel()
    items = []
    for ts in channel.pins:
        message = channel.by_ts[ts]
        items.append(
            {
                "type": "message",
                "created": int(time.time()),
                "created_by": message.pinned_by,
                "channel": channel.id,
                "message": message.to_api(call.ws.team_id),
            }
        )
    return {"items": items}


def _reaction_target(call: ApiCall) -> tuple[Message, str]:
    channel = call.channel()
    message = _message(call, channel, "timestamp", missing="no_item_specified")
    name = (call.params.text("name") or "").strip(":")
    rules.check_reaction_name(name)
    if channel.is_archived:
        raise SlackError("is_archived")
    return message, name


def reactions_add(call: ApiCall) -> Json:
    message, name = _reaction_target(call)
    users = message.reactions.setdefault(name, [])
    if call.bot in users:
        raise SlackError("already_reacted")
    users.append(call.bot)
    return {}


def reactions_remove(call: ApiCall) -> Json:
    message, name = _reaction_target(call)
    users = message.reactions.get(name, [])
    if call.bot not in users:
        raise SlackError("no_reaction")
    users.remove(call.bot)
    if not users:
        del message.reactions[name]
    return {}


# -- reading ----------------------------------------------------------------------------------------
def _readable_channel(call: ApiCall) -> Channel:
    channel = call.channel()
    scope = "im:history" if channel.is_im else "groups:history" if channel.is_private else "channels:history"
    call.require_scope(scope)
    if not channel.is_member(call.bot):
        raise SlackError("not_in_channel")
    return channel


def _page(call: ApiCall, items: list[Json], default_limit: int) -> tuple[list[Json], bool, str]:
    limit = call.params.number("limit", default_limit, low=1, high=999)
    cursor = call.params.text("cursor") or ""
    try:
        offset = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page = items[offset : offset + limit]
    more = offset + limit < len(items)
    next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if more else ""
    return page, more, next_cursor


def _visible(message: Message) -> bool:
    return not message.deleted and message.ephemeral_to is None


def history(call: ApiCall) -> Json:
    channel = _readable_channel(call)
    p = call.params
    oldest, latest = float(p.text("oldest") or 0), float(p.text("latest") or "inf")
    inclusive = p.flag("inclusive")

    def in_range(ts: float) -> bool:
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    messages = [
        m.to_api(call.ws.team_id)
        for m in reversed(channel.messages)
        if _visible(m) and (not m.is_reply or m.reply_broadcast) and in_range(float(m.ts))
    ]
    page, more, cursor = _page(call, messages, 100)
    return {
        "messages": page,
        "has_more": more,
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": cursor},
    }


def replies(call: ApiCall) -> Json:
    channel = _readable_channel(call)
    parent = call.ws.message(channel, call.params.text("ts") or "")
    if parent is None:
        raise SlackError("thread_not_found")
    root_ts = parent.thread_ts or parent.ts
    thread = [
        m.to_api(call.ws.team_id)
        for m in channel.messages
        if _visible(m) and (m.ts == root_ts or m.thread_ts == root_ts)
    ]
    page, more, cursor = _page(call, thread, 1000)
    return {"messages": page, "has_more": more, "response_metadata": {"next_cursor": cursor}}


METHODS: dict[str, Method] = {
    "chat.postMessage": Method(post_message, "chat:write", tier=4),  # limited per channel
    "chat.postEphemeral": Method(post_ephemeral, "chat:write", tier=4),
    "chat.update": Method(update, "chat:write", tier=3),
    "chat.delete": Method(delete, "chat:write", tier=3),
    "chat.getPermalink": Method(get_permalink, None, tier=4),
    "pins.add": Method(pins_add, "pins:write", tier=2),
    "pins.remove": Method(pins_remove, "pins:write", tier=2),
    "pins.list": Method(pins_list, "pins:read", tier=2),
    "reactions.add": Method(reactions_add, "reactions:write", tier=3),
    "reactions.remove": Method(reactions_remove, "reactions:write", tier=2),
    "conversations.history": Method(history, None, tier=3),
    "conversations.replies": Method(replies, None, tier=3),
}
