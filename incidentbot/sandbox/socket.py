"""Socket Mode: the WebSocket endpoint, envelope delivery, ack tracking and redelivery.

Delivery never polls: each envelope's ack is an asyncio future that the socket reader resolves,
and a per-delivery task waits on it with the ack timeout before redelivering.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .faults import LOST_ACK, FaultInjector
from .ids import IdFactory
from .models import Json

log = logging.getLogger(__name__)

ENVELOPE_KINDS = ("slash_commands", "interactive", "events_api")
MAX_LATENCIES_KEPT = 100_000
MAX_TICKETS_KEPT = 1000
CLOSE_TIMEOUT = 2.0  # seconds to wait for the client's half of a close handshake


class NoSocketOpen(Exception):
    """No Socket Mode connection can take an envelope: Slack's `dispatch_failed`."""


@dataclass(eq=False)
class Connection:
    id: int
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    opened_at: float
    draining: bool = False
    silent: bool = False
    sent: int = 0
    acked: int = 0

    @property
    def usable(self) -> bool:
        # A silent (half-open) socket still looks open to Slack: it keeps getting envelopes, which vanish.
        return not (self.draining or self.ws.closed)

    def to_control(self) -> Json:
        return {
            "id": self.id,
            "opened_at": self.opened_at,
            "draining": self.draining,
            "silent": self.silent,
            "closed": self.ws.closed,
            "envelopes_sent": self.sent,
            "acked": self.acked,
        }


@dataclass(frozen=True)
class AckResult:
    acked: bool
    envelope_id: str
    attempts: int
    ack_ms: float | None
    payload: Json | None


@dataclass(eq=False)
class Delivery:
    """One thing Slack must get to the app, across all its attempts (each with a new envelope id)."""

    kind: str
    payload: Json
    accepts_response_payload: bool
    result: asyncio.Future[AckResult]
    sent_at_wall: float = 0.0
    attempts: int = 0
    envelope_ids: list[str] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)

    @property
    def first_envelope_id(self) -> str:
        return self.envelope_ids[0]


