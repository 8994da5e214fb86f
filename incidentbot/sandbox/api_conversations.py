"""Web API methods on conversations: conversations.* (except reading history) and bookmarks.*."""

from __future__ import annotations

import time

from . import rules
from .apicall import ApiCall, Method
from .errors import SlackError
from .models import Channel, Json


def _manage_scope(call: ApiCall, channel: Channel) -> None:
    call.require_scope("groups:write" if channel.is_private else "channels:manage")


def _read_scope(call: ApiCall, channel: Channel) -> None:
    scope = "im:read" if channel.is_im else "groups:read" if channel.is_private else "channels:read"
    call.require_scope(scope)


def _not_im(channel: Channel) -> None:
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")


def create(call: ApiCall) -> Json:
    name = call.params.text("name") or ""
    is_private = call.params.flag("is_private")
    call.require_scope("groups:write" if is_private else "channels:manage")
    rules.check_channel_name(name)
    if call.ws.name_taken(name):  # archived channels keep their names
        raise SlackError("name_taken")
    channel = call.ws.create_channel(name, creator=call.bot, members=[call.bot], is_private=is_private)
    return {"channel": call.channel_json(channel)}


def invite(call: ApiCall) -> Json:
    channel = call.channel()
    _manage_scope(call, channel)
    _not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    if not channel.is_member(call.bot):
        raise SlackError("not_in_channel")
    user_ids = list(dict.fromkeys(call.params.id_list("users")))
    if not user_ids:
        raise SlackError("no_user")
    if len(user_ids) > rules.MAX_INVITES:
        raise SlackError("too_many_users")
    errors: list[Json] = []
    for user_id in user_ids:
        user = call.ws.user(user_id)
        if user_id == call.bot:
            code = "cant_invite_self"
        elif user is None or user.deleted:
            code = "user_not_found"
        elif channel.is_member(user_id):
            code = "already_in_channel"
        else:
            continue
        errors.append({"user": user_id, "ok": False, "error": code})
    if errors:
        # All or nothing: the sandbox invites no one when any user is refused.
        raise SlackError(errors[0]["error"], errors=errors)
    channel.members.extend(user_ids)
    return {"channel": call.channel_json(channel)}


