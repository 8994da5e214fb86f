"""Shared by the views tests: an incident factory and checks with the sandbox's own Slack rules.

Every message and modal a test builds goes through ``incidentbot.sandbox.rules``, which refuses what
Slack refuses with Slack's error codes; a view that passes here is one Slack would accept. The few
rules the sandbox does not check (option descriptions, initial options) are checked here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from incidentbot.domain.models import EventKind, Incident, Severity, Status, TimelineEvent
from incidentbot.sandbox import rules
from incidentbot.sandbox.errors import SlackError

NOW = datetime(2026, 11, 23, 19, 5, tzinfo=UTC)  # Mon 23 Nov, 14:05 in New York
HOSTILE = "<script>alert(1)</script> & <!channel> <@U0EVE> <https://evil.example|click>"


def make_incident(**overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "id": 42,
        "title": "Checkout errors",
        "severity": Severity.P2,
        "status": Status.INVESTIGATING,
        "service": "checkout",
        "description": "5xx on /checkout since 14:02",
        "commander_id": "U0ALICE",
        "comms_id": None,
        "scribe_id": None,
        "declared_by": "U0BOB",
        "channel_id": "C0INC42",
        "channel_name": "inc-20261123-42-checkout-errors",
        "summary_ts": "1700000000.000100",
        "template": None,
        "declared_at": NOW - timedelta(hours=1, minutes=23),
        "updated_at": NOW - timedelta(minutes=5),
        "resolved_at": None,
        "resolution": None,
        "last_update_at": NOW - timedelta(minutes=5),
    }
    fields.update(overrides)
    return Incident(**fields)


def make_resolved(**overrides: Any) -> Incident:
    values: dict[str, Any] = {
        "status": Status.RESOLVED,
        "resolved_at": NOW - timedelta(minutes=21),
        "resolution": "Rolled back release 2026.11.23-3",
    }
    values.update(overrides)
    return make_incident(**values)


def make_event(kind: EventKind = EventKind.NOTE, **overrides: Any) -> TimelineEvent:
    fields: dict[str, Any] = {
        "id": 1,
        "incident_id": 42,
        "at": NOW,
        "actor_id": "U0ALICE",
        "kind": kind,
        "text": "",
        "data": {},
    }
    fields.update(overrides)
    return TimelineEvent(**fields)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _extra_checks(payload: dict[str, Any]) -> None:
    json.dumps(payload)  # what is sent must be JSON as it is
    for node in _walk(payload.get("blocks", [])):
        description = node.get("description")
        if isinstance(description, dict):
            assert description["type"] == "plain_text"
            assert 0 < len(description["text"]) <= 75, description
        initial = node.get("initial_option")
        if initial is not None:
            offered = node.get("options") or [o for g in node.get("option_groups", []) for o in g["options"]]
            assert initial in offered, f"initial_option {initial} is not one of the options"


def assert_valid_message(message: dict[str, Any]) -> dict[str, Any]:
    """Accepted by chat.postMessage: blocks within Block Kit's limits and a non-empty text fallback."""
    assert set(message) <= {"text", "blocks", "response_type"}, sorted(message)
    assert isinstance(message["text"], str) and message["text"].strip(), "no text fallback"
    try:
        rules.message_content(message["text"], message["blocks"], None)
    except SlackError as err:
        pytest.fail(f"Slack would refuse the message: {err.code} {err.extra}")
    _extra_checks(message)
    return message


def assert_valid_modal(view: dict[str, Any]) -> dict[str, Any]:
    """Accepted by views.open."""
    try:
        rules.check_view(view, kind="modal")
    except SlackError as err:
        pytest.fail(f"Slack would refuse the modal: {err.code} {err.extra}")
    _extra_checks(view)
    return view


def assert_valid_topic(topic: str) -> str:
    try:
        rules.check_topic(topic)
    except SlackError as err:
        pytest.fail(f"Slack would refuse the topic ({len(topic)} characters): {err.code}")
    return topic


def visible_text(payload: dict[str, Any]) -> str:
    """Every text a person could see in the blocks, joined: what assertions about wording look at."""
    texts = [node["text"] for node in _walk(payload.get("blocks", [])) if isinstance(node.get("text"), str)]
    return "\n".join(texts)


def markup_text(payload: dict[str, Any]) -> str:
    """Only the mrkdwn texts (and the fallback), where Slack would turn <…> into mentions and links."""
    texts = [node["text"] for node in _walk(payload.get("blocks", [])) if node.get("type") == "mrkdwn"]
    return "\n".join([*texts, str(payload.get("text", ""))])


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def state_from_initials(view: dict[str, Any], **typed: Any) -> dict[str, Any]:
    """``view.state.values`` as Slack would send it: each input's initial value unless ``typed`` says otherwise.

    ``typed`` maps a block_id to the text typed, the option value picked or the user picked (None clears it).
    """
    values: dict[str, Any] = {}
    for block_id, block in input_blocks(view).items():
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        if kind == "plain_text_input":
            value = typed.get(block_id, element.get("initial_value"))
            values[block_id] = {action_id: {"type": kind, "value": value}}
        elif kind == "static_select":
            initial = (element.get("initial_option") or {}).get("value")
            picked = typed.get(block_id, initial)
            selected = {"value": picked, "text": {"type": "plain_text", "text": str(picked)}} if picked else None
            values[block_id] = {action_id: {"type": kind, "selected_option": selected}}
        elif kind == "users_select":
            values[block_id] = {
                action_id: {"type": kind, "selected_user": typed.get(block_id, element.get("initial_user"))}
            }
    return values


def test_the_checks_catch_what_slack_would_refuse() -> None:
    too_long = {"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]}
    with pytest.raises(pytest.fail.Exception, match="invalid_blocks"):
        assert_valid_message(too_long)
    with pytest.raises(AssertionError, match="no text fallback"):
        assert_valid_message({"text": "", "blocks": []})
    with pytest.raises(pytest.fail.Exception, match="too_long"):
        assert_valid_topic("x" * 251)


def test_the_checks_catch_a_long_option_description_which_the_sandbox_does_not() -> None:
    select = {
        "type": "static_select",
        "action_id": "a",
        "options": [
            {
                "text": {"type": "plain_text", "text": "P1"},
                "value": "P1",
                "description": {"type": "plain_text", "text": "d" * 76},
            }
        ],
    }
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "submit": {"type": "plain_text", "text": "S"},
        "blocks": [{"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "L"}, "element": select}],
    }
    with pytest.raises(AssertionError):
        assert_valid_modal(view)
