"""Block Kit building blocks that stay within Slack's limits whatever text they are given."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from incidentbot.slack.views.text import truncate

__all__ = [
    "MAX_BUTTON_TEXT",
    "MAX_FIELD",
    "MAX_HEADER",
    "MAX_MESSAGE_BLOCKS",
    "MAX_MODAL_LABEL",
    "MAX_OPTIONS",
    "MAX_OPTION_TEXT",
    "MAX_OPTION_VALUE",
    "MAX_SECTION",
    "Block",
    "context",
    "fields_section",
    "header",
    "message",
    "modal",
    "option",
    "plain",
    "section",
]

# Slack's Block Kit limits (docs/… and /work/shared/SLACK_RULES.md); the sandbox enforces the same numbers.
MAX_MESSAGE_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_MODAL_LABEL = 24
MAX_PLACEHOLDER = 150
MAX_PRIVATE_METADATA = 3000
MAX_FALLBACK = 3000  # Slack accepts 40,000; a notification never shows more than a few lines

Block = dict[str, Any]


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object; Slack rejects empty text, so an empty string becomes "-"."""
    return {"type": "plain_text", "text": truncate(text, limit) or "-", "emoji": True}


def _mrkdwn(text: str, limit: int) -> dict[str, str]:
    # Callers escape and budget user text themselves; this cut is only the last guard against a limit.
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text, MAX_SECTION)}


def fields_section(fields: Sequence[tuple[str, str]]) -> Block:
    """Label/value pairs shown two by two; at most ten, as Slack allows."""
    shown = [_mrkdwn(f"*{label}*\n{value}", MAX_FIELD) for label, value in fields[:MAX_FIELDS]]
    return {"type": "section", "fields": shown}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text, MAX_SECTION) for text in texts[:10]]}


def option(text: str, value: str, *, description: str | None = None) -> dict[str, Any]:
    built: dict[str, Any] = {"text": plain(text, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}
    if description:
        built["description"] = plain(description, MAX_OPTION_TEXT)
    return built


def message(fallback: str, blocks: list[Block]) -> dict[str, Any]:
    """A message as chat.postMessage takes it; ``text`` is the notification and screen-reader fallback."""
    return {"text": truncate(fallback, MAX_FALLBACK) or "Incident bot", "blocks": blocks[:MAX_MESSAGE_BLOCKS]}


def modal(
    *, callback_id: str, title: str, submit: str, blocks: list[Block], metadata: Mapping[str, Any]
) -> dict[str, Any]:
    """A modal for views.open; ``metadata`` travels back with the submission as private_metadata."""
    private = json.dumps(dict(metadata), separators=(",", ":"))
    if len(private) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata is {len(private)} characters; Slack allows {MAX_PRIVATE_METADATA}")
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MAX_MODAL_LABEL),
        "submit": plain(submit, MAX_MODAL_LABEL),
        "close": plain("Cancel", MAX_MODAL_LABEL),
        "private_metadata": private,
        "blocks": blocks,
    }
