"""Socket Mode as a raw WebSocket client sees it: hello, envelopes, acks, redelivery, disconnects."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxServer

from .conftest import SocketFactory, eventually


async def test_hello_counts_connections_and_names_the_app(open_socket: SocketFactory, server: SandboxServer) -> None:
    first = await open_socket()
    second = await open_socket()
    assert first.hello["type"] == "hello" and first.hello["num_connections"] == 1
    assert second.hello["num_connections"] == 2
    assert second.hello["connection_info"] == {"app_id": server.app_id}
    assert second.hello["debug_info"]["host"] == "sandbox"


async def test_a_socket_url_works_once(server: SandboxServer, app_web: AsyncWebClient) -> None:
    url = (await app_web.apps_connections_open(app_token=server.app_token))["url"]
    assert url.startswith(f"ws://127.0.0.1:{server.port}/socket?ticket=")
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(url)
        await ws.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url)
    assert refused.value.status == 401


async def test_pings_are_answered_with_the_same_payload(open_socket: SocketFactory) -> None:
    sock = await open_socket()
    await sock.ws.ping(b"sdk-ping-pong:1763890000.5")
    pong = await sock.ws.receive(timeout=2)
    assert pong.type == aiohttp.WSMsgType.PONG and pong.data == b"sdk-ping-pong:1763890000.5"


async def test_slash_command_envelope_and_ack_with_latency(open_socket: SocketFactory, control: SandboxClient) -> None:
    sock = await open_socket()
    pending = asyncio.create_task(control.slash("declare db down", user="U0BOB", channel="C0INCIDENTS"))
    envelope = await sock.receive()
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
    assert "retry_attempt" not in envelope  # only events_api carries retry fields on a first attempt
    payload = envelope["payload"]
    assert payload["command"] == "/incident" and payload["text"] == "declare db down"
    assert payload["user_id"] == "U0BOB" and payload["user_name"] == "bob"
    assert payload["channel_id"] == "C0INCIDENTS" and payload["channel_name"] == "incidents"
    assert payload["team_id"] == "T0SANDBOX" and payload["is_enterprise_install"] == "false"
    assert payload["response_url"].startswith(control.base_url + "_sandbox/respond/")
    await sock.ack(envelope, {"text": "On it"})
    result = await pending
    assert result["ok"] is True and result["acked"] is True and result["attempts"] == 1
    assert result["envelope_id"] == envelope["envelope_id"]
    assert result["trigger_id"] == payload["trigger_id"]
    assert result["response"] == {"text": "On it"} and 0 <= result["ack_ms"] < 1000
    # A slash-command ack with text is shown only to the person who typed it.
    shown = await control.ephemerals("U0BOB")
    assert [m["text"] for m in shown] == ["On it"] and shown[0]["channel"] == "C0INCIDENTS"
    info = await control.socket_info()
    assert info["acked"] == 1 and info["ack_ms"]["count"] == 1


async def test_a_command_from_a_private_channel_hides_its_name_as_slack_does(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    secret = await control.add_channel("secret-project", members=["U0BOB"], is_private=True)
    seen = []
    for channel in (secret["id"], "C0INCIDENTS"):
        pending = asyncio.create_task(control.slash("declare", user="U0BOB", channel=channel))
        envelope = await sock.receive()
        seen.append((envelope["payload"]["channel_id"], envelope["payload"]["channel_name"]))
        await sock.ack(envelope)
        await pending
    assert seen == [(secret["id"], "privategroup"), ("C0INCIDENTS", "incidents")]


async def test_in_channel_ack_is_posted_for_everyone(open_socket: SocketFactory, control: SandboxClient) -> None:
    sock = await open_socket()
    sock.auto_ack(lambda env: {"response_type": "in_channel", "text": "Incident declared"})
    await control.slash("declare", channel="C0INCIDENTS")
    messages = await control.messages("C0INCIDENTS", include_ephemeral=False)
    assert [(m["user"], m["text"]) for m in messages] == [("U0BOT", "Incident declared")]


async def test_unacked_envelope_is_redelivered_with_new_ids_and_retry_fields(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    pending = asyncio.create_task(control.slash("x"))
    first = await sock.receive()
    retry = await sock.receive()
    assert retry["envelope_id"] != first["envelope_id"]
    assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
    assert retry["payload"]["trigger_id"] == first["payload"]["trigger_id"]  # what apps deduplicate on
    await sock.ack(first)  # a late ack of an earlier attempt still settles the delivery
    result = await pending
    assert result["acked"] is True and result["attempts"] == 2 and result["envelope_id"] == first["envelope_id"]
    assert (await control.socket_info())["retried"] == 1


async def test_never_acked_slash_command_times_out_for_the_user(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    result = await control.slash("x", user="U0CAROL")
    assert result == {**result, "ok": False, "error": "operation_timeout", "attempts": 3}
    seen = [await sock.receive() for _ in range(3)]
    assert [e.get("retry_attempt") for e in seen] == [None, 1, 2]
    assert len({e["envelope_id"] for e in seen}) == 3
    shown = await control.ephemerals("U0CAROL")
    assert shown[-1]["user"] == "USLACKBOT" and 'failed with the error "operation_timeout"' in shown[-1]["text"]


async def test_slash_command_without_a_socket_fails_to_dispatch(control: SandboxClient) -> None:
    result = await control.slash("x", user="U0DAVE")
    assert result["ok"] is False and result["error"] == "dispatch_failed"
    info = await control.socket_info()
    assert info["envelopes_sent"] == 0 and info["pending"] == 0
    assert "dispatch_failed" in (await control.ephemerals("U0DAVE"))[0]["text"]


async def test_events_always_carry_retry_fields(open_socket: SocketFactory, control: SandboxClient) -> None:
    sock = await open_socket()
    pending = asyncio.create_task(control.send_event({"type": "app_mention", "user": "U0ALICE", "text": "hi"}))
    envelope = await sock.receive()
    assert envelope["type"] == "events_api" and envelope["accepts_response_payload"] is False
    assert (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")
    payload = envelope["payload"]
    assert payload["type"] == "event_callback" and payload["event_id"].startswith("Ev")
    assert payload["event"]["type"] == "app_mention" and payload["event"]["event_ts"]
    await sock.ack(envelope)
    assert (await pending)["event_id"] == payload["event_id"]


async def test_envelopes_are_spread_over_open_sockets(open_socket: SocketFactory, control: SandboxClient) -> None:
    sockets = [await open_socket(), await open_socket()]
    readers = [s.auto_ack() for s in sockets]
    for _ in range(4):
        assert (await control.slash("x"))["acked"] is True
    info = await control.socket_info()
    assert [s["envelopes_sent"] for s in info["sockets"]] == [2, 2]
    for reader in readers:
        reader.cancel()


async def test_eleventh_socket_is_told_too_many_websockets(open_socket: SocketFactory, control: SandboxClient) -> None:
    ten = [await open_socket() for _ in range(10)]
    assert [s.hello["type"] for s in ten] == ["hello"] * 10
    eleventh = await open_socket()
    assert eleventh.hello == {**eleventh.hello, "type": "disconnect", "reason": "too_many_websockets"}
    closing = await eleventh.ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert (await control.socket_info())["connections"] == 10


async def test_disconnect_warns_then_closes_the_socket(open_socket: SocketFactory, control: SandboxClient) -> None:
    sock = await open_socket()
    assert (await control.disconnect_socket("refresh_requested"))["disconnected"] == 1
    message = await sock.receive()
    assert message["type"] == "disconnect" and message["reason"] == "refresh_requested"
    assert (await control.socket_info())["usable"] == 0  # no new envelopes go to a socket told to leave
    closing = await sock.ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_drop_cuts_sockets_without_a_word(open_socket: SocketFactory, control: SandboxClient) -> None:
    sock = await open_socket()
    assert (await control.drop_socket())["dropped"] == 1
    message = await sock.ws.receive(timeout=2)
    assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    await eventually(lambda: _no_connections(control))


async def _no_connections(control: SandboxClient) -> bool:
    return bool((await control.socket_info())["connections"] == 0)


async def test_a_silent_socket_is_half_open_slack_still_sends_into_it(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    await control.drop_socket(silent=True)
    await sock.ws.ping(b"sdk-ping-pong:1")
    # Slack does not know the socket is dead: the command is sent (and resent) into it, never arrives,
    # and times out for the user; the pong never came back either (the command took longer than it).
    result = await control.slash("x")
    assert result["error"] == "operation_timeout" and result["attempts"] == 3
    with pytest.raises(asyncio.TimeoutError):
        await sock.ws.receive(timeout=0.1)


async def test_one_socket_can_be_dropped_and_its_unacked_envelope_goes_to_a_live_one(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    doomed, survivor = await open_socket(), await open_socket()
    doomed_id = (await control.socket_info())["sockets"][0]["id"]
    reader = survivor.auto_ack()
    # Round-robin: send until an envelope lands on the doomed socket, which never acks it.
    while True:
        pending = asyncio.create_task(control.slash("x"))
        lost = asyncio.create_task(doomed.receive())
        done, _ = await asyncio.wait({pending, lost}, return_when=asyncio.FIRST_COMPLETED)
        if lost in done:
            break
        lost.cancel()
    assert (await control.drop_socket(socket=doomed_id))["dropped"] == 1
    result = await pending
    assert result["acked"] is True and result["attempts"] == 2  # redelivered to the survivor
    assert lost.result()["payload"]["trigger_id"] == result["trigger_id"]
    info = await control.socket_info()
    assert doomed_id not in [s["id"] for s in info["sockets"]] and info["connections"] == 1
    reader.cancel()


async def test_disconnect_can_name_one_socket(open_socket: SocketFactory, control: SandboxClient) -> None:
    first, second = await open_socket(), await open_socket()
    second_id = (await control.socket_info())["sockets"][1]["id"]
    assert (await control.disconnect_socket("warning", socket=second_id))["disconnected"] == 1
    assert (await second.receive())["reason"] == "warning"
    assert (await control.socket_info())["usable"] == 1
    assert (await control.drop_socket(socket=999))["dropped"] == 0
    await first.ws.close()


async def test_not_waiting_returns_at_once_and_still_applies_the_ack(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    sent = await control.slash("x", user="U0ERIN", wait=False)
    assert sent["ok"] is True and sent["envelope_id"] and sent["trigger_id"] and sent["sent_at"] > 0
    envelope = await sock.receive()
    assert envelope["envelope_id"] == sent["envelope_id"]
    await sock.ack(envelope, {"text": "later"})
    shown = await eventually(lambda: control.ephemerals("U0ERIN"))
    assert shown[0]["text"] == "later"


async def test_a_lost_ack_makes_slack_deliver_the_same_payload_again(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    await control.fault("socket_ack", times=2)
    pending = asyncio.create_task(control.slash("x"))
    seen = []
    for _ in range(3):
        envelope = await sock.receive()
        seen.append(envelope)
        await sock.ack(envelope)  # the first two acks vanish in transit
    result = await pending
    assert result["acked"] is True and result["attempts"] == 3
    assert [e.get("retry_attempt") for e in seen] == [None, 1, 2]
    assert len({e["payload"]["trigger_id"] for e in seen}) == 1
