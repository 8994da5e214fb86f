"""The side server faces strangers on 0.0.0.0: bad requests cost one log line, dawdlers are cut off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from incidentbot.health import Readiness
from incidentbot.metrics import Metrics
from incidentbot.web.server import SideServer

# Generous: the server's own timeout below is 0.3 s, so only a server that never closes hits this.
WAIT = 5.0


@pytest.fixture
async def server() -> AsyncIterator[SideServer]:
    side = SideServer(host="127.0.0.1", port=0, readiness=Readiness(), metrics=Metrics(), request_timeout=0.3)
    await side.start()
    try:
        yield side
    finally:
        await side.stop()


async def _connect(server: SideServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    assert server.port is not None
    return await asyncio.open_connection("127.0.0.1", server.port)


async def _exchange(server: SideServer, request: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection."""
    reader, writer = await _connect(server)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), WAIT)
    finally:
        writer.close()


async def _health_answers(server: SideServer) -> bool:
    answer = await _exchange(server, b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
    return answer.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", id="tls-hello-garbage"),
        pytest.param(b"GET /health HTTP/9.9 extra\r\n\r\n", id="bad-request-line"),
        pytest.param(b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", id="oversize-header"),
    ],
)
async def test_a_malformed_request_logs_one_warning_without_traceback_and_the_server_keeps_serving(
    server: SideServer, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = await _exchange(server, request_bytes)
    assert answer.startswith((b"HTTP/1.0 400 ", b"HTTP/1.1 400 "))
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    (line,) = logged
    assert line.levelname == "WARNING" and line.exc_info is None and not line.exc_text
    assert line.getMessage().startswith("rejected a malformed HTTP request from 127.0.0.1 (")
    assert b"aaaa" not in line.getMessage().encode() and "garbage" not in line.getMessage()
    assert await _health_answers(server)


async def test_an_error_in_a_handler_is_still_an_error_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only what strangers send is quietened: a bug of ours must stay loud."""

    class BrokenReadiness(Readiness):
        async def report(self) -> object:  # type: ignore[override]
            raise RuntimeError("bug in a check")

    side = SideServer(host="127.0.0.1", port=0, readiness=BrokenReadiness(), metrics=Metrics())
    await side.start()
    try:
        caplog.set_level(logging.INFO)
        answer = await _exchange(side, b"GET /ready HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
    finally:
        await side.stop()
    assert answer.startswith(b"HTTP/1.1 500 ")
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.levelname == "ERROR" and line.exc_info is not None


async def test_a_connection_that_sends_nothing_is_closed(server: SideServer) -> None:
    reader, writer = await _connect(server)
    try:
        assert await asyncio.wait_for(reader.read(), WAIT) == b""
    finally:
        writer.close()


async def test_a_request_trickled_byte_by_byte_is_cut_off(server: SideServer) -> None:
    """Slowloris: headers that never end, a byte at a time, must not hold the connection open."""
    reader, writer = await _connect(server)

    async def trickle() -> None:
        writer.write(b"GET /health HTTP/1.1\r\n")
        while not writer.is_closing():
            writer.write(b"X")
            await writer.drain()
            await asyncio.sleep(0.02)

    dribbling = asyncio.create_task(trickle())
    try:
        assert await asyncio.wait_for(reader.read(), WAIT) == b""  # closed, and nothing was answered
    finally:
        dribbling.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await dribbling
        writer.close()


async def test_an_idle_keep_alive_connection_is_closed_after_its_response(server: SideServer) -> None:
    reader, writer = await _connect(server)
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: probe\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), WAIT)
        assert status.startswith(b"HTTP/1.1 200 ")
        rest = await asyncio.wait_for(reader.read(), WAIT)  # the body, then the close
        assert rest.endswith(b"}")
    finally:
        writer.close()
