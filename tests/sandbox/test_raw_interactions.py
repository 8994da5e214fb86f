"""Raw interactive payloads: a stale button or an older release's form, delivered as given."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.sandbox import SandboxClient, SandboxControlError

from .conftest import SocketFactory, modal
from .test_views import _open


async def test_a_raw_payload_is_delivered_as_given_with_slacks_own_fields_added(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    stale = {"type": "block_actions", "actions": [{"action_id": "summary_resolve", "value": "not-a-number"}]}
    pending = asyncio.create_task(control.interact(stale, user="U0BOB"))
    envelope = await sock.receive()
    await sock.ack(envelope)
    result = await pending
    payload = envelope["payload"]
    assert envelope["type"] == "interactive" and envelope["accepts_response_payload"] is False
    assert payload["actions"] == stale["actions"]  # the app-authored part, untouched
    assert payload["user"]["id"] == "U0BOB" and payload["trigger_id"] == result["trigger_id"]
    assert (payload["team"]["id"], payload["api_app_id"]) == ("T0SANDBOX", "A0SANDBOX") and payload["token"]
    assert result["acked"] is True and result["attempts"] == 1


async def test_fields_the_payload_leaves_out_stay_out_and_an_unacked_one_is_redelivered(
    open_socket: SocketFactory, control: SandboxClient
) -> None:
    sock = await open_socket()
    pending = asyncio.create_task(control.interact({"type": "block_actions", "actions": []}))
    first = await sock.receive()
    assert "user" not in first["payload"] and "trigger_id" not in first["payload"]
    again = await sock.receive()  # not acked within ack_timeout: Slack delivers it again
    assert again["retry_attempt"] == 1 and again["payload"] == first["payload"]
    await sock.ack(again)
    assert (await pending)["attempts"] == 2


async def test_a_raw_submission_of_an_open_modal_gets_its_ack_applied(
    web: AsyncWebClient, control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    view = await _open(web, control, sock, private_metadata='{"incident_id": 7}')
    tampered = {**view, "private_metadata": "not json", "callback_id": "from_an_older_release"}
    pending = asyncio.create_task(control.interact({"type": "view_submission", "view": tampered}, user="U0ALICE"))
    envelope = await sock.receive()
    assert envelope["accepts_response_payload"] is True
    assert envelope["payload"]["view"]["private_metadata"] == "not json"
    await sock.ack(envelope, {"response_action": "clear"})
    result = await pending
    assert result["response"] == {"response_action": "clear"} and result["view_state"] == "cleared"
    assert await control.views("U0ALICE", open_only=True) == []


async def test_a_raw_submission_of_no_known_modal_only_reports_the_ack(
    control: SandboxClient, open_socket: SocketFactory
) -> None:
    sock = await open_socket()
    submission = {"type": "view_submission", "view": {"id": "VNOSUCH", "callback_id": "x", **modal()}}
    pending = asyncio.create_task(control.interact(submission, user="U0ALICE"))
    await sock.ack(await sock.receive(), {"response_action": "clear"})
    result = await pending
    assert result["response"] == {"response_action": "clear"} and "view_state" not in result


@pytest.mark.parametrize("payload", [None, [], {"actions": []}, {"type": 3}])
async def test_a_payload_without_a_type_is_refused(control: SandboxClient, payload: object) -> None:
    with pytest.raises(SandboxControlError) as refused:
        await control.interact(payload)  # type: ignore[arg-type]
    assert refused.value.status == 400
