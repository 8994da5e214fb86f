"""The control API itself: seed workspace, setup routes, events, bad input, reset, the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxControlError, SandboxServer, serve

from .conftest import SocketFactory, post


async def test_info_lists_the_seed_workspace(server: SandboxServer, control: SandboxClient) -> None:
    info = await control.info()
    assert info["api_url"] == server.api_url and info["bot_token"] == server.bot_token
    assert info["team"] == {"id": "T0SANDBOX", "domain": "sandbox", "name": "Sandbox"}
    assert (info["app_id"], info["bot_user_id"], info["bot_id"]) == ("A0SANDBOX", "U0BOT", "B0BOT")
    humans = {u["id"]: u["name"] for u in info["users"]}
    assert humans == {
        "U0ALICE": "alice",
        "U0BOB": "bob",
        "U0CAROL": "carol",
        "U0DAVE": "dave",
        "U0ERIN": "erin",
        "U0GONE": "gone",
    }
    general = await control.channel("general")
    assert general["id"] == "C0GENERAL" and general["is_general"] is True and "U0BOT" not in general["members"]
    assert (await control.channel("C0SRE"))["members"] == ["U0ALICE", "U0BOB", "U0BOT"]
    assert "U0BOT" in (await control.channel("incidents"))["members"]


async def test_seed_users_have_their_time_zones(control: SandboxClient) -> None:
    zones = {u: (await control.user(u))["tz"] for u in ("U0ALICE", "U0BOB", "U0DAVE", "U0ERIN")}
    assert zones == {
        "U0ALICE": "America/New_York",
        "U0BOB": "Europe/Berlin",
        "U0DAVE": "UTC",
        "U0ERIN": "America/Los_Angeles",
    }


async def test_added_users_and_channels_are_usable(web: AsyncWebClient, control: SandboxClient) -> None:
    frank = await control.add_user("frank", tz="Europe/Berlin")
    assert frank["id"].startswith("U") and frank["tz"] == "Europe/Berlin"
    room = await control.add_channel("war-room", members=[frank["id"]], topic="all hands")
    assert room["members"] == [frank["id"], "U0BOT"] and room["topic"] == "all hands"
    await web.chat_postEphemeral(channel=room["id"], user=frank["id"], text="welcome")
    assert (await control.ephemerals(frank["id"]))[0]["text"] == "welcome"
    with pytest.raises(SandboxControlError):
        await control.add_channel("war-room")
    with pytest.raises(SandboxControlError):
        await control.add_channel("Bad Name")
    with pytest.raises(SandboxControlError):
        await control.add_user("frank")


async def test_bad_control_input_is_a_400_that_says_why(server: SandboxServer, control: SandboxClient) -> None:
    cases = [
        ("slash", {"user_id": "U0NOBODY"}, "no active human user"),
        ("slash", {"user_id": "U0GONE"}, "no active human user"),
        ("slash", {"user_id": "U0CAROL", "channel_id": "C0SRE"}, "not a member"),
        ("slash", {"command": "incident"}, "command must look like"),
        ("slash", {"wait": "yes"}, "'wait' must be true or false"),
        ("actions", {"user_id": "U0ALICE", "action_id": "x"}, "needs view_id, or channel_id and message_ts"),
        (
            "actions",
            {"user_id": "U0ALICE", "action_id": "x", "channel_id": "C0GENERAL", "message_ts": "1.2"},
            "no message",
        ),
        ("views/submit", {"user_id": "U0ALICE", "view_id": "VNOPE"}, "no open view"),
        ("events", {"event": {"no_type": True}}, "must be an object with a 'type'"),
        ("faults", {"method": "auth.test"}, "at least one of"),
    ]
    async with aiohttp.ClientSession() as session:
        for route, body, message in cases:
            async with session.post(f"{server.url}_sandbox/{route}", json=body) as response:
                answer = await response.json()
                assert (response.status, answer["ok"]) == (400, False), (route, body)
                assert message in answer["message"], (route, answer)
        async with session.post(f"{server.url}_sandbox/slash", data="not json") as response:
            assert response.status == 400
    with pytest.raises(SandboxControlError) as missing:
        await control.channel("no-such-channel")
    assert missing.value.status == 404


async def test_clicking_a_missing_element_names_what_exists(web: AsyncWebClient, control: SandboxClient) -> None:
    from .conftest import BUTTONS

    ts = await post(web, blocks=BUTTONS)
    with pytest.raises(SandboxControlError) as refused:
        await control.click(user="U0ALICE", channel="C0INCIDENTS", message_ts=ts, action_id="nope")
    assert "controls/ack" in refused.value.message and "controls/severity" in refused.value.message


async def test_reactions_become_events_only_where_the_bot_is(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    ts = await post(web, text="summary")
    pending = asyncio.create_task(control.react(user="U0BOB", channel="C0INCIDENTS", message_ts=ts, reaction="eyes"))
    envelope = await sock.receive()
    event = envelope["payload"]["event"]
    assert event == {
        **event,
        "type": "reaction_added",
        "user": "U0BOB",
        "reaction": "eyes",
        "item": {"type": "message", "channel": "C0INCIDENTS", "ts": ts},
        "item_user": "U0BOT",
    }
    await sock.ack(envelope)
    assert (await pending)["acked"] is True
    assert (await control.messages("C0INCIDENTS"))[0]["reactions"] == {"eyes": ["U0BOB"]}

    said = await control.say(user="U0ALICE", channel="C0GENERAL", text="anyone?")
    assert said["dispatched"] is False  # the bot is not in #general, so Slack sends it nothing
    reacted = await control.react(user="U0ALICE", channel="C0GENERAL", message_ts=said["ts"], reaction="wave")
    assert reacted == {"ok": True, "dispatched": False}


async def test_user_messages_become_message_events(control: SandboxClient, open_socket: SocketFactory) -> None:
    sock = await open_socket()
    pending = asyncio.create_task(control.say(user="U0ERIN", channel="C0INCIDENTS", text="db is back"))
    envelope = await sock.receive()
    event = envelope["payload"]["event"]
    assert (event["type"], event["user"], event["text"], event["channel_type"]) == (
        "message",
        "U0ERIN",
        "db is back",
        "channel",
    )
    await sock.ack(envelope)
    assert (await pending)["ts"] == event["ts"]


async def test_reset_restores_the_seed_and_keeps_sockets(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    sock.auto_ack()
    await web.conversations_create(name="inc-temp")
    await post(web)
    await control.fault("auth.test", error="fatal_error")
    await control.reset()
    assert "inc-temp" not in [c["name"] for c in await control.channels()]
    assert await control.messages("C0INCIDENTS") == []
    assert await control.calls() == [] and await control.faults() == []
    assert (await control.slash("still connected"))["acked"] is True


async def test_serve_runs_until_cancelled() -> None:
    started: list[SandboxServer] = []
    ready = asyncio.Event()

    def on_ready(server: SandboxServer) -> None:
        started.append(server)
        ready.set()

    task = asyncio.create_task(serve("127.0.0.1", 0, ready=on_ready))
    await asyncio.wait_for(ready.wait(), 5)
    async with SandboxClient(started[0].url) as control:
        assert (await control.info())["ok"] is True
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(aiohttp.ClientConnectionError):
        async with SandboxClient(started[0].url) as control:
            await control.info()


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGINT")
async def test_module_entry_point_prints_how_to_connect_and_stops_on_ctrl_c() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "incidentbot.sandbox",
        "--port",
        "0",
        "--bot-token",
        "xoxb-fixed",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines = [(await asyncio.wait_for(process.stdout.readline(), 10)).decode() for _ in range(4)]
    assert lines[0].startswith("Slack sandbox running at http://127.0.0.1:")
    assert "SLACK_BOT_TOKEN=xoxb-fixed" in lines[2] and "SLACK_APP_TOKEN=xapp-1-" in lines[3]
    process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_module_entry_point_stops_cleanly_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "incidentbot.sandbox", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    assert (await asyncio.wait_for(process.stdout.readline(), 10)).startswith(b"Slack sandbox running at")
    process.terminate()
    assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_a_person_can_join_a_public_channel(control: SandboxClient) -> None:
    created = await control.add_channel("war-room", members=["U0ALICE"])
    joined = await control.join(created["id"], user="U0BOB")
    assert "U0BOB" in joined["members"]
    assert "U0BOB" in (await control.channel("war-room"))["members"]
