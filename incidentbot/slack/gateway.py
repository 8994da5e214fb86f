"""ChatPort on Slack's Web API: what services ask for, rendered with the views and sent.

Slack errors become ChatError with Slack's code. Users are looked up lazily and cached (never a
crawl of users.list); a channel we must post in but are not a member of is joined once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from incidentbot.domain.models import Account, Incident, Severity, TimelineEvent
from incidentbot.domain.publication import Publication, PublicState
from incidentbot.services.ports import RETRYABLE_CHAT_ERRORS, ChatError
from incidentbot.slack.views.announcements import (
    channel_ready_dm,
    commander_handoff_dm,
    declared_announcement,
    escalation_announcement,
    event_message,
    page_dm,
    resolved_announcement,
)
from incidentbot.slack.views.statuspage import (
    offer_resolution_message,
    prompt_message,
    publication_line,
    refusal_text,
)
from incidentbot.slack.views.summary import summary_message
from incidentbot.slack.views.timers import archive_closing_message, archive_warning_message, reminder_message
from incidentbot.slack.views.topic import channel_topic

__all__ = ["SlackGateway"]

logger = logging.getLogger(__name__)

SLACKBOT_USER_ID = "USLACKBOT"
USER_CACHE_SIZE = 2000
USER_CACHE_SECONDS = 600.0  # people change timezones and leave; a profile is re-read after this
MEMBERS_PAGE = 200
LIST_PAGE = 1000  # conversations.list allows 1,000 a page  # incident channels are small: one page, almost always


def _code(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown")) if exc.response is not None else "unknown"


class SlackGateway:
    def __init__(self, client: AsyncWebClient, *, clock_now: Callable[[], Any], statuspage: bool = False) -> None:
        self._client = client
        self._now = clock_now
        self._statuspage = statuspage  # the summary offers a Status page button when it is configured
        self._me: str | None = None
        self._users: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def _call(self, method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
        try:
            return await call
        except SlackApiError as exc:
            raise ChatError(_code(exc), method) from None

    async def _post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> str:
        """chat.postMessage; on not_in_channel, join a public channel once and try again."""
        kwargs: dict[str, Any] = {"channel": channel, "text": message["text"], "blocks": message.get("blocks")}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        try:
            response = await self._client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            if _code(exc) != "not_in_channel":
                raise ChatError(_code(exc), "chat.postMessage") from None
            await self._call("conversations.join", self._client.conversations_join(channel=channel))
            response = await self._call("chat.postMessage", self._client.chat_postMessage(**kwargs))
        return str(response["ts"])

    # -- channels -------------------------------------------------------------------------------------
    async def create_channel(self, name: str, *, private: bool = False) -> str:
        create = self._client.conversations_create(name=name, is_private=private)
        response = await self._call("conversations.create", create)
        return str(response["channel"]["id"])

    async def is_member(self, channel_id: str, user_id: str) -> bool:
        """conversations.members, page by page (groups:read for a private channel); a channel the
        bot cannot see any more (channel_not_found) has no members it could vouch for."""
        cursor: str | None = None
        while True:
            try:
                response = await self._client.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor
                )
            except SlackApiError as exc:
                if _code(exc) == "channel_not_found":
                    return False
                raise ChatError(_code(exc), "conversations.members") from None
            if user_id in (response.get("members") or []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return False

    async def find_own_channel(self, name: str) -> str | None:
        """conversations.list, page by page, for a channel of ``name`` whose creator is this bot.

        Only after ``name_taken`` on a name we chose: never at start, never to browse (Slack's rule)."""
        me = await self._bot_user_id()
        cursor: str | None = None
        while True:
            response = await self._call(
                "conversations.list",
                self._client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=LIST_PAGE, cursor=cursor
                ),
            )
            for channel in response.get("channels") or []:
                if channel.get("name") == name and channel.get("creator") == me:
                    return str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None

    async def _bot_user_id(self) -> str:
        if self._me is None:
            response = await self._call("auth.test", self._client.auth_test())
            self._me = str(response["user_id"])
        return self._me

    async def archive_channel(self, channel_id: str) -> None:
        """Archive; joining first if someone removed the bot. Already archived counts as done."""
        try:
            await self._client.conversations_archive(channel=channel_id)
        except SlackApiError as exc:
            code = _code(exc)
            if code == "already_archived":
                return
            if code != "not_in_channel":
                raise ChatError(code, "conversations.archive") from None
            await self._call("conversations.join", self._client.conversations_join(channel=channel_id))
            await self._call("conversations.archive", self._client.conversations_archive(channel=channel_id))

    async def unarchive_channel(self, channel_id: str) -> None:
        try:
            await self._client.conversations_unarchive(channel=channel_id)
        except SlackApiError as exc:
            if _code(exc) != "not_archived":
                raise ChatError(_code(exc), "conversations.unarchive") from None

    async def warn_archive(self, channel_id: str, incident: Incident, *, archive_at: datetime) -> str:
        return await self._post(channel_id, archive_warning_message(incident, archive_at=archive_at))

    async def post_archive_closing(self, channel_id: str, incident: Incident, *, after_days: int) -> str:
        return await self._post(channel_id, archive_closing_message(incident, after_days=after_days))

    async def remind(self, channel_id: str, incident: Incident, *, quiet_minutes: int, publish_prompt: bool) -> str:
        message = reminder_message(incident, quiet_minutes=quiet_minutes, publish_prompt=publish_prompt)
        return await self._post(channel_id, message)

    # -- the status page: prompts, and what was published ---------------------------------------------
    async def prompt_publication(self, channel_id: str, incident: Incident, *, min_severity: Severity) -> str:
        return await self._post(channel_id, prompt_message(incident, min_severity=min_severity))

    async def offer_public_resolution(self, channel_id: str, incident: Incident, *, public: PublicState) -> str:
        return await self._post(channel_id, offer_resolution_message(incident, public=public))

    async def announce_publication(self, channel_id: str, incident: Incident, publication: Publication) -> str:
        return await self._post(channel_id, publication_line(incident, publication))

    async def tell_refusal(self, channel_id: str, incident: Incident, publication: Publication) -> str:
        """Ephemeral to the person who published; a DM if they have left the channel."""
        text = refusal_text(incident, publication)
        user = publication.requested_by
        try:
            response = await self._client.chat_postEphemeral(channel=channel_id, user=user, text=text)
            return str(response.get("message_ts") or "")
        except SlackApiError as exc:
            if _code(exc) in RETRYABLE_CHAT_ERRORS:
                raise ChatError(_code(exc), "chat.postEphemeral") from None
        return await self._post(user, {"text": text, "blocks": None})

    async def invite(self, channel_id: str, user_ids: Sequence[str]) -> list[str]:
        """One call per person, so one who cannot be invited does not keep the others out.

        A "not now" error (a rate limit, Slack's own trouble) raises ChatError, so the job that
        invites is retried; those already invited then answer already_in_channel."""
        failed: list[str] = []
        for user in user_ids:
            try:
                await self._client.conversations_invite(channel=channel_id, users=[user])
            except SlackApiError as exc:
                code = _code(exc)
                if code in ("already_in_channel", "cant_invite_self"):
                    continue
                if code in RETRYABLE_CHAT_ERRORS:
                    raise ChatError(code, "conversations.invite") from None
                logger.warning("could not invite %s to %s: %s", user, channel_id, code)
                failed.append(user)
        return failed

    async def set_topic(self, channel_id: str, incident: Incident) -> None:
        topic = channel_topic(incident)
        await self._call("conversations.setTopic", self._client.conversations_setTopic(channel=channel_id, topic=topic))

    # -- messages -------------------------------------------------------------------------------------
    async def post_summary(self, channel_id: str, incident: Incident) -> str:
        return await self._post(channel_id, summary_message(incident, now=self._now(), statuspage=self._statuspage))

    async def update_summary(self, channel_id: str, ts: str, incident: Incident) -> None:
        message = summary_message(incident, now=self._now(), statuspage=self._statuspage)
        await self._call(
            "chat.update",
            self._client.chat_update(channel=channel_id, ts=ts, text=message["text"], blocks=message["blocks"]),
        )

    async def pin(self, channel_id: str, ts: str) -> None:
        try:
            await self._client.pins_add(channel=channel_id, timestamp=ts)
        except SlackApiError as exc:
            if _code(exc) != "already_pinned":
                raise ChatError(_code(exc), "pins.add") from None

    async def announce_declared(self, channel_id: str, incident: Incident) -> str:
        return await self._post(channel_id, declared_announcement(incident))

    async def announce_escalated(self, channel_id: str, incident: Incident, *, previous: Severity) -> str:
        return await self._post(channel_id, escalation_announcement(incident, previous=previous))

    async def announce_resolved(
        self, channel_id: str, incident: Incident, *, duration: timedelta, thread_ts: str | None
    ) -> str:
        message = resolved_announcement(incident, duration=duration)
        if thread_ts is None:
            return await self._post(channel_id, message)
        # In the announcement's thread, and shown in the channel too: people watch the channel.
        kwargs = {"channel": channel_id, "text": message["text"], "blocks": message.get("blocks")}
        response = await self._call(
            "chat.postMessage", self._client.chat_postMessage(**kwargs, thread_ts=thread_ts, reply_broadcast=True)
        )
        return str(response["ts"])

    async def post_event(
        self, channel_id: str, incident: Incident, event: TimelineEvent, *, thread_ts: str | None = None
    ) -> str:
        return await self._post(channel_id, event_message(incident, event), thread_ts=thread_ts)

    async def tell_channel_ready(self, user_id: str, incident: Incident) -> str:
        return await self._post(user_id, channel_ready_dm(incident))

    async def page(self, user_id: str, incident: Incident) -> str:
        return await self._post(user_id, page_dm(incident))

    async def tell_commander(self, user_id: str, incident: Incident, *, previous: str | None) -> None:
        await self._post(user_id, commander_handoff_dm(incident, previous=previous, recipient=user_id))

    async def post_notice(self, channel_id: str, text: str) -> str:
        return await self._post(
            channel_id,
            {"text": text, "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}]},
        )

    # -- users ----------------------------------------------------------------------------------------
    async def _user(self, user_id: str) -> dict[str, Any] | None:
        cached = self._users.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < USER_CACHE_SECONDS:
            return cached[1]
        try:
            response = await self._client.users_info(user=user_id)
            user: dict[str, Any] | None = dict(response["user"])
        except SlackApiError as exc:
            if _code(exc) != "user_not_found":
                raise ChatError(_code(exc), "users.info") from None
            user = None
        self._users.pop(user_id, None)
        if len(self._users) >= USER_CACHE_SIZE:
            self._users.pop(next(iter(self._users)))
        self._users[user_id] = (time.monotonic(), user)
        return user

    async def account(self, user_id: str) -> Account:
        user = await self._user(user_id)
        if user is None or user.get("deleted", False):
            return Account.MISSING
        # Slackbot's users.info says is_bot: false (a long-standing Slack quirk), hence the id check.
        if user.get("is_bot") or user_id == SLACKBOT_USER_ID:
            return Account.BOT
        return Account.PERSON

    async def user_timezone(self, user_id: str) -> str | None:
        user = await self._user(user_id)
        return str(user["tz"]) if user and user.get("tz") else None
