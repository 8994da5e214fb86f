"""Fixtures for the sandbox's own tests: a fast sandbox, its control client and raw sockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxServer

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
FAST = {"ack_timeout": 0.2, "max_retries": 2, "trigger_ttl": 1.0, "disconnect_delay": 0.2}


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk honours HTTP(S)_PROXY but not NO_PROXY, and the sandbox is on localhost."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(**FAST) as running:  # type: ignore[arg-type]
        yield running


@pytest.fixture
async def control(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.url) as client:
        yield client


@pytest.fixture
def web(server: SandboxServer) -> AsyncWebClient:
    """slack_sdk's own Web API client, pointed at the sandbox exactly as the bot points it."""
    return AsyncWebClient(token=server.bot_token, base_url=server.api_url)


@pytest.fixture
def app_web(server: SandboxServer) -> AsyncWebClient:
    return AsyncWebClient(token=server.app_token, base_url=server.api_url)


class RawSocket:
    """A bare Socket Mode client: one WebSocket, JSON in and out, nothing automatic."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.hello = hello

    async def receive(self, timeout: float = 2.0) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        data: dict[str, Any] = message.json()
        return data

    async def ack(self, envelope: dict[str, Any], payload: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"envelope_id": envelope["envelope_id"]}
        if payload is not None:
            body["payload"] = payload
        await self.ws.send_json(body)

    def auto_ack(self, respond: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None) -> asyncio.Task[None]:
        """Ack every envelope as it comes, with `respond(envelope)` as payload; returns the reader task."""

        async def loop() -> None:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                envelope = message.json()
                if "envelope_id" in envelope:
                    await self.ack(envelope, respond(envelope) if respond else None)

        return asyncio.create_task(loop())


SocketFactory = Callable[[], Awaitable[RawSocket]]


@pytest.fixture
async def open_socket(server: SandboxServer) -> AsyncIterator[SocketFactory]:
    """Open raw sockets the way an app does: apps.connections.open, then the URL it returns."""
    session = aiohttp.ClientSession()
    app = AsyncWebClient(token=server.app_token, base_url=server.api_url)

    async def connect() -> RawSocket:
        url = (await app.apps_connections_open(app_token=server.app_token))["url"]
        ws = await session.ws_connect(url, autoping=False)
        hello = await ws.receive_json(timeout=2)
        return RawSocket(ws, hello)

    yield connect
    await session.close()


async def eventually(probe: Callable[[], Awaitable[Any]], *, timeout: float = 5.0) -> Any:
    """Poll `probe` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {timeout}s; last value {last!r}")


async def post(web: AsyncWebClient, channel: str = "C0INCIDENTS", **kwargs: Any) -> str:
    """Post as the bot and return the message ts."""
    response = await web.chat_postMessage(channel=channel, **{"text": "hello", **kwargs})
    return str(response["ts"])


BUTTONS: list[dict[str, Any]] = [
    {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "*Incident 1*"}},
    {
        "type": "actions",
        "block_id": "controls",
        "elements": [
            {"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "Ack"}, "value": "1"},
            {
                "type": "static_select",
                "action_id": "severity",
                "placeholder": {"type": "plain_text", "text": "Severity"},
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                    {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                ],
            },
        ],
    },
]


def modal(*, title: str = "Declare", inputs: bool = True, **extra: Any) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": "Tell us"}}]
    if inputs:
        blocks += [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 80},
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [
                        {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                        {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                    ],
                    "initial_option": {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                },
            },
            {
                "type": "input",
                "block_id": "notes",
                "optional": True,
                "label": {"type": "plain_text", "text": "Notes"},
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
            },
        ]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks,
        **extra,
    }
    if inputs:
        view.setdefault("submit", {"type": "plain_text", "text": "Declare"})
    return view
