"""The workspace's records and the JSON shapes Slack gives them."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    tz_label: str = "Coordinated Universal Time"
    tz_offset: int = 0
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False
    bot_id: str | None = None
    is_admin: bool = False

    def to_api(self, team_id: str) -> Json:
        """The `user` object of users.info."""
        profile: Json = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "status_text": "",
            "status_emoji": "",
            "team": team_id,
            "image_48": f"https://avatars.sandbox.invalid/{self.id}_48.png",
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label,
            "tz_offset": self.tz_offset,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }

    def ref(self, team_id: str) -> Json:
        """The short `user` object inside interaction payloads."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": team_id}


@dataclass
class Message:
    channel_id: str
    ts: str
    user: str
    text: str
    blocks: list[Json] | None = None
    attachments: list[Json] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    subtype: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    ephemeral_to: str | None = None
    edits: int = 0
    edited_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    pinned_by: str | None = None
    deleted: bool = False
    replies: list[str] = field(default_factory=list)
    metadata: Json | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, team_id: str) -> Json:
        """The message object of chat.postMessage and conversations.history."""
        body: Json = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if self.subtype:
            body["subtype"] = self.subtype
        if self.bot_id:
            body["bot_id"] = self.bot_id
            body["app_id"] = self.app_id
        body["team"] = team_id
        if self.blocks is not None:
            body["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments is not None:
            body["attachments"] = copy.deepcopy(self.attachments)
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.replies:
            body["reply_count"] = len(self.replies)
            body["latest_reply"] = self.replies[-1]
        if self.edited_ts:
            body["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)} for name, users in self.reactions.items()
            ]
        if self.pinned_by:
            body["pinned_to"] = [self.channel_id]
        if self.metadata is not None:
            body["metadata"] = copy.deepcopy(self.metadata)
        return body

    def to_control(self) -> Json:
        """What the control API shows of a message: everything a test may assert on."""
        return {
            "channel": self.channel_id,
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "attachments": copy.deepcopy(self.attachments),
            "thread_ts": self.thread_ts,
            "reply_broadcast": self.reply_broadcast,
            "reply_count": len(self.replies),
            "subtype": self.subtype,
            "ephemeral_to": self.ephemeral_to,
            "edited": self.edits > 0,
            "edits": self.edits,
            "reactions": {name: list(users) for name, users in self.reactions.items()},
            "pinned": self.pinned_by is not None,
            "deleted": self.deleted,
            "metadata": copy.deepcopy(self.metadata),
        }


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_general: bool = False
    is_archived: bool = False
    topic: str = ""
    topic_set_by: str = ""
    topic_last_set: int = 0
    purpose: str = ""
    purpose_set_by: str = ""
    purpose_last_set: int = 0
    im_user: str | None = None
    pins: list[str] = field(default_factory=list)
    bookmarks: list[Json] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    by_ts: dict[str, Message] = field(default_factory=dict)

    def is_member(self, user_id: str) -> bool:
        return user_id in self.members

    def to_api(self, viewer_id: str, team_id: str, *, num_members: bool = False) -> Json:
        """The `channel` object of conversations.info and conversations.create."""
        updated = int(time.time() * 1000)
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": self.is_archived,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": team_id,
                "updated": updated,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        body: Json = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": team_id,
            "updated": updated,
            "parent_conversation": None,
            "creator": self.creator,
            "is_ext_shared": False,
            "shared_team_ids": [team_id],
            "pending_connected_team_ids": [],
            "is_member": viewer_id in self.members,
            "topic": {"value": self.topic, "creator": self.topic_set_by, "last_set": self.topic_last_set},
            "purpose": {
                "value": self.purpose,
                "creator": self.purpose_set_by,
                "last_set": self.purpose_last_set,
            },
            "previous_names": [],
        }
        if num_members:
            body["num_members"] = len(self.members)
        return body

    def to_control(self) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "is_private": self.is_private,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_general": self.is_general,
            "is_archived": self.is_archived,
            "created": self.created,
            "creator": self.creator,
            "topic": self.topic,
            "purpose": self.purpose,
            "members": list(self.members),
            "pins": list(self.pins),
            "bookmarks": copy.deepcopy(self.bookmarks),
            "im_user": self.im_user,
        }


@dataclass
class View:
    id: str
    team_id: str
    user_id: str
    app_id: str
    bot_id: str
    definition: Json
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    is_open: bool = True
    state_values: Json = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.definition.get("type", "modal"))

    @property
    def external_id(self) -> str:
        return str(self.definition.get("external_id") or "")

    @property
    def blocks(self) -> list[Json]:
        blocks = self.definition.get("blocks")
        return blocks if isinstance(blocks, list) else []

    def to_api(self) -> Json:
        """The `view` object of views.open and of interaction payloads."""
        d = self.definition
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": copy.deepcopy(self.blocks),
            "private_metadata": d.get("private_metadata", ""),
            "callback_id": d.get("callback_id", ""),
            "state": {"values": copy.deepcopy(self.state_values)},
            "hash": self.hash,
            "title": copy.deepcopy(d.get("title")),
            "clear_on_close": bool(d.get("clear_on_close", False)),
            "notify_on_close": bool(d.get("notify_on_close", False)),
            "close": copy.deepcopy(d.get("close")),
            "submit": copy.deepcopy(d.get("submit")),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": self.app_id,
            "external_id": self.external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def to_control(self) -> Json:
        return {**self.to_api(), "user_id": self.user_id, "is_open": self.is_open}


@dataclass
class Trigger:
    id: str
    user_id: str
    created: float
    view_id: str | None = None
    used: bool = False


@dataclass
class ResponseUrl:
    token: str
    channel_id: str
    user_id: str
    created: float
    message_ts: str | None = None
    uses: int = 0


@dataclass
class CallRecord:
    seq: int
    method: str
    params: Json
    ok: bool
    error: str | None
    status: int
    at: float
    duration_ms: float
    token_type: str | None = None
    fault: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_control(self) -> Json:
        return {
            "seq": self.seq,
            "method": self.method,
            "params": self.params,
            "ok": self.ok,
            "error": self.error,
            "status": self.status,
            "at": self.at,
            "duration_ms": round(self.duration_ms, 3),
            "token_type": self.token_type,
            "fault": self.fault,
            "warnings": list(self.warnings),
        }
