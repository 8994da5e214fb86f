"""The forms behind the summary's buttons: post an update, change the severity, resolve; and their parsing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from incidentbot.domain.models import Incident, Severity, Status
from incidentbot.domain.rules import MAX_TEXT_LENGTH
from incidentbot.domain.text import is_blank
from incidentbot.slack.ids import ActionId, BlockId, CallbackId
from incidentbot.slack.views.blocks import MAX_PLACEHOLDER, Block, context, modal, option, plain
from incidentbot.slack.views.declare_modal import severity_select
from incidentbot.slack.views.interaction import StaleInteractionError
from incidentbot.slack.views.modal_errors import ModalValidationError
from incidentbot.slack.views.state import input_text, input_value
from incidentbot.slack.views.text import escape_within, severity_label, status_label

__all__ = [
    "UpdateForm",
    "incident_id_from_metadata",
    "parse_resolve_submission",
    "parse_severity_submission",
    "parse_update_submission",
    "resolve_modal",
    "severity_modal",
    "update_modal",
]


@dataclass(frozen=True)
class UpdateForm:
    """An update's text and, when the author moved it on, the incident's new status."""

    text: str
    status: Status | None


def _about(incident: Incident) -> Block:
    """Which incident the form acts on, since a modal hides the channel it was opened from."""
    title = escape_within(incident.title, 200)
    state = f"{severity_label(incident.severity)} · {status_label(incident.status)}"
    return context(f"*{incident.reference}* {title} · {state}")


def _incident_modal(
    incident: Incident, callback: CallbackId, title: str, submit: str, blocks: list[Block]
) -> dict[str, Any]:
    return modal(
        callback_id=callback.value,
        title=title,
        submit=submit,
        blocks=[_about(incident), *blocks],
        metadata={"incident_id": incident.id},
    )


def incident_id_from_metadata(private_metadata: str) -> int:
    """The incident a submitted form is about; StaleInteractionError (a ValueError) if the metadata is not ours."""
    try:
        metadata = json.loads(private_metadata)
        incident_id = metadata["incident_id"]
    except (ValueError, TypeError, KeyError):
        raise StaleInteractionError(f"no incident id in private_metadata {private_metadata[:100]!r}") from None
    if not isinstance(incident_id, int) or isinstance(incident_id, bool):
        raise StaleInteractionError(f"incident id {str(incident_id)[:40]!r} in private_metadata is not a number")
    return incident_id


def _text_input(action_id: ActionId, placeholder: str) -> dict[str, Any]:
    return {
        "type": "plain_text_input",
        "action_id": action_id.value,
        "multiline": True,
        "max_length": MAX_TEXT_LENGTH,
        "placeholder": plain(placeholder, MAX_PLACEHOLDER),
    }


def _status_option(status: Status) -> dict[str, Any]:
    if status is Status.RESOLVED:
        return option("Resolved (this update becomes the summary)", status.value)
    return option(status_label(status), status.value)


def update_modal(incident: Incident) -> dict[str, Any]:
    """Write an update and, optionally, move the status forward (never back: that is what reopen is for)."""
    blocks: list[Block] = []
    later = [status for status in Status if status.order > incident.status.order]
    if later:
        select = {
            "type": "static_select",
            "action_id": ActionId.STATUS.value,
            "placeholder": plain(f"Keep it {status_label(incident.status).lower()}", MAX_PLACEHOLDER),
            "options": [_status_option(status) for status in later],
        }
        blocks.append(
            {
                "type": "input",
                "block_id": BlockId.STATUS.value,
                "optional": True,
                "label": plain("New status", 2000),
                "hint": plain(f"Now {status_label(incident.status)}. Leave empty to keep it.", 2000),
                "element": select,
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.UPDATE_TEXT.value,
            "label": plain("Update", 2000),
            "element": _text_input(ActionId.UPDATE_TEXT, "What changed, and what happens next?"),
        }
    )
    return _incident_modal(incident, CallbackId.UPDATE, "Post an update", "Post update", blocks)


def _checked_text(values: Mapping[str, Any], block: BlockId, action: ActionId, what: str) -> str:
    errors: dict[str, str] = {}
    text = input_text(values, block, action, errors)
    if errors:
        raise ModalValidationError(errors)
    if len(text) > MAX_TEXT_LENGTH:
        raise ModalValidationError(
            {block.value: f"Keep the {what} under {MAX_TEXT_LENGTH} characters (this one has {len(text)})."}
        )
    return "" if is_blank(text) else text


def parse_update_submission(values: Mapping[str, Any]) -> UpdateForm:
    text = _checked_text(values, BlockId.UPDATE_TEXT, ActionId.UPDATE_TEXT, "update")
    errors: dict[str, str] = {}
    if not text:
        errors[BlockId.UPDATE_TEXT.value] = "Write the update: what changed, and what happens next."
    raw = input_value(values, BlockId.STATUS, ActionId.STATUS)
    status: Status | None = None
    if raw is not None:
        try:
            status = Status(raw)
        except ValueError:
            status = None
        if status is None or status is Status.DECLARED:
            errors[BlockId.STATUS.value] = "Pick one of the listed states, or leave it empty."
    if errors:
        raise ModalValidationError(errors)
    return UpdateForm(text=text, status=status)


def severity_modal(incident: Incident) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": BlockId.SEVERITY.value,
        "label": plain("Severity", 2000),
        "hint": plain("Raising it to P1 pages the on-call people.", 2000),
        "element": severity_select(incident.severity),
    }
    return _incident_modal(incident, CallbackId.SEVERITY, "Change severity", "Change", [block])


def parse_severity_submission(values: Mapping[str, Any]) -> Severity:
    raw = input_value(values, BlockId.SEVERITY, ActionId.SEVERITY)
    try:
        return Severity(raw or "")
    except ValueError:
        raise ModalValidationError({BlockId.SEVERITY.value: "Pick a severity from P1 (most severe) to P4."}) from None


def resolve_modal(incident: Incident) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": BlockId.RESOLUTION.value,
        "optional": True,
        "label": plain("Resolution summary", 2000),
        "hint": plain("Shown in the summary and told to everyone who was notified.", 2000),
        "element": _text_input(ActionId.RESOLUTION, "What fixed it, and any follow-up"),
    }
    return _incident_modal(incident, CallbackId.RESOLVE, "Resolve incident", "Resolve", [block])


def parse_resolve_submission(values: Mapping[str, Any]) -> str:
    """The resolution summary, "" when none was written."""
    return _checked_text(values, BlockId.RESOLUTION, ActionId.RESOLUTION, "summary")
