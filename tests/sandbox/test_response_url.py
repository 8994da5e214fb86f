"""response_url: ephemeral by default, in-channel on request, replace/delete, 5 uses, 30 minutes."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from incidentbot.sandbox import SandboxClient, SandboxServer

from .conftest import BUTTONS, SocketFactory


async def _response_url(control: SandboxClient, open_socket: SocketFactory, user: str = "U0ALICE") -> str:
    sock = await open_socket()
    sock.auto_ack()
    result = await control.slash("status", user=user, channel="C0INCIDENTS")
    return str(result["response_url"])


async def test_replies_are_ephemeral_by_default_and_public_on_request(
    control: SandboxClient, open_socket: SocketFactory
) -> None:
    url = await _response_url(control, open_socket)
    hook = AsyncWebhookClient(url)
    assert (await hook.send(text="just for you")).status_code == 200
    assert (await hook.send(text="for everyone", response_type="in_channel")).status_code == 200
    assert [m["text"] for m in await control.ephemerals("U0ALICE")] == ["just for you"]
    public = await control.messages("C0INCIDENTS", include_ephemeral=False)
    assert [(m["user"], m["text"]) for m in public] == [("U0BOT", "for everyone")]


async def test_five_uses_then_used_url(control: SandboxClient, open_socket: SocketFactory) -> None:
    hook = AsyncWebhookClient(await _response_url(control, open_socket))
    statuses = [(await hook.send(text=f"reply {i}")).status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    last = await hook.send(text="again")
    assert '"used_url"' in last.body


async def test_expired_url() -> None:
    async with (
        SandboxServer(response_url_ttl=0.05) as server,
        SandboxClient(server.url) as control,
        aiohttp.ClientSession() as session,
    ):
        app_web_url = server.api_url + "apps.connections.open"
        async with session.post(app_web_url, headers={"Authorization": f"Bearer {server.app_token}"}) as r:
            ws = await session.ws_connect((await r.json())["url"])
        await ws.receive_json()
        pending = asyncio.create_task(control.slash("x"))
        envelope = await ws.receive_json()
        await ws.send_json({"envelope_id": envelope["envelope_id"]})
        url = (await pending)["response_url"]
        await asyncio.sleep(0.1)
        async with session.post(url, json={"text": "too late"}) as response:
            assert response.status == 404 and (await response.json())["error"] == "expired_url"


async def test_replace_and_delete_the_message_that_was_clicked(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    ts = (await web.chat_postMessage(channel="C0INCIDENTS", text="Incident 3", blocks=BUTTONS))["ts"]
    sock = await open_socket()
    seen: list[dict[str, Any]] = []
    sock.auto_ack(lambda envelope: seen.append(envelope) or None)  # type: ignore[func-returns-value]
    clicked = await control.click(user="U0CAROL", channel="C0INCIDENTS", message_ts=ts, action_id="ack")
    payload = seen[0]["payload"]
    assert payload["type"] == "block_actions" and payload["message"]["ts"] == ts
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": "C0INCIDENTS",
        "is_ephemeral": False,
    }
    assert payload["actions"][0]["value"] == "1" and payload["actions"][0]["block_id"] == "controls"
    assert payload["user"] == {"id": "U0CAROL", "username": "carol", "name": "carol", "team_id": "T0SANDBOX"}

    hook = AsyncWebhookClient(clicked["response_url"])
    await hook.send(text="Acknowledged by carol", replace_original=True)
    message = (await control.messages("C0INCIDENTS"))[0]
    assert (message["ts"], message["text"], message["edited"]) == (ts, "Acknowledged by carol", True)
    await hook.send(delete_original=True)
    assert (await control.messages("C0INCIDENTS"))[0]["deleted"] is True


async def test_select_click_sends_the_chosen_option(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    ts = (await web.chat_postMessage(channel="C0INCIDENTS", text="Incident 4", blocks=BUTTONS))["ts"]
    sock = await open_socket()
    seen: list[dict[str, Any]] = []
    sock.auto_ack(lambda envelope: seen.append(envelope) or None)  # type: ignore[func-returns-value]
    await control.click(user="U0BOB", channel="C0INCIDENTS", message_ts=ts, action_id="severity", value="sev2")
    action = seen[0]["payload"]["actions"][0]
    assert action["type"] == "static_select" and action["selected_option"]["value"] == "sev2"


async def test_bad_replies_are_refused(control: SandboxClient, open_socket: SocketFactory) -> None:
    hook = AsyncWebhookClient(await _response_url(control, open_socket))
    assert (await hook.send(text="")).status_code == 400
    bad_blocks = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 200}}]
    refused = await hook.send(text="t", blocks=bad_blocks)
    assert refused.status_code == 400 and "invalid_blocks" in refused.body
    unknown = AsyncWebhookClient(control.base_url + "_sandbox/respond/T0SANDBOX/B0/nothing")
    assert (await unknown.send(text="x")).status_code == 404
