"""The sandbox driven by Slack's own SDKs, as the bot drives it: slack_sdk Socket Mode and bolt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxServer

from .conftest import eventually, modal


@pytest.fixture
async def sdk_socket(server: SandboxServer) -> AsyncIterator[SocketModeClient]:
    """slack_sdk's aiohttp Socket Mode client that acks every request with 'ok'."""
    client = SocketModeClient(
        app_token=server.app_token,
        web_client=AsyncWebClient(base_url=server.api_url),
        ping_interval=0.2,
    )

    async def ack(sock: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        await sock.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload={"text": "ok"}))

    client.socket_mode_request_listeners.append(ack)
    await client.connect()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated
    yield client
    await client.close()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated


async def _opened(control: SandboxClient, count: int) -> bool:
    info = await control.socket_info()
    return bool(info["connections"] == 1 and info["opened_total"] >= count)


async def test_sdk_client_receives_and_acks_a_slash_command(
    sdk_socket: SocketModeClient, control: SandboxClient
) -> None:
    result = await control.slash("status")
    assert result["acked"] is True and result["response"] == {"text": "ok"}


async def test_sdk_client_reconnects_when_asked_to_refresh(
    sdk_socket: SocketModeClient, control: SandboxClient
) -> None:
    await control.disconnect_socket("refresh_requested")
    await eventually(lambda: _opened(control, 2))
    assert (await control.slash("after refresh"))["acked"] is True
    assert len(await control.calls("apps.connections.open")) == 2


async def test_sdk_client_reconnects_after_a_dropped_socket(
    sdk_socket: SocketModeClient, control: SandboxClient
) -> None:
    await control.drop_socket()
    await eventually(lambda: _opened(control, 2))
    assert (await control.slash("after drop"))["acked"] is True


async def test_sdk_client_notices_a_silent_socket_by_its_missing_pongs(
    sdk_socket: SocketModeClient, control: SandboxClient
) -> None:
    await control.drop_socket(silent=True)
    await eventually(lambda: _opened(control, 2), timeout=10)
    assert (await control.slash("after a half-open socket"))["acked"] is True


# -- a whole bolt app ---------------------------------------------------------------------------------------
@pytest.fixture
async def bolt(server: SandboxServer) -> AsyncIterator[AsyncApp]:
    client = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
    app = AsyncApp(client=client, process_before_response=True)

    @app.command("/incident")
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if body["text"] == "declare":
            await client.views_open(trigger_id=body["trigger_id"], view=modal())
        else:
            await client.chat_postEphemeral(channel=body["channel_id"], user=body["user_id"], text="usage: declare")

    @app.view("declare")
    async def on_submit(ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient) -> None:
        title = view["state"]["values"]["title"]["value"]["value"]
        if "!" in title:
            await ack(response_action="errors", errors={"title": "No shouting"})
            return
        await ack()
        severity = view["state"]["values"]["severity"]["value"]["selected_option"]["value"]
        await client.chat_postMessage(channel="C0INCIDENTS", text=f"{severity}: {title}")

    @app.action("ack")
    async def on_button(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="Acknowledged", replace_original=True)

    handler = AsyncSocketModeHandler(app, server.app_token, ping_interval=0.5)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated
    yield app
    await handler.close_async()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated


async def test_bolt_app_opens_a_modal_and_handles_its_submission(bolt: AsyncApp, control: SandboxClient) -> None:
    result = await control.slash("declare", user="U0ALICE", channel="C0INCIDENTS")
    assert result["acked"] is True
    views = await eventually(lambda: control.views("U0ALICE", open_only=True))
    view = views[0]
    assert view["title"]["text"] == "Declare" and view["callback_id"] == "declare"

    refused = await control.submit_view(user="U0ALICE", view_id=view["id"], values={"title": "DB down!"})
    assert refused["errors"] == {"title": "No shouting"} and refused["view_state"] == "open"

    accepted = await control.submit_view(user="U0ALICE", view_id=view["id"], values={"title": "DB down"})
    assert accepted["acked"] is True and accepted["view_state"] == "closed"
    posted = await eventually(lambda: control.messages("incidents"))
    assert posted[-1]["text"] == "sev2: DB down"  # the select's initial option was submitted
    assert await control.views("U0ALICE", open_only=True) == []


async def test_bolt_app_replies_through_the_response_url(
    bolt: AsyncApp, control: SandboxClient, web: AsyncWebClient
) -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "b",
            "elements": [{"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "Ack"}}],
        }
    ]
    ts = (await web.chat_postMessage(channel="C0INCIDENTS", text="Incident 7", blocks=blocks))["ts"]
    clicked = await control.click(user="U0BOB", channel="C0INCIDENTS", message_ts=ts, action_id="ack")
    assert clicked["acked"] is True
    message = await eventually(lambda: _edited(control, ts))
    assert message["text"] == "Acknowledged" and message["blocks"] is None


async def _edited(control: SandboxClient, ts: str) -> dict[str, Any] | None:
    return next((m for m in await control.messages("C0INCIDENTS") if m["ts"] == ts and m["edited"]), None)


async def test_bolt_usage_reply_is_ephemeral(bolt: AsyncApp, control: SandboxClient) -> None:
    await control.slash("what", user="U0DAVE", channel="C0INCIDENTS")
    shown = await eventually(lambda: control.ephemerals("U0DAVE"))
    assert shown[0]["text"] == "usage: declare" and shown[0]["ephemeral_to"] == "U0DAVE"
    assert [c["method"] for c in await control.calls()][:1] == ["apps.connections.open"]


async def test_many_commands_in_flight_are_all_acked(bolt: AsyncApp, control: SandboxClient) -> None:
    results = await asyncio.gather(*(control.slash("what", user="U0ERIN", channel="C0GENERAL") for _ in range(50)))
    assert all(r["acked"] and r["attempts"] == 1 for r in results)
    info = await control.socket_info()
    assert info["ack_ms"]["count"] == 50 and info["ack_ms"]["p50"] < 1000