class SocketHub:
    def __init__(
        self,
        *,
        app_id: str,
        ids: IdFactory,
        ack_timeout: float,
        max_retries: int,
        disconnect_delay: float,
        max_connections: int,
        faults: FaultInjector | None = None,
    ) -> None:
        self.app_id = app_id
        self.ids = ids
        self.ack_timeout = ack_timeout
        self.max_retries = max_retries
        self.disconnect_delay = disconnect_delay
        self.max_connections = max_connections
        self.faults = faults or FaultInjector()
        self.tickets: dict[str, None] = {}  # insertion-ordered, so the oldest can be dropped
        self.connections: list[Connection] = []
        self.pending: dict[str, Delivery] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closers: list[asyncio.TimerHandle] = []
        self._next_id = 0
        self._rr = 0
        self.reset_stats()

    def reset_stats(self) -> None:
        self.opened_total = 0
        self.envelopes_sent = 0
        self.acked = 0
        self.retried = 0
        self.timed_out = 0
        self.late_acks = 0
        self.latencies: collections.deque[float] = collections.deque(maxlen=MAX_LATENCIES_KEPT)

    def issue_ticket(self) -> str:
        ticket = self.ids.url_token() + self.ids.url_token()
        self.tickets[ticket] = None
        while len(self.tickets) > MAX_TICKETS_KEPT:
            del self.tickets[next(iter(self.tickets))]
        return ticket

    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections if not c.ws.closed]

    # -- the endpoint -------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """GET /socket?ticket=…: a ticket from apps.connections.open opens exactly one socket."""
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        del self.tickets[ticket]
        # autoping off: pongs are answered by hand, so a "silent" socket can stop answering them.
        ws = web.WebSocketResponse(autoping=False, timeout=CLOSE_TIMEOUT)
        transport = request.transport
        await ws.prepare(request)
        self._next_id += 1
        conn = Connection(self._next_id, ws, transport, time.time())
        if len(self.open_connections()) >= self.max_connections:
            await self._send_disconnect(conn, "too_many_websockets")
            await ws.close()
            return ws
        self.connections.append(conn)
        self.opened_total += 1
        hello = {
            "type": "hello",
            "num_connections": len(self.open_connections()),
            "debug_info": {"host": "sandbox", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await ws.send_str(json.dumps(hello))
            async for msg in ws:
                received = time.perf_counter()
                if msg.type == WSMsgType.TEXT:
                    self._on_text(conn, msg.data, received)
                elif msg.type == WSMsgType.PING and not conn.silent:
                    # slack_sdk pings with "sdk-ping-pong:<time>" and reads the time back from the pong.
                    await ws.pong(msg.data)
        except ConnectionResetError:
            log.debug("socket %d ended abruptly", conn.id)
        finally:
            if conn in self.connections:
                self.connections.remove(conn)
        return ws

    def _on_text(self, conn: Connection, raw: str, received: float) -> None:
        if conn.silent:
            return
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("socket %d sent text that is not JSON: %.200r", conn.id, raw)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            return
        delivery = self.pending.get(envelope_id)
        if delivery is None or delivery.result.done():
            self.late_acks += 1
            return
        if self.faults.take(LOST_ACK) is not None:
            log.info("ack of %s lost in transit (fault); it will be redelivered", envelope_id)
            return
        ack_ms = (received - delivery.sent_at.get(envelope_id, received)) * 1000
        payload = message.get("payload")
        self.acked += 1
        conn.acked += 1
        self.latencies.append(ack_ms)
        delivery.result.set_result(
            AckResult(
                True,
                envelope_id,
                delivery.attempts,
                ack_ms,
                payload if isinstance(payload, dict) and payload else None,
            )
        )

    # -- delivery -----------------------------------------------------------------------------------
    async def deliver(self, kind: str, payload: Json, *, accepts_response_payload: bool) -> Delivery:
        """Send an envelope now; redeliver until acked or retries run out (see `Delivery.result`)."""
        delivery = Delivery(kind, payload, accepts_response_payload, asyncio.get_running_loop().create_future())
        delivery.sent_at_wall = time.time()
        if not await self._send(delivery, retry_reason=""):
            self._forget(delivery)
            raise NoSocketOpen
        task = asyncio.create_task(self._drive(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery

    async def _drive(self, delivery: Delivery) -> None:
        try:
            while True:
                done, _ = await asyncio.wait({delivery.result}, timeout=self.ack_timeout)
                if done:
                    return
                if delivery.attempts > self.max_retries:
                    self.timed_out += 1
                    delivery.result.set_result(
                        AckResult(False, delivery.envelope_ids[-1], delivery.attempts, None, None)
                    )
                    return
                self.retried += 1
                await self._send(delivery, retry_reason="timeout")
        finally:
            if not delivery.result.done():
                delivery.result.cancel()
            self._forget(delivery)

    async def _send(self, delivery: Delivery, *, retry_reason: str) -> bool:
        attempt = delivery.attempts
        delivery.attempts += 1
        envelope_id = self.ids.envelope_id()
        envelope: Json = {
            "envelope_id": envelope_id,
            "payload": delivery.payload,
            "type": delivery.kind,
            "accepts_response_payload": delivery.accepts_response_payload,
        }
        if delivery.kind == "events_api" or attempt > 0:
            envelope["retry_attempt"] = attempt
            envelope["retry_reason"] = retry_reason if attempt else ""
        delivery.envelope_ids.append(envelope_id)
        self.pending[envelope_id] = delivery
        text = json.dumps(envelope)
        for _ in range(len(self.connections)):
            conn = self._pick()
            if conn is None:
                break
            delivery.sent_at[envelope_id] = time.perf_counter()
            try:
                if not conn.silent:
                    await conn.ws.send_str(text)
            except (ConnectionResetError, RuntimeError) as exc:
                log.info("socket %d could not take envelope %s: %s", conn.id, envelope_id, exc)
                continue
            conn.sent += 1
            self.envelopes_sent += 1
            return True
        return False

    def _pick(self) -> Connection | None:
        usable = [c for c in self.connections if c.usable]
        if not usable:
            return None
        self._rr += 1
        return usable[self._rr % len(usable)]

    def _forget(self, delivery: Delivery) -> None:
        for envelope_id in delivery.envelope_ids:
            self.pending.pop(envelope_id, None)

    # -- control ------------------------------------------------------------------------------------
    def _targets(self, socket_id: int | None) -> list[Connection]:
        """Every open socket that still answers, or only the one with that id."""
        return [
            c for c in self.connections if not c.ws.closed and not c.silent and (socket_id is None or c.id == socket_id)
        ]

    async def disconnect(self, reason: str, *, delay: float | None = None, socket_id: int | None = None) -> int:
        """Ask every usable socket (or one) to go away, then close each after `delay` seconds."""
        targets = [c for c in self._targets(socket_id) if c.usable]
        loop = asyncio.get_running_loop()
        wait = self.disconnect_delay if delay is None else delay
        for conn in targets:
            conn.draining = True
            await self._send_disconnect(conn, reason)
            self._closers.append(loop.call_later(wait, self._close_later, conn))
        return len(targets)

    def _close_later(self, conn: Connection) -> None:
        task = asyncio.create_task(conn.ws.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_disconnect(self, conn: Connection, reason: str) -> None:
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "sandbox"}}
        try:
            await conn.ws.send_str(json.dumps(message))
        except (ConnectionResetError, RuntimeError):
            log.debug("socket %d closed before its disconnect message", conn.id)

    def drop(self, *, silent: bool = False, socket_id: int | None = None) -> int:
        """Cut sockets (or one) without a word, or (`silent`) leave them half-open: Slack still sends
        envelopes, which never arrive, and nothing the app sends (acks, pings) arrives either."""
        targets = self._targets(socket_id)
        for conn in targets:
            if silent:
                conn.silent = True
            elif conn.transport is not None:
                conn.transport.abort()  # type: ignore[attr-defined]
        return len(targets)

    def info(self) -> Json:
        latencies = sorted(self.latencies)
        stats: Json = {"count": len(latencies)}
        if latencies:
            stats.update(
                mean=round(statistics.fmean(latencies), 3),
                p50=round(_percentile(latencies, 50), 3),
                p95=round(_percentile(latencies, 95), 3),
                p99=round(_percentile(latencies, 99), 3),
                max=round(latencies[-1], 3),
                last=round(self.latencies[-1], 3),
            )
        return {
            "connections": len(self.open_connections()),
            "usable": sum(1 for c in self.connections if c.usable),
            "opened_total": self.opened_total,
            "envelopes_sent": self.envelopes_sent,
            "acked": self.acked,
            "retried": self.retried,
            "timed_out": self.timed_out,
            "late_acks": self.late_acks,
            "pending": len({id(d) for d in self.pending.values()}),
            "ack_ms": stats,
            "sockets": [c.to_control() for c in self.open_connections()],
        }

    async def close(self) -> None:
        for handle in self._closers:
            handle.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(conn.ws.close() for conn in self.connections), return_exceptions=True)


def _percentile(ordered: list[float], pct: float) -> float:
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
