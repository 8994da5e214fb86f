"""The pure rule checks: Block Kit limits, modal limits, channel names."""

from __future__ import annotations

from typing import Any

import pytest

from incidentbot.sandbox.blockkit import block_errors, with_ids
from incidentbot.sandbox.errors import SlackError
from incidentbot.sandbox.rules import check_channel_name, check_view

from .conftest import modal


def text(n: int, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": kind, "text": "x" * n}


def button(**extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "b", "text": text(5), **extra}


def section(**extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": text(5, "mrkdwn"), **extra}


def options(n: int, *, label: int = 5, value: int = 5) -> list[dict[str, Any]]:
    return [{"text": text(label), "value": f"{i:0{value}d}"} for i in range(n)]


def select(opts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "s", "options": opts}


VALID: list[list[dict[str, Any]]] = [
    [section()],
    [section(text=text(3000, "mrkdwn"))],
    [{"type": "section", "fields": [text(2000, "mrkdwn")] * 10}],
    [{"type": "header", "text": text(150)}],
    [{"type": "divider"}],
    [{"type": "context", "elements": [text(10, "mrkdwn")] * 10}],
    [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(25)]}],
    [{"type": "actions", "elements": [button(text=text(75), value="v" * 2000, url="https://" + "u" * 2990)]}],
    [{"type": "actions", "elements": [select(options(100, label=75, value=150))]}],
    [{"type": "image", "image_url": "https://i.example/x.png", "alt_text": "a" * 2000}],
    [section(block_id="b" * 255)],
    [section()] * 50,
]


@pytest.mark.parametrize("blocks", VALID)
def test_blocks_at_the_limits_are_accepted(blocks: list[dict[str, Any]]) -> None:
    assert block_errors(blocks) == []


INVALID: list[tuple[list[dict[str, Any]], str]] = [
    ([section()] * 51, "/blocks"),
    ([section(text=text(3001, "mrkdwn"))], "/blocks/0/text/text"),
    ([{"type": "section", "fields": [text(5, "mrkdwn")] * 11}], "/blocks/0/fields"),
    ([{"type": "section", "fields": [text(2001, "mrkdwn")]}], "/blocks/0/fields/0/text"),
    ([{"type": "header", "text": text(151)}], "/blocks/0/text/text"),
    ([{"type": "header", "text": text(5, "mrkdwn")}], "/blocks/0/text/type"),
    ([{"type": "context", "elements": [text(5)] * 11}], "/blocks/0/elements"),
    ([{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}], "/blocks/0/elements"),
    ([{"type": "actions", "elements": [button(text=text(76))]}], "/blocks/0/elements/0/text/text"),
    ([{"type": "actions", "elements": [button(value="v" * 2001)]}], "/blocks/0/elements/0/value"),
    ([{"type": "actions", "elements": [button(url="u" * 3001)]}], "/blocks/0/elements/0/url"),
    ([{"type": "actions", "elements": [button(action_id="a" * 256)]}], "/blocks/0/elements/0/action_id"),
    ([{"type": "actions", "elements": [button(), button()]}], "/blocks/0"),
    ([section(block_id="b" * 256)], "/blocks/0/block_id"),
    ([section(block_id="same"), section(block_id="same")], "/blocks/1/block_id"),
    ([{"type": "actions", "elements": [select(options(101))]}], "/blocks/0/elements/0/options"),
    ([{"type": "actions", "elements": [select(options(1, label=76))]}], "/blocks/0/elements/0/options/0/text/text"),
    ([{"type": "actions", "elements": [select(options(1, value=151))]}], "/blocks/0/elements/0/options/0/value"),
    ([{"type": "actions", "elements": [{"type": "plain_text_input", "action_id": "t"}]}], "/blocks/0/elements/0/type"),
    ([section(accessory={"type": "plain_text_input", "action_id": "t"})], "/blocks/0/accessory/type"),
    ([{"type": "image", "image_url": "https://i.example/x.png", "alt_text": "a" * 2001}], "/blocks/0/alt_text"),
    ([{"type": "image", "image_url": "https://i.example/x.png"}], "/blocks/0/alt_text"),
    ([{"type": "carousel"}], "/blocks/0/type"),
    ([{"text": text(5)}], "/blocks/0"),
]


@pytest.mark.parametrize(("blocks", "pointer"), INVALID)
def test_each_limit_is_reported_where_it_is_broken(blocks: list[dict[str, Any]], pointer: str) -> None:
    errors = block_errors(blocks)
    assert errors, blocks
    assert any(e.startswith("[ERROR] ") and e.endswith(f"[json-pointer:{pointer}]") for e in errors), errors


@pytest.mark.parametrize(("low", "high", "ok"), [(0, 3000, True), (-1, 10, False), (0, 3001, False), (5, 2, False)])
def test_text_input_lengths(low: int, high: int, ok: bool) -> None:
    element = {"type": "plain_text_input", "action_id": "t", "min_length": low, "max_length": high}
    block = {"type": "input", "label": text(5), "element": element}
    assert (block_errors([block], surface="modal") == []) is ok


def test_modals_allow_100_blocks() -> None:
    assert block_errors([section()] * 100, surface="modal") == []
    assert block_errors([section()] * 101, surface="modal") != []


def test_missing_ids_are_filled_in_like_slack_does() -> None:
    counter = iter(range(100))
    filled = with_ids(
        [{"type": "actions", "elements": [{"type": "button", "text": text(2)}]}], lambda: f"id{next(counter)}"
    )
    assert filled[0]["block_id"] == "id0" and filled[0]["elements"][0]["action_id"] == "id1"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": text(25)}, "/view/title/text"),
        ({"submit": text(25)}, "/view/submit/text"),
        ({"close": text(25)}, "/view/close/text"),
        ({"submit": None}, "/view/submit"),
        ({"private_metadata": "m" * 3001}, "/view/private_metadata"),
        ({"callback_id": "c" * 256}, "/view/callback_id"),
        ({"external_id": "e" * 256}, "/view/external_id"),
        ({"type": "popup"}, "/view/type"),
    ],
)
def test_modal_limits_are_invalid_arguments(changes: dict[str, Any], message: str) -> None:
    view = {k: v for k, v in {**modal(), **changes}.items() if v is not None}
    with pytest.raises(SlackError) as refused:
        check_view(view, kind="modal")
    assert refused.value.code == "invalid_arguments"
    assert any(m.endswith(f"[json-pointer:{message}]") for m in refused.value.extra["response_metadata"]["messages"])


def test_modal_at_the_limits_and_without_inputs_is_fine() -> None:
    check_view(modal(title="t" * 24, private_metadata="m" * 3000, callback_id="c" * 255), kind="modal")
    check_view(modal(inputs=False), kind="modal")  # no inputs, so no submit needed


def test_huge_view_is_too_large() -> None:
    blocks = [section(text=text(3000, "mrkdwn")) for _ in range(90)]
    with pytest.raises(SlackError) as refused:
        check_view({**modal(inputs=False), "blocks": blocks})
    assert refused.value.code == "view_too_large"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Ab", "invalid_name_specials"),
        ("_-_", "invalid_name_punctuation"),
    ],
)
def test_channel_names(name: str, code: str) -> None:
    with pytest.raises(SlackError) as refused:
        check_channel_name(name)
    assert refused.value.code == code
    check_channel_name("inc-42_db" + "x" * 71)
