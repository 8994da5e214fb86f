"""Reading interaction payloads: who acted, where, on which button or form; and what to say when it is not ours.

Slack delivers what our views built, but a message or a modal can outlive the code that built it (an
older release, a hand-edited view, another app's leftovers). Every read here either returns a typed
value or raises :class:`StaleInteractionError`, which the intake acks and answers with
:data:`OUT_OF_DATE`: a payload we cannot read is the user's stale screen, not our crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "OUT_OF_DATE",
    "StaleInteractionError",
    "ViewPayload",
    "actor",
    "button_incident_id",
    "button_value",
    "describe",
    "recipient",
    "selected_value",
    "view_of",
    "where",
]

OUT_OF_DATE = (
    "That button or form is out of date, so I did nothing with it. "
    "Run `/incident help` to see what you can do now, or open the form again."
)


class StaleInteractionError(ValueError):
    """A payload not in the shape our views build; ``reason`` is for the log line, never for the user.

    A ``ValueError``, so the view parsers that promised "ValueError when the metadata is not ours" still do.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ViewPayload:
    """The parts of a submitted (or interacted-with) modal that the handlers read."""

    id: str
    callback_id: str
    values: Mapping[str, Any]
    private_metadata: str = ""
    hash: str | None = None
    blocks: list[Mapping[str, Any]] = field(default_factory=list)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first_action(body: Mapping[str, Any]) -> Mapping[str, Any]:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise StaleInteractionError("no action in the payload")
    return actions[0]


def actor(body: Mapping[str, Any]) -> str:
    """The user who acted: ``user.id`` of an interaction, ``user_id`` of a slash command."""
    user = _mapping(body.get("user")).get("id") or body.get("user_id")
    if not isinstance(user, str) or not user:
        raise StaleInteractionError("no user in the payload")
    return user


def where(body: Mapping[str, Any]) -> str | None:
    """The channel it happened in, when there is one (not for anything inside a modal)."""
    channel = _mapping(body.get("channel")).get("id") or body.get("channel_id")
    return channel if isinstance(channel, str) and channel else None


def recipient(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Whom to answer and where, from any payload; never raises (None: nobody to answer)."""
    try:
        return actor(body), where(body)
    except StaleInteractionError:
        return None, None


def describe(body: Mapping[str, Any]) -> str:
    """A short name for the log line: ``block_actions summary_resolve``, ``view_submission incident_update``…"""
    kind = body.get("type") or ("slash_command" if "command" in body else "payload")
    detail: Any = body.get("command")
    if detail is None:
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
        detail = first.get("action_id") or _mapping(body.get("view")).get("callback_id")
    return f"{kind} {str(detail)[:80]!r}" if detail is not None else str(kind)


def button_value(body: Mapping[str, Any]) -> str:
    value = _first_action(body).get("value")
    if not isinstance(value, str):
        raise StaleInteractionError("the button carries no value")
    return value


def button_incident_id(body: Mapping[str, Any]) -> int:
    """The incident a summary or reminder button acts on: its value is the incident's number."""
    value = button_value(body)
    if not value.isascii() or not value.isdigit() or len(value) > 18 or int(value) <= 0:
        raise StaleInteractionError(f"button value {value[:40]!r} is not an incident number")
    return int(value)


def selected_value(body: Mapping[str, Any]) -> str | None:
    """The option picked in a select (None when it was cleared)."""
    value = _mapping(_first_action(body).get("selected_option")).get("value")
    return value if isinstance(value, str) and value else None


def view_of(body: Mapping[str, Any]) -> ViewPayload:
    """The modal of a ``view_submission`` or of a ``block_actions`` inside a modal."""
    view = body.get("view")
    if not isinstance(view, Mapping):
        raise StaleInteractionError("no view in the payload")
    view_id, callback = view.get("id"), view.get("callback_id")
    values = _mapping(view.get("state")).get("values")
    if not isinstance(view_id, str) or not view_id:
        raise StaleInteractionError("the view has no id")
    if not isinstance(callback, str):
        raise StaleInteractionError("the view has no callback_id")
    if not isinstance(values, Mapping):
        raise StaleInteractionError(f"view {callback[:80]!r} has no state")
    metadata = view.get("private_metadata")
    view_hash = view.get("hash")
    blocks = view.get("blocks")
    return ViewPayload(
        id=view_id,
        callback_id=callback,
        values=values,
        private_metadata=metadata if isinstance(metadata, str) else "",
        hash=view_hash if isinstance(view_hash, str) else None,
        blocks=[b for b in blocks if isinstance(b, Mapping)] if isinstance(blocks, list) else [],
    )
