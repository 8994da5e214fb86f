"""Modals end to end: triggers, views.* rules, submissions and what each ack does to the view."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxControlError, SandboxServer

from .conftest import RawSocket, SocketFactory, modal


async def _error(call: Any) -> Any:
    with pytest.raises(SlackApiError) as refused:
        await call
    return refused.value.response


async def _trigger(control: SandboxClient, sock: RawSocket, user: str = "U0ALICE") -> str:
    """A fresh trigger_id, from a slash command the socket acks."""
    pending = asyncio.create_task(control.slash("declare", user=user, channel="C0INCIDENTS"))
    envelope = await sock.receive()
    await sock.ack(envelope)
    await pending
    return str(envelope["payload"]["trigger_id"])


async def _open(web: AsyncWebClient, control: SandboxClient, sock: RawSocket, **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = (await web.views_open(trigger_id=await _trigger(control, sock), view=modal(**extra)))["view"]
    return view


async def test_views_open_returns_the_view(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock, private_metadata="incident=7")
    assert view["id"].startswith("V") and view["hash"] and view["type"] == "modal"
    assert view["state"] == {"values": {}} and view["private_metadata"] == "incident=7"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["blocks"][0]["block_id"]  # Slack fills in missing block ids
    listed = await control.views("U0ALICE")
    assert [v["id"] for v in listed] == [view["id"]] and listed[0]["is_open"] is True


async def test_trigger_ids_work_once(web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory) -> None:
    sock = await open_socket()
    trigger = await _trigger(control, sock)
    await web.views_open(trigger_id=trigger, view=modal())
    assert (await _error(web.views_open(trigger_id=trigger, view=modal())))["error"] == "exchanged_trigger_id"
    assert (await _error(web.views_open(trigger_id="1.2.3", view=modal())))["error"] == "invalid_trigger_id"


async def test_trigger_ids_expire() -> None:
    async with SandboxServer(trigger_ttl=0.05) as server, SandboxClient(server.url) as control:
        web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
        app = AsyncWebClient(token=server.app_token, base_url=server.api_url)
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect((await app.apps_connections_open(app_token=server.app_token))["url"])
            sock = RawSocket(ws, await ws.receive_json())
            trigger = await _trigger(control, sock)
            await asyncio.sleep(0.1)
            assert (await _error(web.views_open(trigger_id=trigger, view=modal())))["error"] == "expired_trigger_id"


async def test_invalid_modal_is_refused_before_the_trigger_is_used(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    trigger = await _trigger(control, sock)
    body = await _error(web.views_open(trigger_id=trigger, view=modal(title="A title that is far too long")))
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert (await web.views_open(trigger_id=trigger, view=modal()))["ok"] is True


async def test_external_ids_are_unique(web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory) -> None:
    sock = await open_socket()
    await _open(web, control, sock, external_id="incident-7")
    refused = web.views_open(trigger_id=await _trigger(control, sock), view=modal(external_id="incident-7"))
    assert (await _error(refused))["error"] == "duplicate_external_id"


async def test_update_by_id_or_external_id_and_hash(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock, external_id="inc-8")
    updated = (await web.views_update(view_id=view["id"], hash=view["hash"], view=modal(title="Step 2")))["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"] and updated["title"]["text"] == "Step 2"
    stale = web.views_update(view_id=view["id"], hash=view["hash"], view=modal())
    assert (await _error(stale))["error"] == "hash_conflict"
    by_external = await web.views_update(external_id="inc-8", view=modal(title="Step 3"))
    assert by_external["view"]["id"] == view["id"]
    assert (await _error(web.views_update(view_id="VNOPE", view=modal())))["error"] == "not_found"


async def test_push_is_limited_to_three_views(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    root = await _open(web, control, sock)
    second = (await web.views_push(trigger_id=await _trigger(control, sock), view=modal(title="2")))["view"]
    assert second["root_view_id"] == root["id"] and second["previous_view_id"] == root["id"]
    await web.views_push(trigger_id=await _trigger(control, sock), view=modal(title="3"))
    refused = web.views_push(trigger_id=await _trigger(control, sock), view=modal(title="4"))
    assert (await _error(refused))["error"] == "push_limit_reached"


async def test_publish_home_tab(web: AsyncWebClient, control: SandboxClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Open incidents: 0"}}]}
    first = (await web.views_publish(user_id="U0BOB", view=home))["view"]
    again = (await web.views_publish(user_id="U0BOB", view=home, hash=first["hash"]))["view"]
    assert again["id"] == first["id"] and again["type"] == "home"
    assert (await _error(web.views_publish(user_id="U0BOB", view=home, hash=first["hash"])))["error"] == "hash_conflict"
    assert (await _error(web.views_publish(user_id="U0BOB", view=modal())))["error"] == "invalid_arguments"


# -- submissions -------------------------------------------------------------------------------------------
async def _submit(
    control: SandboxClient, sock: RawSocket, view_id: str, values: dict[str, Any], ack: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    pending = asyncio.create_task(control.submit_view(user="U0ALICE", view_id=view_id, values=values))
    envelope = await sock.receive()
    await sock.ack(envelope, ack)
    return envelope["payload"], await pending


async def test_submission_carries_state_values_and_no_ack_payload_closes(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock, private_metadata="incident=9")
    payload, result = await _submit(
        control, sock, view["id"], {"title": {"value": "DB down"}, "severity": "sev1"}, None
    )
    assert payload["type"] == "view_submission" and payload["user"]["id"] == "U0ALICE" and payload["trigger_id"]
    submitted = payload["view"]
    assert submitted["callback_id"] == "declare" and submitted["private_metadata"] == "incident=9"
    assert submitted["hash"] == view["hash"]
    assert submitted["state"]["values"] == {
        "title": {"value": {"type": "plain_text_input", "value": "DB down"}},
        "severity": {
            "value": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
            }
        },
        "notes": {"value": {"type": "plain_text_input", "value": None}},
    }
    assert result["view_state"] == "closed"
    assert await control.views("U0ALICE", open_only=True) == []


async def test_errors_response_keeps_the_view_open(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock)
    ack = {"response_action": "errors", "errors": {"title": "Too vague"}}
    _, result = await _submit(control, sock, view["id"], {"title": "x"}, ack)
    assert result["view_state"] == "open" and result["errors"] == {"title": "Too vague"}
    bad = {"response_action": "errors", "errors": {"no_such_block": "?"}}
    _, result = await _submit(control, sock, view["id"], {"title": "x"}, bad)
    assert (
        result["response_error"] == "invalid_response" and "no_such_block" in result["response_metadata"]["messages"][0]
    )
    assert len(await control.views("U0ALICE", open_only=True)) == 1
    recorded = await control.calls("ack:view_submission")
    assert [(c["ok"], c["error"]) for c in recorded] == [(False, "invalid_response")]


async def test_update_push_and_clear_responses(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock)
    _, updated = await _submit(
        control, sock, view["id"], {"title": "x"}, {"response_action": "update", "view": modal(title="Thanks")}
    )
    assert updated["view_state"] == "updated" and updated["view"]["title"]["text"] == "Thanks"
    _, pushed = await _submit(
        control, sock, view["id"], {"title": "x"}, {"response_action": "push", "view": modal(title="Next")}
    )
    assert pushed["view_state"] == "pushed" and pushed["view"]["previous_view_id"] == view["id"]
    assert len(await control.views("U0ALICE", open_only=True)) == 2
    _, bad_update = await _submit(
        control, sock, view["id"], {"title": "x"}, {"response_action": "update", "view": modal(title="x" * 30)}
    )
    assert bad_update["response_error"] == "invalid_arguments"
    _, cleared = await _submit(control, sock, view["id"], {"title": "x"}, {"response_action": "clear"})
    assert cleared["view_state"] == "cleared" and await control.views("U0ALICE", open_only=True) == []


async def test_submission_input_is_checked_like_the_slack_client_does(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "'title' is required"),
        ({"title": "x" * 81}, "0 to 80 characters"),
        ({"title": "x", "nope": "y"}, "no input blocks ['nope']"),
        ({"title": {"wrong_action": "x"}}, "has action_id 'value'"),
        ({"title": "x", "severity": "sev9"}, "'sev9' is not an option"),
    ]
    for values, fragment in cases:
        with pytest.raises(SandboxControlError) as refused:
            await control.submit_view(user="U0ALICE", view_id=view["id"], values=values)
        assert refused.value.status == 400 and fragment in refused.value.message
    with pytest.raises(SandboxControlError):
        await control.submit_view(user="U0BOB", view_id=view["id"], values={"title": "x"})  # not bob's view


async def test_closing_notifies_only_when_asked(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    quiet = await _open(web, control, sock)
    assert (await control.close_view(user="U0ALICE", view_id=quiet["id"]))["dispatched"] is False
    loud = await _open(web, control, sock, notify_on_close=True)
    pending = asyncio.create_task(control.close_view(user="U0ALICE", view_id=loud["id"]))
    envelope = await sock.receive()
    assert envelope["payload"]["type"] == "view_closed" and envelope["payload"]["is_cleared"] is False
    await sock.ack(envelope)
    assert (await pending)["acked"] is True
    assert await control.views("U0ALICE", open_only=True) == []


async def test_clicking_in_a_view_sends_block_actions_with_the_view(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock)
    pending = asyncio.create_task(
        control.click(user="U0ALICE", view_id=view["id"], action_id="value", block_id="severity", value="sev1")
    )
    envelope = await sock.receive()
    payload = envelope["payload"]
    assert payload["type"] == "block_actions" and payload["container"] == {"type": "view", "view_id": view["id"]}
    assert payload["view"]["id"] == view["id"] and "response_url" not in payload
    action = payload["actions"][0]
    assert (action["type"], action["action_id"], action["block_id"]) == ("static_select", "value", "severity")
    assert action["selected_option"]["value"] == "sev1"
    await sock.ack(envelope)
    await pending
