"""Users acting through the control API: each action becomes an envelope, and its ack has effects."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from . import payloads, rules
from .blockkit import block_errors, with_ids
from .core import Sandbox
from .errors import BadRequest, SlackError
from .models import CallRecord, Channel, Json, Message, User, View
from .socket import AckResult, Delivery, NoSocketOpen
from .state import SLACKBOT_ID, Workspace

log = logging.getLogger(__name__)

OnAck = Callable[[AckResult], Json]
OnFailure = Callable[[str], None]


class Interactions:
    """Builds each user action's payload, delivers it over Socket Mode and applies the app's ack."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._tasks: set[asyncio.Task[Json]] = set()

    @property
    def ws(self) -> Workspace:
        return self.sandbox.workspace

    @property
    def token(self) -> str:
        return self.sandbox.config.verification_token

    # -- lookups that turn bad control input into 400s ------------------------------------------------
    def user(self, user_id: Any) -> User:
        user = self.ws.user(str(user_id or ""))
        if user is None or user.deleted or user.is_bot:
            raise BadRequest(f"no active human user {user_id!r}")
        return user

    def channel(self, key: Any) -> Channel:
        channel = self.ws.channel(str(key or ""))
        if channel is None:
            raise BadRequest(f"no channel {key!r}")
        return channel

    def member_channel(self, user: User, key: Any, *, public_ok: bool = False) -> Channel:
        channel = self.channel(key)
        visible = public_ok and not channel.is_private and not channel.is_im
        if not channel.is_member(user.id) and not visible:
            raise BadRequest(f"user {user.id} is not a member of {channel.id}")
        return channel

    def message(self, channel: Channel, ts: Any) -> Message:
        message = self.ws.message(channel, str(ts or ""))
        if message is None:
            raise BadRequest(f"no message {ts!r} in {channel.id}")
        return message

    def open_view(self, user: User, view_id: Any) -> View:
        view = self.ws.views.get(str(view_id or ""))
        if view is None or view.user_id != user.id or not view.is_open:
            raise BadRequest(f"no open view {view_id!r} for user {user.id}")
        return view

    # -- dispatch -----------------------------------------------------------------------------------
    async def dispatch(
        self,
        kind: str,
        payload: Json,
        *,
        accepts_response_payload: bool,
        wait: bool,
        extra: Json,
        on_ack: OnAck | None = None,
        on_failure: OnFailure | None = None,
    ) -> Json:
        try:
            delivery = await self.sandbox.hub.deliver(kind, payload, accepts_response_payload=accepts_response_payload)
        except NoSocketOpen:
            if on_failure is not None:
                on_failure("dispatch_failed")
            return {"ok": False, "error": "dispatch_failed", **extra}
        if not wait:
            task = asyncio.create_task(self._settle(delivery, extra, on_ack, on_failure))
            self._tasks.add(task)
            task.add_done_callback(self._settled_in_background)
            return {"ok": True, "envelope_id": delivery.first_envelope_id, "sent_at": delivery.sent_at_wall, **extra}
        return await self._settle(delivery, extra, on_ack, on_failure)

    async def _settle(
        self, delivery: Delivery, extra: Json, on_ack: OnAck | None, on_failure: OnFailure | None
    ) -> Json:
        result = await delivery.result
        base: Json = {
            **extra,
            "envelope_id": result.envelope_id,
            "envelope_ids": list(delivery.envelope_ids),
            "attempts": result.attempts,
        }
        if not result.acked:
            if on_failure is not None:
                on_failure("operation_timeout")
            return {"ok": False, "error": "operation_timeout", "acked": False, **base}
        outcome = on_ack(result) if on_ack is not None else {}
        ack_ms = round(result.ack_ms or 0.0, 3)
        return {"ok": True, "acked": True, "ack_ms": ack_ms, "response": result.payload, **base, **outcome}

    def _settled_in_background(self, task: asyncio.Task[Json]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("applying a late ack failed", exc_info=task.exception())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- slash commands -----------------------------------------------------------------------------
    async def slash(self, *, command: str, text: str, user_id: Any, channel_id: Any, wait: bool) -> Json:
        if not command.startswith("/") or " " in command:
            raise BadRequest(f"command must look like '/incident', not {command!r}")
        user = self.user(user_id)
        channel = self.member_channel(user, channel_id)
        trigger = self.ws.new_trigger(user.id)
        response_url = self.ws.new_response_url(self.sandbox.base_url, channel.id, user.id)
        payload = payloads.slash_command(
            self.ws,
            token=self.token,
            command=command,
            text=text,
            user=user,
            channel=channel,
            response_url=response_url,
            trigger_id=trigger.id,
        )

        def failed(code: str) -> None:
            # What the user sees in Slack when the app never answers.
            self.ws.post(
                channel,
                user=SLACKBOT_ID,
                text=f'{command} failed with the error "{code}"',
                ephemeral_to=user.id,
            )

        return await self.dispatch(
            "slash_commands",
            payload,
            accepts_response_payload=True,
            wait=wait,
            extra={"trigger_id": trigger.id, "response_url": response_url},
            on_ack=lambda result: self._show_slash_response(result.payload, user, channel),
            on_failure=failed,
        )

    def _show_slash_response(self, payload: Json | None, user: User, channel: Channel) -> Json:
        if not payload or not (payload.get("text") or payload.get("blocks")):
            return {}
        blocks = payload.get("blocks")
        if blocks is not None:
            errors = block_errors(blocks)
            if errors:
                self._record_invalid("slash_commands", payload, "invalid_blocks", errors)
                return {"response_error": "invalid_blocks", "messages": errors}
        in_channel = payload.get("response_type") == "in_channel"
        message = self.ws.post(
            channel,
            user=self.ws.bot_user_id,
            text=str(payload.get("text") or ""),
            blocks=with_ids(blocks, self.ws.ids.short_id) if blocks else None,
            ephemeral_to=None if in_channel else user.id,
        )
        return {"response_message_ts": message.ts}

    # -- block actions ------------------------------------------------------------------------------
    async def click(
        self,
        *,
        user_id: Any,
        action_id: str,
        channel_id: Any = None,
        message_ts: Any = None,
        view_id: Any = None,
        block_id: str | None = None,
        value: Any = None,
        wait: bool,
    ) -> Json:
        user = self.user(user_id)
        action_ts = self.ws.ids.message_ts()
        if view_id:
            view = self.open_view(user, view_id)
            block, element = payloads.find_element(view.blocks, action_id, block_id)
            trigger = self.ws.new_trigger(user.id, view_id=view.id)
            action = self._action(element, block, value, action_ts)
            payload = payloads.block_actions(
                self.ws,
                token=self.token,
                user=user,
                trigger_id=trigger.id,
                container={"type": "view", "view_id": view.id},
                actions=[action],
                view=view.to_api(),
            )
            extra: Json = {"trigger_id": trigger.id}
        else:
            channel = self.member_channel(user, channel_id, public_ok=True)
            message = self.message(channel, message_ts)
            if message.ephemeral_to not in (None, user.id):
                raise BadRequest(f"message {message.ts} is ephemeral to another user")
            block, element = payloads.find_element(message.blocks or [], action_id, block_id)
            trigger = self.ws.new_trigger(user.id)
            response_url = self.ws.new_response_url(self.sandbox.base_url, channel.id, user.id, message_ts=message.ts)
            ephemeral = message.ephemeral_to is not None
            container = {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": channel.id,
                "is_ephemeral": ephemeral,
            }
            payload = payloads.block_actions(
                self.ws,
                token=self.token,
                user=user,
                trigger_id=trigger.id,
                container=container,
                actions=[self._action(element, block, value, action_ts)],
                channel=channel,
                message=None if ephemeral else message.to_api(self.ws.team_id),
                response_url=response_url,
            )
            extra = {"trigger_id": trigger.id, "response_url": response_url}
        return await self.dispatch("interactive", payload, accepts_response_payload=False, wait=wait, extra=extra)

    @staticmethod
    def _action(element: Json, block: Json, value: Any, action_ts: str) -> Json:
        if element["type"] == "button":
            chosen: Json = {"type": "button", "text": element.get("text")}
            chosen["value"] = element.get("value") if value is None else value
            if element.get("style"):
                chosen["style"] = element["style"]
        else:
            chosen = payloads.element_value(element, payloads.MISSING if value is None else value)
        return {**chosen, "action_id": element["action_id"], "block_id": block["block_id"], "action_ts": action_ts}

    # -- views --------------------------------------------------------------------------------------
    async def submit_view(self, *, user_id: Any, view_id: Any, values: Json, wait: bool) -> Json:
        user = self.user(user_id)
        view = self.open_view(user, view_id)
        if view.type != "modal":
            raise BadRequest(f"view {view.id} is a {view.type}, not a modal")
        view.state_values = payloads.state_values(view.blocks, values)
        trigger = self.ws.new_trigger(user.id, view_id=view.id)
        payload = payloads.view_submission(
            self.ws, token=self.token, user=user, view=view.to_api(), trigger_id=trigger.id
        )
        return await self.dispatch(
            "interactive",
            payload,
            accepts_response_payload=True,
            wait=wait,
            extra={"trigger_id": trigger.id, "view_id": view.id},
            on_ack=lambda result: self._apply_view_response(view, result.payload),
        )

    def _apply_view_response(self, view: View, payload: Json | None) -> Json:
        """What Slack does with a view_submission ack: close, show errors, update, push or clear."""
        action = (payload or {}).get("response_action")
        if action is None:
            self.ws.close_modal(view)
            return {"view_state": "closed"}
        try:
            if action == "errors":
                errors = (payload or {}).get("errors")
                valid = rules.input_block_ids(view.blocks)
                if not isinstance(errors, dict) or not errors or not set(errors) <= valid:
                    named = sorted(errors) if isinstance(errors, dict) else errors
                    raise SlackError(
                        "invalid_response",
                        messages=[f"errors must name input blocks of the view {sorted(valid)}, got {named}"],
                    )
                return {"view_state": "open", "errors": errors}
            if action in ("update", "push"):
                definition = rules.check_view((payload or {}).get("view"), kind="modal")
                definition = {**definition, "blocks": with_ids(definition["blocks"], self.ws.ids.short_id)}
                if action == "update":
                    return {"view_state": "updated", "view": self.ws.replace_view(view, definition).to_api()}
                return {"view_state": "pushed", "view": self.ws.push_modal(view.user_id, definition).to_api()}
            if action == "clear":
                self.ws.clear_modals(view.user_id)
                return {"view_state": "cleared"}
            raise SlackError("invalid_response", messages=[f"unknown response_action {action!r}"])
        except SlackError as err:
            # Slack shows the user a connection error and leaves the view as it was.
            messages = err.extra.get("response_metadata", {}).get("messages", [])
            self._record_invalid("view_submission", payload or {}, err.code, messages)
            return {"view_state": "open", "response_error": err.code, **err.extra}

    def _record_invalid(self, kind: str, payload: Json, error: str, messages: list[str]) -> None:
        """An ack payload Slack would reject goes in the call log as `ack:<kind>`, not ok."""
        log.info("invalid %s ack payload: %s %s", kind, error, messages)
        self.ws.calls.append(
            CallRecord(
                seq=self.ws.next_call_seq(),
                method=f"ack:{kind}",
                params={"payload": payload, "messages": messages},
                ok=False,
                error=error,
                status=200,
                at=time.time(),
                duration_ms=0.0,
            )
        )

    async def close_view(self, *, user_id: Any, view_id: Any, wait: bool) -> Json:
        user = self.user(user_id)
        view = self.open_view(user, view_id)
        cleared = bool(view.definition.get("clear_on_close"))
        snapshot = view.to_api()
        if cleared:
            self.ws.clear_modals(user.id)
        else:
            self.ws.close_modal(view)
        if not view.definition.get("notify_on_close"):
            return {"ok": True, "dispatched": False, "view_id": view.id}
        payload = payloads.view_closed(self.ws, token=self.token, user=user, view=snapshot, is_cleared=cleared)
        extra = {"view_id": view.id, "dispatched": True}
        return await self.dispatch("interactive", payload, accepts_response_payload=False, wait=wait, extra=extra)

    # -- raw interactions ---------------------------------------------------------------------------
    async def raw_interaction(self, *, payload: Any, user_id: Any = None, wait: bool) -> Json:
        """Deliver an ``interactive`` payload as given: what a stale message or an older release's modal sends.

        The app writes a payload's app-authored parts (button values, ``callback_id``, ``private_metadata``,
        state); Slack adds its own. Those the payload leaves out are filled in as Slack would (``token``,
        ``team``, ``api_app_id``, enterprise fields; with ``user_id``, the ``user`` and a fresh
        ``trigger_id``); nothing the payload sets is changed. A ``view_submission`` envelope accepts a
        response payload; when its ``view.id`` names an open modal of that user, the ack is applied to it.
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise BadRequest("'payload' must be an object with a 'type'")
        slack_owned: Json = {
            "team": {"id": self.ws.team_id, "domain": self.ws.team_domain},
            "api_app_id": self.ws.app_id,
            "token": self.token,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        extra: Json = {}
        user = self.user(user_id) if user_id is not None else None
        if user is not None:
            slack_owned["user"] = user.ref(self.ws.team_id)
            slack_owned["trigger_id"] = extra["trigger_id"] = self.ws.new_trigger(user.id).id
        payload = {**slack_owned, **payload}
        submission = payload["type"] == "view_submission"
        view_ref = payload.get("view")
        view = self.ws.views.get(str(view_ref.get("id"))) if isinstance(view_ref, dict) else None
        owner = (payload.get("user") or {}).get("id") if isinstance(payload.get("user"), dict) else None
        applies = submission and view is not None and view.is_open and view.user_id == owner
        return await self.dispatch(
            "interactive",
            payload,
            accepts_response_payload=submission,
            wait=wait,
            extra=extra,
            on_ack=(lambda result: self._apply_view_response(view, result.payload)) if applies and view else None,
        )

    # -- events -------------------------------------------------------------------------------------
    async def send_event(self, event: Any, *, wait: bool) -> Json:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise BadRequest("event must be an object with a 'type'")
        event = {**event, "event_ts": event.get("event_ts") or self.ws.ids.message_ts()}
        event_id = self.ws.ids.event_id()
        payload = payloads.event_callback(self.ws, token=self.token, event=event, event_id=event_id)
        extra = {"event_id": event_id}
        return await self.dispatch("events_api", payload, accepts_response_payload=False, wait=wait, extra=extra)

    async def react(self, *, user_id: Any, channel_id: Any, message_ts: Any, reaction: str, wait: bool) -> Json:
        user = self.user(user_id)
        channel = self.member_channel(user, channel_id, public_ok=True)
        message = self.message(channel, message_ts)
        name = reaction.strip(":")
        users = message.reactions.setdefault(name, [])
        if user.id in users:
            raise BadRequest(f"{user.id} already reacted with {name!r}")
        users.append(user.id)
        if not channel.is_member(self.ws.bot_user_id):
            return {"ok": True, "dispatched": False}  # Slack sends channel events only to members
        event = {
            "type": "reaction_added",
            "user": user.id,
            "reaction": name,
            "item": {"type": "message", "channel": channel.id, "ts": message.ts},
            "item_user": message.user,
        }
        return await self.send_event(event, wait=wait)

    async def say(self, *, user_id: Any, channel_id: Any, text: str, thread_ts: Any, wait: bool) -> Json:
        user = self.user(user_id)
        channel = self.member_channel(user, channel_id)
        if not text:
            raise BadRequest("text must not be empty")
        message = self.ws.post(channel, user=user.id, text=text, thread_ts=str(thread_ts) if thread_ts else None)
        if not channel.is_member(self.ws.bot_user_id):
            return {"ok": True, "ts": message.ts, "dispatched": False}
        channel_type = (
            "im" if channel.is_im else "mpim" if channel.is_mpim else "group" if channel.is_private else "channel"
        )
        event: Json = {
            "type": "message",
            "channel": channel.id,
            "user": user.id,
            "text": text,
            "ts": message.ts,
            "team": self.ws.team_id,
            "channel_type": channel_type,
            "event_ts": message.ts,
        }
        if message.thread_ts:
            event["thread_ts"] = message.thread_ts
        result = await self.send_event(event, wait=wait)
        return {**result, "ts": message.ts}
