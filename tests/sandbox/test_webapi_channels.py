"""conversations.* rules, each with Slack's own error code."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient


async def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as refused:
        await call
    return str(refused.value.response["error"])


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("a" * 81, "invalid_name_maxlength"),
        ("Incident-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc.1", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
async def test_channel_names_are_checked(web: AsyncWebClient, name: str, error: str) -> None:
    assert await _error(web.conversations_create(name=name)) == error


async def test_created_channel_is_a_full_channel_object(web: AsyncWebClient, control: SandboxClient) -> None:
    channel = (await web.conversations_create(name="inc-2025-db_down", is_private=True))["channel"]
    assert channel["id"].startswith("C") and channel["name"] == "inc-2025-db_down"
    assert channel["is_private"] is True and channel["is_member"] is True and channel["is_archived"] is False
    assert channel["topic"] == {"value": "", "creator": "", "last_set": 0} and channel["purpose"]["value"] == ""
    assert (await control.channel("inc-2025-db_down"))["members"] == ["U0BOT"]


async def test_archived_names_stay_taken(web: AsyncWebClient) -> None:
    channel = (await web.conversations_create(name="inc-old"))["channel"]
    await web.conversations_archive(channel=channel["id"])
    assert await _error(web.conversations_create(name="inc-old")) == "name_taken"


async def test_invite_rules(web: AsyncWebClient, control: SandboxClient) -> None:
    channel = (await web.conversations_create(name="inc-invite"))["channel"]["id"]
    response = await web.conversations_invite(channel=channel, users=["U0ALICE", "U0BOB"])
    assert response["channel"]["id"] == channel
    assert (await control.channel(channel))["members"] == ["U0BOT", "U0ALICE", "U0BOB"]
    assert await _error(web.conversations_invite(channel=channel, users="U0ALICE")) == "already_in_channel"
    assert await _error(web.conversations_invite(channel=channel, users="U0BOT")) == "cant_invite_self"
    assert await _error(web.conversations_invite(channel=channel, users="U0GONE")) == "user_not_found"
    assert await _error(web.conversations_invite(channel=channel, users="U0NOBODY")) == "user_not_found"
    many = ",".join(f"U{i:08d}" for i in range(1001))
    assert await _error(web.conversations_invite(channel=channel, users=many)) == "too_many_users"
    assert await _error(web.conversations_invite(channel="C0GENERAL", users="U0GONE")) == "not_in_channel"
    # all or nothing: a refused user means no one was invited
    assert await _error(web.conversations_invite(channel=channel, users="U0CAROL,U0GONE")) == "user_not_found"
    assert "U0CAROL" not in (await control.channel(channel))["members"]
    await web.api_call("conversations.invite", json={"channel": channel, "users": '["U0CAROL", "U0DAVE"]'})
    assert (await control.channel(channel))["members"][-2:] == ["U0CAROL", "U0DAVE"]


async def test_join_is_idempotent_with_a_warning(web: AsyncWebClient, control: SandboxClient) -> None:
    joined = await web.conversations_join(channel="C0GENERAL")
    assert joined["channel"]["is_member"] is True and "warning" not in joined.data
    again = await web.conversations_join(channel="C0GENERAL")
    assert again["warning"] == "already_in_channel"
    assert (await control.channel("general"))["members"].count("U0BOT") == 1


async def test_private_channels_the_bot_is_not_in_are_invisible(web: AsyncWebClient, control: SandboxClient) -> None:
    secret = await control.add_channel("secret", members=["U0ALICE"], bot_member=False, is_private=True)
    assert await _error(web.conversations_info(channel=secret["id"])) == "channel_not_found"
    assert await _error(web.conversations_join(channel=secret["id"])) == "channel_not_found"
    assert await _error(web.conversations_info(channel="C0MISSING")) == "channel_not_found"


async def test_topic_and_purpose(web: AsyncWebClient, control: SandboxClient) -> None:
    channel = (await web.conversations_setTopic(channel="C0INCIDENTS", topic="SEV1 | db down"))["channel"]
    assert channel["topic"]["value"] == "SEV1 | db down" and channel["topic"]["creator"] == "U0BOT"
    await web.conversations_setPurpose(channel="C0INCIDENTS", purpose="Incident room")
    stored = await control.channel("C0INCIDENTS")
    assert (stored["topic"], stored["purpose"]) == ("SEV1 | db down", "Incident room")
    subtypes = [m["subtype"] for m in await control.messages("C0INCIDENTS")]
    assert subtypes == ["channel_topic", "channel_purpose"]  # Slack announces both in the channel
    assert await _error(web.conversations_setTopic(channel="C0INCIDENTS", topic="x" * 251)) == "too_long"
    assert await _error(web.conversations_setTopic(channel="C0GENERAL", topic="hi")) == "not_in_channel"
    assert await _error(web.conversations_setPurpose(channel="C0GENERAL", purpose="hi")) == "not_in_channel"


async def test_archive_and_unarchive(web: AsyncWebClient) -> None:
    channel = (await web.conversations_create(name="inc-archive"))["channel"]["id"]
    assert await _error(web.conversations_unarchive(channel=channel)) == "not_archived"
    await web.conversations_archive(channel=channel)
    assert (await web.conversations_info(channel=channel))["channel"]["is_archived"] is True
    assert await _error(web.conversations_archive(channel=channel)) == "already_archived"
    assert await _error(web.chat_postMessage(channel=channel, text="hi")) == "is_archived"
    assert await _error(web.conversations_invite(channel=channel, users="U0BOB")) == "is_archived"
    assert await _error(web.conversations_setTopic(channel=channel, topic="x")) == "is_archived"
    await web.conversations_unarchive(channel=channel)
    assert (await web.conversations_info(channel=channel))["channel"]["is_archived"] is False
    await web.conversations_join(channel="C0GENERAL")
    assert await _error(web.conversations_archive(channel="C0GENERAL")) == "cant_archive_general"
    assert await _error(web.conversations_archive(channel="C0SRE_NOPE")) == "channel_not_found"


async def test_archive_needs_membership(web: AsyncWebClient, control: SandboxClient) -> None:
    await control.add_channel("not-mine", members=["U0ALICE"], bot_member=False)
    assert await _error(web.conversations_archive(channel="not-mine")) == "not_in_channel"


async def test_info_members_and_open(web: AsyncWebClient) -> None:
    info = (await web.conversations_info(channel="C0SRE", include_num_members=True))["channel"]
    assert info["name"] == "sre-leads" and info["num_members"] == 3 and info["is_member"] is True
    members = await web.conversations_members(channel="C0SRE", limit=2)
    assert members["members"] == ["U0ALICE", "U0BOB"] and members["response_metadata"]["next_cursor"]
    rest = await web.conversations_members(channel="C0SRE", cursor=members["response_metadata"]["next_cursor"])
    assert rest["members"] == ["U0BOT"]
    opened = await web.conversations_open(users="U0DAVE")
    assert opened["channel"]["id"].startswith("D") and opened["already_open"] is False
    assert (await web.conversations_open(users=["U0DAVE"]))["channel"]["id"] == opened["channel"]["id"]
    assert await _error(web.conversations_open(users="U0GONE")) == "user_not_found"


async def test_bookmarks(web: AsyncWebClient, control: SandboxClient) -> None:
    added = await web.bookmarks_add(channel_id="C0INCIDENTS", title="Runbook", type="link", link="https://r.example")
    assert added["bookmark"]["title"] == "Runbook" and added["bookmark"]["id"].startswith("Bk")
    assert (await control.channel("C0INCIDENTS"))["bookmarks"][0]["link"] == "https://r.example"
    refused = web.bookmarks_add(channel_id="C0GENERAL", title="x", type="link", link="https://x.example")
    assert await _error(refused) == "not_in_channel"


async def test_conversations_list_pages_public_and_the_bots_private_channels(
    web: AsyncWebClient, control: SandboxClient
) -> None:
    await web.conversations_create(name="inc-mine-private", is_private=True)
    await control.add_channel("inc-theirs-private", members=["U0ALICE"], bot_member=False, is_private=True)
    await web.conversations_create(name="inc-public")
    names: list[str] = []
    creators: dict[str, str] = {}
    cursor = None
    pages = 0
    while True:
        page = await web.conversations_list(types="public_channel,private_channel", limit=2, cursor=cursor)
        pages += 1
        for channel in page["channels"]:
            names.append(channel["name"])
            creators[channel["name"]] = channel["creator"]
        cursor = page["response_metadata"]["next_cursor"] or None
        if cursor is None:
            break
    assert pages > 1 and len(names) == len(set(names))
    assert "inc-mine-private" in names and "inc-public" in names
    assert "inc-theirs-private" not in names  # a private channel shows only to its members
    assert creators["inc-public"] == (await web.auth_test())["user_id"]
    public_only = [c["name"] for c in (await web.conversations_list(limit=1000))["channels"]]
    assert "inc-mine-private" not in public_only and "inc-public" in public_only
    assert await _error(web.conversations_list(types="im")) == "invalid_types"
