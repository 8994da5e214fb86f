"""chat.*, pins.*, reactions.* and history, with Slack's limits and error codes."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxServer

from .conftest import BUTTONS, post


async def _error(call: Any) -> Any:
    with pytest.raises(SlackApiError) as refused:
        await call
    return refused.value.response


async def test_post_message_returns_slack_shape(web: AsyncWebClient, control: SandboxClient) -> None:
    response = await web.chat_postMessage(channel="C0INCIDENTS", text="fallback", blocks=BUTTONS)
    assert response["channel"] == "C0INCIDENTS" and response["ts"] == response["message"]["ts"]
    message = response["message"]
    assert (message["user"], message["bot_id"], message["app_id"]) == ("U0BOT", "B0BOT", "A0SANDBOX")
    assert message["blocks"][1]["elements"][0]["action_id"] == "ack"
    stored = await control.messages("C0INCIDENTS")
    assert stored[0]["text"] == "fallback" and stored[0]["blocks"][0]["block_id"] == "summary"


async def test_timestamps_strictly_increase(web: AsyncWebClient) -> None:
    stamps = [await post(web, text=str(i)) for i in range(20)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 20
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


async def test_posting_needs_membership_without_chat_write_public() -> None:
    scopes = ["chat:write", "channels:read"]
    async with SandboxServer(scopes=scopes) as server:
        web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
        assert (await _error(web.chat_postMessage(channel="C0GENERAL", text="hi")))["error"] == "not_in_channel"
        assert (await web.chat_postMessage(channel="C0INCIDENTS", text="hi"))["ok"] is True


async def test_public_channels_take_posts_with_chat_write_public(web: AsyncWebClient) -> None:
    assert (await web.chat_postMessage(channel="#general", text="hello all"))["channel"] == "C0GENERAL"


async def test_post_message_errors(web: AsyncWebClient, control: SandboxClient) -> None:
    no_text = web.api_call("chat.postMessage", json={"channel": "C0INCIDENTS", "text": ""})
    assert (await _error(no_text))["error"] == "no_text"
    assert (await _error(web.chat_postMessage(channel="C0NOPE", text="x")))["error"] == "channel_not_found"
    secret = await control.add_channel("secret", members=["U0ALICE"], bot_member=False, is_private=True)
    assert (await _error(web.chat_postMessage(channel=secret["id"], text="x")))["error"] == "channel_not_found"


async def test_long_text_is_truncated_with_a_warning(web: AsyncWebClient, control: SandboxClient) -> None:
    response = await web.chat_postMessage(channel="C0INCIDENTS", text="x" * 40_010)
    assert response["warning"] == "message_truncated"
    assert response["response_metadata"]["warnings"] == ["message_truncated"]
    assert len((await control.messages("C0INCIDENTS"))[0]["text"]) == 40_000


async def test_invalid_blocks_say_what_is_wrong(web: AsyncWebClient) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    body = await _error(web.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=blocks))
    assert body["error"] == "invalid_blocks"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]"
    ]


async def test_posting_to_a_user_id_opens_a_dm(web: AsyncWebClient, control: SandboxClient) -> None:
    response = await web.chat_postMessage(channel="U0ERIN", text="You are on call")
    assert response["channel"].startswith("D")
    dms = await control.dms("U0ERIN")
    assert dms["channel"] == response["channel"] and dms["messages"][0]["text"] == "You are on call"


async def test_threads_and_broadcasts(web: AsyncWebClient, control: SandboxClient) -> None:
    parent = await post(web, text="parent")
    await post(web, text="quiet reply", thread_ts=parent)
    await post(web, text="loud reply", thread_ts=parent, reply_broadcast=True)
    history = (await web.conversations_history(channel="C0INCIDENTS"))["messages"]
    assert [m["text"] for m in history] == ["loud reply", "parent"]  # newest first, quiet reply hidden
    assert history[1]["reply_count"] == 2
    replies = (await web.conversations_replies(channel="C0INCIDENTS", ts=parent))["messages"]
    assert [m["text"] for m in replies] == ["parent", "quiet reply", "loud reply"]
    stored = await control.messages("C0INCIDENTS")
    assert [m["thread_ts"] for m in stored] == [parent, parent, parent]
    body = await _error(web.conversations_replies(channel="C0INCIDENTS", ts="1.000001"))
    assert body["error"] == "thread_not_found"


async def test_history_pages_and_limits(web: AsyncWebClient) -> None:
    for i in range(5):
        await post(web, text=f"m{i}")
    first = await web.conversations_history(channel="C0INCIDENTS", limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"] and first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = await web.conversations_history(channel="C0INCIDENTS", limit=3, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m2", "m1", "m0"] and second["has_more"] is False
    assert (await _error(web.conversations_history(channel="C0GENERAL")))["error"] == "not_in_channel"


async def test_update_rules(web: AsyncWebClient, control: SandboxClient) -> None:
    ts = await post(web, text="v1")
    response = await web.chat_update(channel="C0INCIDENTS", ts=ts, text="v2")
    assert response["text"] == "v2" and response["message"]["edited"]["user"] == "U0BOT"
    stored = (await control.messages("C0INCIDENTS"))[0]
    assert (stored["text"], stored["edited"], stored["edits"]) == ("v2", True, 1)
    assert (await _error(web.chat_update(channel="C0INCIDENTS", ts="1.000001", text="x")))["error"] == (
        "message_not_found"
    )
    said = await control.say(user="U0ALICE", channel="C0INCIDENTS", text="human words", wait=False)
    refused = await _error(web.chat_update(channel="C0INCIDENTS", ts=said["ts"], text="x"))
    assert refused["error"] == "cant_update_message"
    assert (await _error(web.chat_update(channel="C0INCIDENTS", ts=ts, text="x" * 40_001)))["error"] == "msg_too_long"


async def test_ephemeral_messages_are_for_members_only(web: AsyncWebClient, control: SandboxClient) -> None:
    response = await web.chat_postEphemeral(channel="C0SRE", user="U0BOB", text="only you")
    assert response["message_ts"]
    assert [m["text"] for m in await control.ephemerals("U0BOB")] == ["only you"]
    assert await control.ephemerals("U0ALICE") == []
    assert await control.messages("C0SRE", include_ephemeral=False) == []
    refused = await _error(web.chat_postEphemeral(channel="C0SRE", user="U0CAROL", text="x"))
    assert refused["error"] == "user_not_in_channel"


async def test_permalink(web: AsyncWebClient) -> None:
    ts = await post(web)
    link = (await web.chat_getPermalink(channel="C0INCIDENTS", message_ts=ts))["permalink"]
    assert link == f"https://sandbox.slack.com/archives/C0INCIDENTS/p{ts.replace('.', '')}"
    refused = await _error(web.chat_getPermalink(channel="C0INCIDENTS", message_ts="1.000002"))
    assert refused["error"] == "message_not_found"


async def test_pins(web: AsyncWebClient, control: SandboxClient) -> None:
    ts = await post(web, text="summary")
    await web.pins_add(channel="C0INCIDENTS", timestamp=ts)
    assert (await _error(web.pins_add(channel="C0INCIDENTS", timestamp=ts)))["error"] == "already_pinned"
    assert (await _error(web.pins_add(channel="C0INCIDENTS")))["error"] == "no_item_specified"
    assert (await _error(web.pins_add(channel="C0INCIDENTS", timestamp="1.000003")))["error"] == "message_not_found"
    assert (await control.channel("C0INCIDENTS"))["pins"] == [ts]
    assert (await control.messages("C0INCIDENTS"))[0]["pinned"] is True
    items = (await web.pins_list(channel="C0INCIDENTS"))["items"]
    assert items[0]["message"]["text"] == "summary"
    await web.pins_remove(channel="C0INCIDENTS", timestamp=ts)
    assert (await control.channel("C0INCIDENTS"))["pins"] == []


async def test_reactions(web: AsyncWebClient, control: SandboxClient) -> None:
    ts = await post(web)
    await web.reactions_add(channel="C0INCIDENTS", timestamp=ts, name="eyes")
    assert (await _error(web.reactions_add(channel="C0INCIDENTS", timestamp=ts, name="eyes")))["error"] == (
        "already_reacted"
    )
    assert (await _error(web.reactions_add(channel="C0INCIDENTS", timestamp=ts, name="Bad Name")))["error"] == (
        "invalid_name"
    )
    assert (await control.messages("C0INCIDENTS"))[0]["reactions"] == {"eyes": ["U0BOT"]}
