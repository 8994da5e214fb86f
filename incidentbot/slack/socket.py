"""The Socket Mode connection: opens the WebSocket, hands each envelope to bolt, acks it, and watches state.

slack_sdk's client does the protocol and reconnects after a dropped socket or a ``disconnect``
message; this module adds what an operator needs around it: one log line per state change, the
connected gauge and reconnect counter, ack latency per envelope type, and request context in logs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.health import CheckFailedError
from incidentbot.logs import log_context
from incidentbot.metrics import Metrics
from incidentbot.slack.identity import REJECTION_ERRORS, SlackAuthRejectedError

__all__ = ["SocketConnection"]

logger = logging.getLogger(__name__)

STATE_POLL_SECONDS = 0.25


class _ObservedClient(SocketModeClient):
    """SocketModeClient that reports when it starts (re)connecting."""

    on_connecting: Any = None

    async def connect(self) -> None:
        if self.on_connecting is not None:
            self.on_connecting()
        await super().connect()  # type: ignore[no-untyped-call]


def _context_of(req: SocketModeRequest) -> dict[str, Any]:
    """The fields worth having on every log line written while handling this envelope."""
    p = req.payload
    user = p.get("user_id") or (p.get("user") or {}).get("id") or (p.get("event") or {}).get("user")
    return {
        "envelope_id": req.envelope_id,
        "envelope_type": req.type,
        "retry_attempt": req.retry_attempt or None,
        "command": p.get("command"),
        "interaction": p.get("type") if req.type == "interactive" else None,
        "event": (p.get("event") or {}).get("type"),
        "event_id": p.get("event_id"),
        "user": user,
        "channel": p.get("channel_id") or (p.get("channel") or {}).get("id"),
    }


class SocketConnection:
    def __init__(
        self,
        *,
        app: AsyncApp,
        app_token: str,
        web_client: AsyncWebClient,
        metrics: Metrics,
        ping_interval: float,
    ) -> None:
        self._app = app
        self._app_token = app_token
        self._web_client = web_client
        self._metrics = metrics
        self._ping_interval = ping_interval
        self._client: _ObservedClient | None = None
        self._sessions = 0
        self._hello_session: object | None = None
        self._reported_connected = False
        self._watcher: asyncio.Task[None] | None = None
        self._connector: asyncio.Task[None] | None = None

    def is_connected(self) -> bool:
        """Open, answering pings, and greeted: Slack delivers envelopes only after its ``hello``."""
        c = self._client
        return bool(
            c is not None
            and not c.closed
            and not c.stale
            and c.current_session is not None
            and not c.current_session.closed
            and self._hello_session is c.current_session
        )

    async def check(self) -> str:
        """Readiness check."""
        if not self.is_connected():
            raise CheckFailedError("Socket Mode WebSocket is not connected")
        return f"connected (sessions opened: {self._sessions})"

    async def start(self) -> None:
        """Validate the app token, then connect in the background (slack_sdk retries until it succeeds)."""
        client = _ObservedClient(
            app_token=self._app_token,
            logger=logging.getLogger("slack_sdk.socket_mode"),
            web_client=self._web_client,
            ping_interval=self._ping_interval,
        )
        client.on_connecting = self._connecting
        client.message_listeners.append(self._on_message)
        client.socket_mode_request_listeners.append(self._on_request)
        self._client = client
        self._metrics.watch_socket(self.is_connected)
        try:
            client.wss_uri = await client.issue_new_wss_url()
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown"))
            if error in REJECTION_ERRORS or error == "missing_scope":
                raise SlackAuthRejectedError(f"Slack rejected SLACK_APP_TOKEN ({error})") from None
            logger.warning("apps.connections.open failed (%s); will keep trying", error)
        except Exception as exc:
            logger.warning("apps.connections.open failed (%s: %s); will keep trying", type(exc).__name__, exc)
        self._connector = asyncio.create_task(client.connect(), name="socket-connect")
        self._watcher = asyncio.create_task(self._watch(), name="socket-watch")

    async def stop(self) -> None:
        """Stop intake: close the socket. Unacked envelopes go back to Slack, which redelivers them."""
        for task in (self._watcher, self._connector):
            if task is not None:
                task.cancel()
        if self._client is not None:
            await self._client.close()  # type: ignore[no-untyped-call]
        self._reported_connected = False
        logger.info("socket closed: no longer taking envelopes")

    def _connecting(self) -> None:
        """slack_sdk is about to open a session: the first one, or a replacement after a drop or a refresh."""
        if self._reported_connected:
            self._reported_connected = False
            logger.warning("socket disconnected; reconnecting")

    async def _on_message(self, client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None) -> None:
        if message.get("type") == "hello":
            self._hello_session = getattr(client, "current_session", None)
            self._sessions += 1
            if self._sessions > 1:
                self._metrics.socket_reconnects.inc()
            self._reported_connected = True
            logger.info(
                "socket connected (session %d, %s connection(s) open)", self._sessions, message.get("num_connections")
            )

    async def _watch(self) -> None:
        """Catch a socket that died without slack_sdk reconnecting yet (noticed by its ping monitor later)."""
        while True:
            if self._reported_connected and not self.is_connected():
                self._reported_connected = False
                logger.warning("socket disconnected; waiting for slack_sdk to reconnect")
            await asyncio.sleep(STATE_POLL_SECONDS)

    async def _on_request(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Dispatch one envelope to bolt and send its ack. Listeners ack at once and defer their work."""
        received = time.perf_counter()
        self._metrics.envelopes.labels(req.type).inc()
        if req.retry_attempt:
            self._metrics.envelope_retries.labels(req.type).inc()
        with log_context(**_context_of(req)):
            headers: dict[str, str | Sequence[str]] = {}
            if req.retry_attempt is not None:
                headers["x-slack-retry-num"] = str(req.retry_attempt)
            if req.retry_reason is not None:
                headers["x-slack-retry-reason"] = req.retry_reason
            try:
                response = await self._app.async_dispatch(
                    AsyncBoltRequest(mode="socket_mode", body=req.payload, headers=headers or None)
                )
            except Exception:
                logger.exception("bolt failed to dispatch an envelope; leaving it unacked for Slack to redeliver")
                return
            if response.status == 404:
                # Nothing here handles it (an event we subscribe to but do not use yet). Ack it, or
                # Slack keeps redelivering it and may turn the subscription off.
                logger.info("no listener for this envelope; acked and ignored")
                response.body = ""
            elif response.status != 200:
                logger.warning("envelope not acked (status %s); Slack will deliver it again", response.status)
                return
            payload: dict[str, Any] | None = None
            if response.body:
                content_type = response.headers.get("content-type", [""])[0]
                payload = (
                    json.loads(response.body)
                    if content_type.startswith("application/json")
                    else {"text": response.body}
                )
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))
            self._metrics.ack_latency.labels(req.type).observe(time.perf_counter() - received)
