"""Stale and malformed interactions through the real daemon: each acked on its first delivery, answered
once, and logged as one warning line with no traceback."""

from __future__ import annotations

from typing import Any

import pytest

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, GENERAL, Workspace, visible_text
from incidentbot.sandbox import SandboxClient
from incidentbot.slack.views.interaction import OUT_OF_DATE
from tests.integration.conftest import declare, eventually, rows

pytestmark = pytest.mark.resilience

STALE_LOG = "is out of date or not ours"


def _stale_answers(messages: list[dict[str, Any]]) -> int:
    return len([m for m in messages if OUT_OF_DATE in visible_text(m)])


async def _dm_answers(slack: SandboxClient, user: str) -> int:
    return _stale_answers((await slack.dms(user))["messages"])


def _assert_logged_once_each(bot: DaemonChild, count: int) -> None:
    lines = bot.log_lines()
    stale = [line for line in lines if STALE_LOG in str(line.get("message"))]
    assert [line.get("level") for line in stale] == ["WARNING"] * count, stale
    assert not [line for line in lines if line.get("exc_info") or "Traceback" in str(line)], bot.log_text()[-3000:]


async def _open_update_form(ws: Workspace, cid: str) -> dict[str, Any]:
    ts = str((await ws.summary(cid))["ts"])
    await ws.slack.click(user=ALICE, channel=cid, message_ts=ts, action_id="summary_post_update")

    async def form() -> dict[str, Any] | None:
        views = [v for v in await ws.slack.views(ALICE, open_only=True) if v["callback_id"] == "incident_update"]
        return views[-1] if views else None

    found: dict[str, Any] = await ws.wait(form, what="update form")
    return found


async def test_a_button_with_a_garbage_value_is_acked_at_once_and_answered_once(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    cid = (await declare(ws, "P3 Stale buttons", user=ALICE))["id"]
    ts = str((await ws.summary(cid))["ts"])
    for count, action in enumerate(("summary_resolve", "summary_change_severity"), start=1):
        result = await ws.slack.click(user=ALICE, channel=cid, message_ts=ts, action_id=action, value="12; DROP")
        assert (result["acked"], result["attempts"]) == (True, 1)

        async def answered(count: int = count) -> bool:
            return _stale_answers(await ws.slack.ephemerals(ALICE)) == count

        await eventually(answered)
    # A later command's answer arrives after them: nothing else was said about the stale clicks.
    await ws.run("info", user=ALICE, channel=cid)
    await ws.reply_to(ALICE, "Stale buttons")
    assert _stale_answers(await ws.slack.ephemerals(ALICE)) == 2
    assert rows(database_url, "SELECT status FROM incidents") == [("declared",)]
    _assert_logged_once_each(bot, 2)


async def test_forms_the_bot_cannot_read_are_cleared_at_once_and_answered_once(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    cid = (await declare(ws, "P3 Stale forms", user=ALICE))["id"]
    tampered = [
        {"private_metadata": "not json"},  # an older release's metadata
        {"private_metadata": '{"incident_id": "1"}'},
        {"callback_id": "incident_close_v0"},  # a form no release of ours still knows
    ]
    for count, change in enumerate(tampered, start=1):
        view = await _open_update_form(ws, cid)
        values = {"update_text": {"update_text": {"type": "plain_text_input", "value": "should not be posted"}}}
        forged = {**view, **change, "state": {"values": values}}
        result = await slack.interact({"type": "view_submission", "view": forged}, user=ALICE)
        assert (result["acked"], result["attempts"]) == (True, 1)
        assert result["response"] == {"response_action": "clear"} and result["view_state"] == "cleared"

        async def answered(count: int = count) -> bool:
            return await _dm_answers(slack, ALICE) == count

        await eventually(answered)
    await ws.run("info", user=ALICE, channel=cid)
    await ws.reply_to(ALICE, "Stale forms")
    assert await _dm_answers(slack, ALICE) == 3
    assert rows(database_url, "SELECT kind FROM incident_events WHERE kind = 'update'") == []
    _assert_logged_once_each(bot, 3)


async def test_a_payload_bolt_cannot_read_is_acked_once_not_redelivered(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient
) -> None:
    # Slack always sends the view as an object; bolt fails on anything else before any listener runs.
    # Redelivering the same payload would fail the same way, so it is acked once, with one warning.
    result = await slack.interact({"type": "view_submission", "view": "V0BROKEN"}, user=ALICE)
    assert (result["acked"], result["attempts"]) == (True, 1)
    await ws.run("help", user=ALICE, channel=GENERAL)
    await ws.reply_to(ALICE, "help")
    lines = bot.log_lines()
    assert [line.get("level") for line in lines if "bolt could not" in str(line.get("message"))] == ["WARNING"]