def join(call: ApiCall) -> Json:
    channel = call.channel()
    _not_im(channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    if channel.is_member(call.bot):
        call.warnings.append("already_in_channel")
    else:
        channel.members.append(call.bot)
    return {"channel": call.channel_json(channel)}


def _set_text(call: ApiCall, field: str) -> Json:
    channel = call.channel()
    _manage_scope(call, channel)
    if channel.is_archived:
        raise SlackError("is_archived")
    if not channel.is_member(call.bot):
        raise SlackError("not_in_channel")
    value = call.params.text(field) or ""
    rules.check_topic(value)
    now = int(time.time())
    if field == "topic":
        channel.topic, channel.topic_set_by, channel.topic_last_set = value, call.bot, now
    else:
        channel.purpose, channel.purpose_set_by, channel.purpose_last_set = value, call.bot, now
    # Slack announces the change in the channel with a system message.
    call.ws.post(channel, user=call.bot, text=f"set the channel {field}: {value}", subtype=f"channel_{field}")
    return {"channel": call.channel_json(channel)}


def set_topic(call: ApiCall) -> Json:
    return _set_text(call, "topic")


def set_purpose(call: ApiCall) -> Json:
    return _set_text(call, "purpose")


def info(call: ApiCall) -> Json:
    channel = call.channel()
    _read_scope(call, channel)
    num_members = call.params.flag("include_num_members")
    return {"channel": call.channel_json(channel, num_members=num_members)}


def archive(call: ApiCall) -> Json:
    channel = call.channel()
    _manage_scope(call, channel)
    _not_im(channel)
    if channel.is_archived:
        raise SlackError("already_archived")
    if channel.is_general:
        raise SlackError("cant_archive_general")
    if not channel.is_member(call.bot):
        raise SlackError("not_in_channel")
    call.ws.post(channel, user=call.bot, text="archived the channel", subtype="channel_archive")
    channel.is_archived = True
    return {}


def unarchive(call: ApiCall) -> Json:
    channel = call.channel()
    _manage_scope(call, channel)
    _not_im(channel)
    if not channel.is_archived:
        raise SlackError("not_archived")
    channel.is_archived = False
    call.ws.post(channel, user=call.bot, text="un-archived the channel", subtype="channel_unarchive")
    return {}


def open_conversation(call: ApiCall) -> Json:
    if call.params.text("channel"):
        channel = call.channel()
        return {"no_op": True, "already_open": True, "channel": {"id": channel.id}}
    user_ids = [u for u in dict.fromkeys(call.params.id_list("users")) if u != call.bot]
    if not user_ids:
        raise SlackError("users_list_not_supplied")
    if len(user_ids) > 8:
        raise SlackError("too_many_users")
    for user_id in user_ids:
        user = call.ws.user(user_id)
        if user is None or user.deleted:
            raise SlackError("user_not_found")
    if len(user_ids) > 1:
        call.require_scope("mpim:write")
        return {"channel": call.channel_json(call.ws.open_mpim(user_ids))}
    existed = user_ids[0] in call.ws.dm_by_user
    channel = call.ws.open_dm(user_ids[0])
    body: Json = call.channel_json(channel) if call.params.flag("return_im") else {"id": channel.id}
    return {"no_op": existed, "already_open": existed, "channel": body}


def members(call: ApiCall) -> Json:
    channel = call.channel()
    _read_scope(call, channel)
    limit = call.params.number("limit", 100, low=1, high=1000)
    cursor = call.params.text("cursor") or ""
    offset = int(cursor) if cursor.isdigit() else 0
    page = channel.members[offset : offset + limit]
    more = offset + limit < len(channel.members)
    return {"members": page, "response_metadata": {"next_cursor": str(offset + limit) if more else ""}}


def bookmarks_add(call: ApiCall) -> Json:
    channel = call.joined_channel("channel_id")
    title = call.params.require("title")
    if call.params.require("type") != "link":
        raise SlackError("invalid_bookmark_type")
    link = call.params.text("link") or ""
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    bookmark: Json = {
        "id": call.ws.ids.object_id("Bk"),
        "channel_id": channel.id,
        "title": title,
        "link": link,
        "emoji": call.params.text("emoji"),
        "icon_url": None,
        "type": "link",
        "entity_id": call.params.text("entity_id"),
        "date_created": int(time.time()),
        "date_updated": 0,
        "rank": "U",
        "last_updated_by_user_id": call.bot,
        "last_updated_by_team_id": call.ws.team_id,
        "shortcut_id": None,
        "app_id": None,
    }
    channel.bookmarks.append(bookmark)
    return {"bookmark": bookmark}


_LIST_TYPES = {"public_channel", "private_channel"}


def list_conversations(call: ApiCall) -> Json:
    """conversations.list: public channels, and private ones the bot is in (``types``), paged by cursor.

    Slack: ``types`` defaults to public_channel; ``limit`` at most 1000; private channels need
    groups:read and show only where the app is a member."""
    types = set((call.params.text("types") or "public_channel").split(","))
    unknown = types - _LIST_TYPES
    if unknown:
        raise SlackError("invalid_types", messages=[f"unsupported types: {', '.join(sorted(unknown))}"])
    call.require_scope("channels:read" if "public_channel" in types else "groups:read")
    if "private_channel" in types:
        call.require_scope("groups:read")
    skip_archived = call.params.flag("exclude_archived")
    found = [
        call.channel_json(c)
        for c in call.ws.channels.values()
        if not c.is_im
        and not c.is_mpim
        and ("private_channel" if c.is_private else "public_channel") in types
        and (not c.is_private or c.is_member(call.bot))
        and not (skip_archived and c.is_archived)
    ]
    limit = call.params.number("limit", 100, low=1, high=1000)
    cursor = call.params.text("cursor") or ""
    try:
        offset = int(cursor) if cursor else 0
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page = found[offset : offset + limit]
    more = offset + limit < len(found)
    return {"channels": page, "response_metadata": {"next_cursor": str(offset + limit) if more else ""}}


def bookmarks_list(call: ApiCall) -> Json:
    return {"bookmarks": list(call.channel("channel_id").bookmarks)}


METHODS: dict[str, Method] = {
    "conversations.create": Method(create, None, tier=2),
    "conversations.invite": Method(invite, None, tier=3),
    "conversations.join": Method(join, "channels:join", tier=3),
    "conversations.setTopic": Method(set_topic, None, tier=3),
    "conversations.setPurpose": Method(set_purpose, None, tier=3),
    "conversations.info": Method(info, None, tier=3),
    "conversations.archive": Method(archive, None, tier=2),
    "conversations.unarchive": Method(unarchive, None, tier=2),
    "conversations.open": Method(open_conversation, "im:write", tier=3),
    "conversations.members": Method(members, None, tier=4),
    "conversations.list": Method(list_conversations, None, tier=2),
    "bookmarks.add": Method(bookmarks_add, "bookmarks:write", tier=2),
    "bookmarks.list": Method(bookmarks_list, "bookmarks:read", tier=3),
}
