"""SandboxClient: the control API from Python, for tests, benchmarks and the demo."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .control_client import ControlClient, ControlError

Json = dict[str, Any]


class SandboxControlError(ControlError):
    """The sandbox's control API refused a request (HTTP 4xx): ``status`` and the sandbox's ``message``."""


def _drop_none(values: Json) -> Json:
    return {k: v for k, v in values.items() if v is not None}


class SandboxClient(ControlClient):
    """One aiohttp session to a sandbox's `_sandbox/` routes; every method returns parsed JSON."""

    prefix = "_sandbox/"
    error = SandboxControlError

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        super().__init__(base_url, timeout=timeout)

    # -- acting as users ----------------------------------------------------------------------------------
    async def slash(
        self,
        text: str = "",
        *,
        command: str = "/incident",
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        wait: bool = True,
    ) -> Json:
        body = {"command": command, "text": text, "user_id": user, "channel_id": channel, "wait": wait}
        result: Json = await self._request("POST", "slash", body)
        return result

    async def click(
        self,
        *,
        user: str,
        action_id: str,
        channel: str | None = None,
        message_ts: str | None = None,
        value: Any = None,
        block_id: str | None = None,
        view_id: str | None = None,
        wait: bool = True,
    ) -> Json:
        body = _drop_none(
            {
                "user_id": user,
                "channel_id": channel,
                "message_ts": message_ts,
                "action_id": action_id,
                "value": value,
                "block_id": block_id,
                "view_id": view_id,
            }
        )
        result: Json = await self._request("POST", "actions", {**body, "wait": wait})
        return result

    async def submit_view(self, *, user: str, view_id: str, values: Json | None = None, wait: bool = True) -> Json:
        body = {"user_id": user, "view_id": view_id, "values": values or {}, "wait": wait}
        result: Json = await self._request("POST", "views/submit", body)
        return result

    async def close_view(self, *, user: str, view_id: str, wait: bool = True) -> Json:
        result: Json = await self._request("POST", "views/close", {"user_id": user, "view_id": view_id, "wait": wait})
        return result

    async def interact(self, payload: Json, *, user: str | None = None, wait: bool = True) -> Json:
        """Send an interactive payload as given (a stale button, an older release's form); see docs/SANDBOX.md."""
        body = _drop_none({"payload": payload, "user_id": user, "wait": wait})
        result: Json = await self._request("POST", "interactive", body)
        return result

    async def react(self, *, user: str, channel: str, message_ts: str, reaction: str, wait: bool = True) -> Json:
        body = {"user_id": user, "channel_id": channel, "message_ts": message_ts, "reaction": reaction, "wait": wait}
        result: Json = await self._request("POST", "reactions", body)
        return result

    async def send_event(self, event: Json, *, wait: bool = True) -> Json:
        result: Json = await self._request("POST", "events", {"event": event, "wait": wait})
        return result

    async def say(self, *, user: str, channel: str, text: str, thread_ts: str | None = None, wait: bool = True) -> Json:
        """Post a message as a user; the app gets a `message` event if it is in the channel."""
        body = _drop_none({"user_id": user, "channel_id": channel, "text": text, "thread_ts": thread_ts})
        result: Json = await self._request("POST", "messages", {**body, "wait": wait})
        return result

    # -- reading state ------------------------------------------------------------------------------------
    async def info(self) -> Json:
        result: Json = await self._request("GET", "")
        return result

    async def channels(self) -> list[Json]:
        result: list[Json] = await self._request("GET", "channels")
        return result

    async def channel(self, id_or_name: str) -> Json:
        result: Json = await self._request("GET", f"channels/{quote(id_or_name, safe='')}")
        return result

    async def messages(self, channel_id_or_name: str, *, include_ephemeral: bool = True) -> list[Json]:
        path = f"channels/{quote(channel_id_or_name, safe='')}/messages"
        result: list[Json] = await self._request("GET", path, query={"include_ephemeral": int(include_ephemeral)})
        return result

    async def ephemerals(self, user: str) -> list[Json]:
        result: list[Json] = await self._request("GET", f"users/{user}/ephemeral")
        return result

    async def dms(self, user: str) -> Json:
        """`{"channel": "D…", "messages": [...]}` for the bot's DM with the user."""
        result: Json = await self._request("GET", f"users/{user}/dms")
        return result

    async def user(self, user_id: str) -> Json:
        result: Json = await self._request("GET", f"users/{user_id}")
        return result

    async def views(self, user: str | None = None, *, open_only: bool = False) -> list[Json]:
        result: list[Json] = await self._request("GET", "views", query={"user_id": user, "open": int(open_only)})
        return result

    async def calls(self, method: str | None = None) -> list[Json]:
        result: list[Json] = await self._request("GET", "calls", query={"method": method})
        return result

    async def clear_calls(self) -> Json:
        result: Json = await self._request("DELETE", "calls")
        return result

    # -- faults and sockets -------------------------------------------------------------------------------
    async def fault(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float | None = None,
        times: int = 1,
    ) -> Json:
        body = _drop_none(
            {
                "method": method,
                "status": status,
                "error": error,
                "retry_after": retry_after,
                "delay": delay,
                "times": times,
            }
        )
        result: Json = await self._request("POST", "faults", body)
        return result

    async def faults(self) -> list[Json]:
        result: list[Json] = await self._request("GET", "faults")
        return result

    async def clear_faults(self) -> Json:
        result: Json = await self._request("DELETE", "faults")
        return result

    async def drop_socket(self, *, silent: bool = False, socket: int | None = None) -> Json:
        """Cut every socket (or the one with id `socket`); `silent` leaves it half-open instead."""
        result: Json = await self._request("POST", "socket/drop", _drop_none({"silent": silent, "socket": socket}))
        return result

    async def disconnect_socket(
        self, reason: str = "refresh_requested", *, delay: float | None = None, socket: int | None = None
    ) -> Json:
        body = _drop_none({"reason": reason, "delay": delay, "socket": socket})
        result: Json = await self._request("POST", "socket/disconnect", body)
        return result

    async def socket_info(self) -> Json:
        result: Json = await self._request("GET", "socket")
        return result

    # -- setup --------------------------------------------------------------------------------------------
    async def add_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
    ) -> Json:
        body = _drop_none(
            {
                "name": name,
                "id": user_id,
                "real_name": real_name,
                "tz": tz,
                "email": email,
                "deleted": deleted,
                "is_bot": is_bot,
            }
        )
        result: Json = await self._request("POST", "users", body)
        return result

    async def add_channel(
        self,
        name: str,
        *,
        members: list[str] | None = None,
        bot_member: bool = True,
        is_private: bool = False,
        topic: str | None = None,
        purpose: str | None = None,
    ) -> Json:
        body = _drop_none(
            {
                "name": name,
                "members": members or [],
                "bot_member": bot_member,
                "is_private": is_private,
                "topic": topic,
                "purpose": purpose,
            }
        )
        result: Json = await self._request("POST", "channels", body)
        return result

    async def join(self, channel: str, *, user: str) -> Json:
        """``user`` joins a public channel."""
        result: Json = await self._request("POST", f"channels/{channel}/join", {"user_id": user})
        return result

    async def reset(self) -> Json:
        result: Json = await self._request("POST", "reset")
        return result
