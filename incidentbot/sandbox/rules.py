"""Pure checks of Slack's rules; each raises `SlackError` with Slack's own error code."""

from __future__ import annotations

import json
import re
from typing import Any

from .blockkit import block_errors
from .errors import SlackError
from .models import Json

MAX_TEXT = 40_000
MAX_TOPIC = 250
MAX_CHANNEL_NAME = 80
MAX_VIEW_BYTES = 250_000
MAX_MODAL_LABEL = 24
MAX_PRIVATE_METADATA = 3000
MAX_INVITES = 1000

_NAME_CHARS = re.compile(r"[a-z0-9_-]+")
_PUNCTUATION_ONLY = re.compile(r"[_-]+")
_REACTION = re.compile(r"[a-z0-9_+'-]+(::skin-tone-[2-6])?")


def check_channel_name(name: str) -> None:
    """conversations.create naming: lowercase letters, digits, `-` and `_`, 1 to 80 characters."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _NAME_CHARS.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if _PUNCTUATION_ONLY.fullmatch(name):
        raise SlackError("invalid_name_punctuation")


def check_topic(value: str) -> None:
    if len(value) > MAX_TOPIC:
        raise SlackError("too_long")


def check_reaction_name(name: str) -> None:
    if not _REACTION.fullmatch(name):
        raise SlackError("invalid_name")


def check_message_blocks(blocks: Any) -> None:
    """Blocks of a message: `invalid_blocks` listing every problem in `response_metadata.messages`."""
    errors = block_errors(blocks, surface="message")
    if errors:
        raise SlackError("invalid_blocks", messages=errors)


def message_content(text: str | None, blocks: Any, attachments: Any) -> tuple[str, list[str]]:
    """The stored text and any warnings; `no_text` when there is nothing to show."""
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if blocks is not None:
        check_message_blocks(blocks)
    warnings: list[str] = []
    text = text or ""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        warnings.append("message_truncated")
    return text, warnings


def _plain_label(view: Json, key: str, errors: list[str], *, required: bool = False) -> None:
    label = view.get(key)
    if label is None:
        if required:
            errors.append(f"[ERROR] missing required field: {key} [json-pointer:/view/{key}]")
        return
    if not isinstance(label, dict) or label.get("type") != "plain_text":
        errors.append(f"[ERROR] must be a plain_text object [json-pointer:/view/{key}]")
        return
    text = label.get("text")
    if not isinstance(text, str) or not text:
        errors.append(f"[ERROR] must be more than 0 characters [json-pointer:/view/{key}/text]")
    elif len(text) > MAX_MODAL_LABEL:
        errors.append(f"[ERROR] must be less than {MAX_MODAL_LABEL + 1} characters [json-pointer:/view/{key}/text]")


def _max_len(view: Json, key: str, limit: int, errors: list[str]) -> None:
    value = view.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        errors.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:/view/{key}]")


def check_view(view: Any, *, kind: str | None = None) -> Json:
    """A modal or Home tab definition as views.open/update/push/publish accept it."""
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", messages=["[ERROR] must be an object [json-pointer:/view]"])
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    errors: list[str] = []
    view_type = view.get("type")
    if view_type not in ("modal", "home") or (kind is not None and view_type != kind):
        allowed = kind or "modal, home"
        errors.append(f"[ERROR] must be one of {allowed} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
    else:
        surface = "home" if view_type == "home" else "modal"
        errors.extend(block_errors(blocks, surface=surface, pointer="/view/blocks"))
    if view_type == "modal":
        _plain_label(view, "title", errors, required=True)
        has_inputs = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        _plain_label(view, "submit", errors, required=has_inputs)
        _plain_label(view, "close", errors)
    _max_len(view, "private_metadata", MAX_PRIVATE_METADATA, errors)
    _max_len(view, "callback_id", 255, errors)
    _max_len(view, "external_id", 255, errors)
    if errors:
        raise SlackError("invalid_arguments", messages=errors)
    return view


def input_block_ids(blocks: list[Json]) -> set[str]:
    return {str(b["block_id"]) for b in blocks if b.get("type") == "input" and "block_id" in b}
