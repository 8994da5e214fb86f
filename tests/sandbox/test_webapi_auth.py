"""The Web API's envelope: tokens, scopes, unknown methods, argument encodings, the call log."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxServer


async def _raw(server: SandboxServer, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(server.api_url + method, **kwargs) as response:
        return response.status, await response.json()


async def test_auth_test_describes_the_bot(web: AsyncWebClient) -> None:
    response = await web.auth_test()
    assert response.data == {
        "ok": True,
        "url": "https://sandbox.slack.com/",
        "team": "Sandbox",
        "user": "incidentbot",
        "team_id": "T0SANDBOX",
        "user_id": "U0BOT",
        "bot_id": "B0BOT",
        "is_enterprise_install": False,
    }


async def test_missing_and_wrong_tokens(server: SandboxServer) -> None:
    assert (await _raw(server, "auth.test"))[1] == {"ok": False, "error": "not_authed"}
    _, body = await _raw(server, "auth.test", headers={"Authorization": "Bearer xoxb-1-2-nope"})
    assert body["error"] == "invalid_auth"
    status, body = await _raw(server, "auth.test", data={"token": server.bot_token})
    assert (status, body["ok"]) == (200, True)  # a token form field works like the header


async def test_each_token_only_works_for_its_methods(server: SandboxServer) -> None:
    bot = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
    app = AsyncWebClient(token=server.app_token, base_url=server.api_url)
    with pytest.raises(SlackApiError) as wrong:
        await bot.apps_connections_open(app_token=server.bot_token)
    assert wrong.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as wrong:
        await app.chat_postMessage(channel="C0INCIDENTS", text="hi")
    assert wrong.value.response["error"] == "not_allowed_token_type"


async def test_missing_scope_names_what_is_needed(web: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        await web.users_lookupByEmail(email="alice@sandbox.example.com")
    body = refused.value.response.data
    assert body["error"] == "missing_scope" and body["needed"] == "users:read.email"
    assert "chat:write" in body["provided"].split(",")


async def test_scopes_can_be_granted() -> None:
    async with SandboxServer(scopes=["users:read", "users:read.email"]) as server:
        web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
        user = (await web.users_lookupByEmail(email="ALICE@sandbox.example.com"))["user"]
        assert user["id"] == "U0ALICE"
        with pytest.raises(SlackApiError) as refused:
            await web.chat_postMessage(channel="C0INCIDENTS", text="hi")
        assert refused.value.response["needed"] == "chat:write"


async def test_unknown_method(web: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        await web.api_call("files.upload")
    assert refused.value.response["error"] == "unknown_method"


async def test_query_string_form_and_json_arguments_are_all_read(server: SandboxServer) -> None:
    auth = {"Authorization": f"Bearer {server.bot_token}"}
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "hi"}}]
    as_form = {"channel": "C0INCIDENTS", "text": "form", "blocks": json.dumps(blocks)}
    _, body = await _raw(server, "chat.postMessage", headers=auth, data=as_form)
    assert body["ok"] is True and body["message"]["blocks"][0]["text"]["text"] == "hi"
    _, body = await _raw(server, "chat.postMessage", headers=auth, json={"channel": "C0INCIDENTS", "blocks": blocks})
    assert body["ok"] is True
    async with aiohttp.ClientSession() as session:
        url = f"{server.api_url}users.info?user=U0BOB&token={server.bot_token}"
        async with session.get(url) as response:
            assert (await response.json())["user"]["name"] == "bob"
    _, body = await _raw(server, "chat.postMessage", headers=auth, data={"channel": "C0INCIDENTS", "blocks": "[{"})
    assert body["error"] == "invalid_blocks_format"


async def test_users_info_is_realistic(web: AsyncWebClient) -> None:
    user = (await web.users_info(user="U0CAROL"))["user"]
    assert user["name"] == "carol" and user["tz"] == "Asia/Tokyo" and user["tz_offset"] == 9 * 3600
    assert user["profile"]["display_name"] == "carol" and user["profile"]["real_name"] == user["real_name"]
    assert user["is_bot"] is False and user["deleted"] is False
    assert (await web.users_info(user="U0GONE"))["user"]["deleted"] is True
    with pytest.raises(SlackApiError) as missing:
        await web.users_info(user="U0NOBODY")
    assert missing.value.response["error"] == "user_not_found"


async def test_every_call_is_recorded_with_tokens_masked(
    server: SandboxServer, web: AsyncWebClient, control: SandboxClient
) -> None:
    await web.chat_postMessage(channel="C0INCIDENTS", text="logged")
    with pytest.raises(SlackApiError):
        await web.conversations_join(channel="C0NOPE")
    calls = await control.calls()
    assert [(c["method"], c["ok"], c["error"]) for c in calls] == [
        ("chat.postMessage", True, None),
        ("conversations.join", False, "channel_not_found"),
    ]
    assert calls[0]["params"]["text"] == "logged" and calls[0]["status"] == 200 and calls[0]["duration_ms"] >= 0
    assert server.bot_token not in json.dumps(calls)
    assert [c["method"] for c in await control.calls("conversations.join")] == ["conversations.join"]


async def test_users_info_tells_bots_from_people_as_slack_does(web: AsyncWebClient, server: SandboxServer) -> None:
    own = (await web.users_info(user="U0BOT"))["user"]
    assert own["is_bot"] is True and own["profile"]["bot_id"] == "B0BOT"
    # Slack's own quirk, kept on purpose: Slackbot is not flagged as a bot.
    assert (await web.users_info(user="USLACKBOT"))["user"]["is_bot"] is False
    async with SandboxClient(server.url) as control:
        added = await control.add_user("deploybot", is_bot=True)
        person = await control.add_user("frank")
    other = (await web.users_info(user=added["id"]))["user"]
    assert other["is_bot"] is True and other["profile"]["bot_id"].startswith("B")
    assert (await web.users_info(user=person["id"]))["user"]["is_bot"] is False
