"""Socket Mode: several live WebSocket connections to Slack; each envelope dispatched to bolt and acked.

Slack sends each envelope to one of the app's live connections and redelivers what a dying one had
not acked to another, so holding ``SLACK_SOCKET_CONNECTIONS`` of them means one dying loses nothing.
slack_sdk's SocketModeClient holds one, closes the old session before opening its replacement (see
its ``connect()``) and notices a silent one only after four ping intervals; so the sessions here are
our own, on aiohttp: one closed or silent is replaced at once, and on ``disconnect`` the replacement
is open before the old one is closed. slack_sdk still opens the URLs (apps.connections.open, through
the Web API client and its retry handlers) and shapes envelopes and acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.health import CheckFailedError
from incidentbot.logs import log_context
from incidentbot.metrics import Metrics
from incidentbot.slack.identity import REJECTION_ERRORS, SlackAuthRejectedError

__all__ = ["Liveness", "SocketConnections"]

logger = logging.getLogger(__name__)

HELLO_TIMEOUT_SECONDS = 10.0  # a socket Slack has not greeted by then is given up and another opened
CLOSE_TIMEOUT_SECONDS = 2.0  # a dead peer never answers our close frame
RETRY_FIRST_SECONDS = 0.5  # after a failed open; doubles up to RETRY_MAX_SECONDS
RETRY_MAX_SECONDS = 30.0
RETIRE_SECONDS = 10.0  # how long a replaced connection that was told to leave may wait for Slack to close it
STOP_GRACE_SECONDS = 1.0  # envelopes being dispatched at stop (listeners ack with no I/O: milliseconds)


@dataclass(frozen=True)
class Liveness:
    """How often a connection is pinged, and how long it may stay silent before it counts as dead."""

    probe_every: float
    silent_after: float

    @classmethod
    def from_ping_interval(cls, ping_interval: float) -> Liveness:
        # A tenth of the interval and 0.4 of it: 1 s and 4 s with the default 10 s, so a half-open
        # socket is replaced within about 5 s. The 2 s floor keeps a busy event loop from counting
        # as silence.
        return cls(probe_every=max(ping_interval / 10, 0.1), silent_after=max(ping_interval * 0.4, 2.0))


@dataclass(eq=False)
class _Session:
    """One WebSocket: whether Slack greeted it, when it last heard from it, and why it is being replaced."""

    slot: int
    number: int
    ws: aiohttp.ClientWebSocketResponse
    greeted: asyncio.Event = field(default_factory=asyncio.Event)
    replace: asyncio.Event = field(default_factory=asyncio.Event)
    last_heard: float = field(default_factory=time.monotonic)
    why: str = ""
    told_to_leave: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.greeted.is_set() and not self.replace.is_set() and not self.ws.closed

    def end(self, why: str) -> None:
        if not self.replace.is_set():
            self.why = why
            self.replace.set()


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


class SocketConnections:
    """Keeps ``count`` Socket Mode connections live; readiness and the gauge count the live ones."""

    def __init__(
        self,
        *,
        app: AsyncApp,
        app_token: str,
        web_client: AsyncWebClient,
        metrics: Metrics,
        ping_interval: float,
        count: int,
    ) -> None:
        self._app = app
        self._app_token = app_token
        self._web_client = web_client
        self._metrics = metrics
        self._liveness = Liveness.from_ping_interval(ping_interval)
        self._count = count
        self._sessions: set[_Session] = set()
        self._opened = 0
        self._keepers: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        self._stopping = False

    def live(self) -> int:
        """Connections greeted by Slack, open, heard from lately and not told to leave."""
        return sum(1 for s in self._sessions if s.live)

    async def check(self) -> str:
        """Readiness check: passes while at least one connection is live."""
        live = self.live()
        if live == 0:
            raise CheckFailedError(f"no Socket Mode connection is live (0 of {self._count})")
        return f"{live} of {self._count} connections live (sessions opened: {self._opened})"

    async def start(self) -> None:
        """Validate the app token, then open the connections in the background, each kept up by its own task."""
        self._http = aiohttp.ClientSession()
        self._metrics.watch_socket(self.live)
        first_url: str | None = None
        try:
            first_url = await self._new_url()
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown"))
            if error in REJECTION_ERRORS or error == "missing_scope":
                await self._http.close()
                raise SlackAuthRejectedError(f"Slack rejected SLACK_APP_TOKEN ({error})") from None
            logger.warning("apps.connections.open failed (%s); will keep trying", error)
        except Exception as exc:
            logger.warning("apps.connections.open failed (%s: %s); will keep trying", type(exc).__name__, exc)
        for slot in range(1, self._count + 1):
            url = first_url if slot == 1 else None
            self._keepers.append(asyncio.create_task(self._keep(slot, url), name=f"socket-{slot}"))

    async def stop(self) -> None:
        """Stop intake: close every connection. Unacked envelopes go back to Slack, which redelivers them."""
        self._stopping = True
        for keeper in self._keepers:
            keeper.cancel()
        await asyncio.gather(*self._keepers, return_exceptions=True)
        await asyncio.gather(*(self._close(s) for s in list(self._sessions)), return_exceptions=True)
        if self._background:
            _, late = await asyncio.wait(self._background, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        logger.info("socket closed: no longer taking envelopes")

    # -- keeping a connection up ---------------------------------------------------------------------
    async def _keep(self, slot: int, url: str | None) -> None:
        """One connection's life: open it, wait until it must be replaced, replace it; forever."""
        leaving: _Session | None = None
        opened_here = 0
        while True:
            session = await self._open(slot, url)
            url = None
            opened_here += 1
            if opened_here > 1:
                self._metrics.socket_reconnects.inc()
            if leaving is not None:
                self._spawn(self._retire(leaving))
                leaving = None
            await session.replace.wait()
            if session.told_to_leave and not session.ws.closed:
                leaving = session  # it may still deliver envelopes until the replacement is up
            else:
                self._close_soon(session)

    async def _open(self, slot: int, url: str | None) -> _Session:
        """A new connection greeted by Slack; retried with backoff until one is."""
        assert self._http is not None
        wait = RETRY_FIRST_SECONDS
        while True:
            try:
                ws = await self._http.ws_connect(
                    url or await self._new_url(),
                    autoping=False,  # pongs are how we know the socket is alive, so we read them
                    timeout=aiohttp.ClientWSTimeout(ws_close=CLOSE_TIMEOUT_SECONDS),
                    proxy=self._web_client.proxy,
                    ssl=self._web_client.ssl if self._web_client.ssl is not None else True,
                )
            except Exception as exc:
                error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
                logger.warning("could not open socket %d (%s); trying again in %.1f s", slot, error, wait)
            else:
                self._opened += 1
                session = _Session(slot, self._opened, ws)
                self._sessions.add(session)
                session.tasks = [
                    asyncio.create_task(self._read(session), name=f"socket-{slot}-read"),
                    asyncio.create_task(self._watch(session), name=f"socket-{slot}-watch"),
                ]
                greeted = asyncio.create_task(session.greeted.wait())
                ended = asyncio.create_task(session.replace.wait())
                await asyncio.wait({greeted, ended}, timeout=HELLO_TIMEOUT_SECONDS, return_when=asyncio.FIRST_COMPLETED)
                greeted.cancel()
                ended.cancel()
                if session.live:
                    return session
                logger.warning("socket %d was not greeted (%s); trying again in %.1f s", slot, session.why, wait)
                self._close_soon(session)
            url = None
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_MAX_SECONDS)

    async def _new_url(self) -> str:
        response = await self._web_client.apps_connections_open(app_token=self._app_token)
        return str(response["url"])

    async def _retire(self, session: _Session) -> None:
        """A connection told to leave, now replaced: Slack closes it in a few seconds, once what it sent is acked."""
        await asyncio.wait(session.tasks[:1], timeout=RETIRE_SECONDS)
        await self._close(session)

    def _close_soon(self, session: _Session) -> None:
        """Close in the background, so opening the next connection does not wait for a dead peer."""
        self._spawn(self._close(session))

    async def _close(self, session: _Session) -> None:
        session.end("closed by us")
        try:
            await session.ws.close()
        except Exception as exc:
            logger.debug("closing socket %d: %s", session.slot, exc)
        for task in session.tasks:
            task.cancel()
        await asyncio.gather(*session.tasks, return_exceptions=True)
        self._sessions.discard(session)

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- one connection --------------------------------------------------------------------------------
    async def _read(self, session: _Session) -> None:
        """Every frame counts as a sign of life; text frames are hello, disconnect or an envelope."""
        try:
            async for message in session.ws:
                session.last_heard = time.monotonic()
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._on_text(session, message.data)
                elif message.type == aiohttp.WSMsgType.PING:
                    await session.ws.pong(message.data)
                elif message.type == aiohttp.WSMsgType.ERROR:
                    break
        except (ConnectionError, aiohttp.ClientError) as exc:
            logger.debug("socket %d read failed: %s", session.slot, exc)
        finally:
            self._lost(session, "closed")

    async def _watch(self, session: _Session) -> None:
        """Ping often; a connection that has sent nothing for ``silent_after`` is dead (half-open)."""
        while not session.replace.is_set():
            await asyncio.sleep(self._liveness.probe_every)
            silent_for = time.monotonic() - session.last_heard
            if silent_for > self._liveness.silent_after:
                self._lost(session, f"silent for {silent_for:.1f} s")
                return
            with contextlib.suppress(ConnectionError, aiohttp.ClientError, RuntimeError):
                await session.ws.ping(b"incidentbot")

    def _lost(self, session: _Session, why: str) -> None:
        was_live = session.live
        session.end(why)
        if was_live and not self._stopping:
            logger.warning(
                "socket disconnected (connection %d, %s); opening a replacement, %d of %d live",
                session.slot,
                why,
                self.live(),
                self._count,
            )

    def _on_text(self, session: _Session, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            logger.warning("socket %d sent text that is not JSON", session.slot)
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == "hello":
            session.greeted.set()
            logger.info(
                "socket connected (connection %d of %d, session %d; Slack counts %s)",
                session.slot,
                self._count,
                session.number,
                message.get("num_connections"),
            )
        elif kind == "disconnect":
            was_live = session.live
            session.told_to_leave = True
            session.end(f"disconnect: {message.get('reason')}")
            if was_live:
                logger.warning(
                    "socket disconnected by Slack (connection %d, %s); opening its replacement before closing it",
                    session.slot,
                    message.get("reason"),
                )
        elif "envelope_id" in message:
            self._spawn(self._dispatch(session, message))

    async def _dispatch(self, session: _Session, message: dict[str, Any]) -> None:
        """Dispatch one envelope to bolt and ack it on its connection. Listeners ack at once and defer work."""
        req = SocketModeRequest.from_dict(message)
        if req is None:
            return
        if self._stopping:
            return  # intake has stopped: no ack, so Slack delivers it again to a live connection
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
            except Exception as exc:
                # bolt could not even parse it (a payload missing what Slack always sends): the same
                # payload would fail the same way on every redelivery, so ack it once and say so.
                logger.warning("an envelope bolt could not read was acked and ignored (%s)", type(exc).__name__)
                response = BoltResponse(status=200, body="")
            if response.status == 404:
                # Nothing here handles it (an event we subscribe to but do not use yet). Ack it, or
                # Slack keeps redelivering it and may turn the subscription off.
                logger.info("no listener for this envelope; acked and ignored")
                response.body = ""
            elif response.status != 200:
                # bolt failed on the payload itself (our listeners never raise): the same payload would
                # fail again on every redelivery, so it is acked once rather than left to Slack's retries.
                logger.warning("an envelope bolt could not handle (status %s) was acked and ignored", response.status)
                response.body = ""
            payload: dict[str, Any] | None = None
            if response.body:
                content_type = response.headers.get("content-type", [""])[0]
                payload = (
                    json.loads(response.body)
                    if content_type.startswith("application/json")
                    else {"text": response.body}
                )
            ack = SocketModeResponse(envelope_id=req.envelope_id, payload=payload)
            try:
                await session.ws.send_str(json.dumps(ack.to_dict()))
            except (ConnectionError, aiohttp.ClientError, RuntimeError) as exc:
                logger.warning("ack lost with its connection (%s); Slack will deliver it again", exc)
                return
            self._metrics.ack_latency.labels(req.type).observe(time.perf_counter() - received)
