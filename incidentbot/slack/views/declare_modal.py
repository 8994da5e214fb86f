"""The declare form: built (optionally prefilled from a template) and its submission parsed into a DeclareForm.

Slack keeps what a person already typed when views.update sends inputs with the same block_id and
action_id ("Preserving input entry", api.slack.com/methods/views.update), so choosing a template fills
only the fields still untouched. The ids stay fixed because submissions and errors are keyed on them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from incidentbot.domain.models import Severity, Template
from incidentbot.domain.rules import MAX_TEXT_LENGTH, MAX_TITLE_LENGTH
from incidentbot.domain.text import is_blank, one_line
from incidentbot.slack.ids import ActionId, BlockId, CallbackId
from incidentbot.slack.views.blocks import (
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_PLACEHOLDER,
    Block,
    modal,
    option,
    plain,
)
from incidentbot.slack.views.modal_errors import ModalValidationError
from incidentbot.slack.views.state import input_text, input_value
from incidentbot.slack.views.text import severity_label, truncate

__all__ = [
    "DeclareForm",
    "declare_modal",
    "origin_channel",
    "parse_declare_submission",
    "severity_options",
    "suggested_private",
]

MAX_DESCRIPTION = MAX_TEXT_LENGTH
PRIVATE_VALUE = "private"


@dataclass(frozen=True)
class DeclareForm:
    """What the declare form asked for, cleaned and checked."""

    title: str
    severity: Severity
    service: str | None
    description: str
    commander_id: str | None
    template: str | None
    origin_channel_id: str | None
    private: bool = False
    public: bool = False


def _severity_option(severity: Severity) -> dict[str, Any]:
    return option(severity_label(severity), severity.value, description=severity.description)


def severity_options() -> list[dict[str, Any]]:
    """P1 to P4, each with what it means, for every severity picker."""
    return [_severity_option(severity) for severity in Severity]


def severity_select(initial: Severity) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": ActionId.SEVERITY.value,
        "options": severity_options(),
        "initial_option": _severity_option(initial),
    }


def _input(block_id: BlockId, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = "") -> Block:
    block: Block = {"type": "input", "block_id": block_id.value, "label": plain(label, 2000), "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _template_block(templates: Sequence[Template], prefill: Template | None) -> Block | None:
    # A name longer than an option value could never be matched back to its template.
    usable = [t for t in templates if 0 < len(t.name) <= MAX_OPTION_VALUE][:MAX_OPTIONS]
    if not usable:
        return None
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ActionId.TEMPLATE.value,
        "placeholder": plain("Start from a template", MAX_PLACEHOLDER),
        "options": [option(t.name, t.name) for t in usable],
    }
    if prefill is not None and any(t.name == prefill.name for t in usable):
        select["initial_option"] = option(prefill.name, prefill.name)
    block = _input(BlockId.TEMPLATE, "Template", select, optional=True, hint="Picking one fills in the form.")
    block["dispatch_action"] = True  # a choice is sent at once, so the form can be refilled
    return block


def _service_block(services: Sequence[str], prefill: Template | None) -> Block | None:
    usable = list(dict.fromkeys(s for s in services if 0 < len(s) <= MAX_OPTION_VALUE))
    if not usable:
        return None
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ActionId.SERVICE.value,
        "placeholder": plain("Which service is affected?", MAX_PLACEHOLDER),
    }
    if len(usable) <= MAX_OPTIONS:
        select["options"] = [option(s, s) for s in usable]
    else:  # Slack allows 100 options, or 100 groups of 100
        chunks = [usable[i : i + MAX_OPTIONS] for i in range(0, min(len(usable), MAX_OPTIONS**2), MAX_OPTIONS)]
        select["option_groups"] = [
            {"label": plain(f"{chunk[0]} to {chunk[-1]}", 75), "options": [option(s, s) for s in chunk]}
            for chunk in chunks
        ]
    if prefill is not None and prefill.service in usable:
        select["initial_option"] = option(prefill.service, prefill.service)
    return _input(BlockId.SERVICE, "Service", select, optional=True)


def _private_block(ticked: bool) -> Block:
    private = option("Private", PRIVATE_VALUE, description="A private channel; not announced anywhere")
    tick: dict[str, Any] = {"type": "checkboxes", "action_id": ActionId.PRIVATE.value, "options": [private]}
    if ticked:
        tick["initial_options"] = [private]
    hint = "Only the people in its channel (and incident admins) will see it. Add people by hand."
    return _input(BlockId.PRIVATE, "Visibility", tick, optional=True, hint=hint)


def suggested_private(private_metadata: str) -> bool:
    """Whether the form was opened ticked private, so a rebuilt form (a template picked) stays so."""
    try:
        metadata = json.loads(private_metadata or "{}")
    except ValueError:
        return False
    return isinstance(metadata, dict) and metadata.get("private") is True


def declare_modal(
    *,
    services: Sequence[str],
    templates: Sequence[Template],
    default_severity: Severity,
    declarer_id: str,
    origin_channel_id: str | None,
    private: bool = False,
    prefill: Template | None = None,
    offer_public: bool = False,
) -> dict[str, Any]:
    """The form ``/incident declare`` opens; ``prefill`` is the template just picked, if any.

    ``offer_public`` adds a "publish on the status page" tick box (when Statuspage is configured).

    ``private`` ticks the Private box (asked for with ``/incident private``, or declared from a
    private channel); the person may untick it.
    """
    blocks: list[Block] = []
    template = _template_block(templates, prefill)
    if template is not None:
        blocks.append(template)
    title: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ActionId.TITLE.value,
        "max_length": MAX_TITLE_LENGTH,
        "placeholder": plain("What is broken, in a few words", MAX_PLACEHOLDER),
    }
    if prefill is not None and prefill.title:
        title["initial_value"] = truncate(prefill.title, MAX_TITLE_LENGTH)
    blocks.append(_input(BlockId.TITLE, "Title", title))
    severity = prefill.severity if prefill is not None else default_severity
    blocks.append(_input(BlockId.SEVERITY, "Severity", severity_select(severity)))
    blocks.append(_private_block(private))
    service = _service_block(services, prefill)
    if service is not None:
        blocks.append(service)
    description: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ActionId.DESCRIPTION.value,
        "multiline": True,
        "max_length": MAX_DESCRIPTION,
        "placeholder": plain("What do customers see? What has been tried?", MAX_PLACEHOLDER),
    }
    if prefill is not None and prefill.description:
        description["initial_value"] = truncate(prefill.description, MAX_DESCRIPTION)
    blocks.append(_input(BlockId.DESCRIPTION, "Description", description, optional=True))
    commander = {"type": "users_select", "action_id": ActionId.COMMANDER.value, "initial_user": declarer_id}
    hint = "Leads the response. You, unless you pick someone else."
    blocks.append(_input(BlockId.COMMANDER, "Commander", commander, optional=True, hint=hint))
    if offer_public:
        tick = {
            "type": "checkboxes",
            "action_id": ActionId.PUBLIC.value,
            "options": [option("Publish on the status page", "public")],
        }
        note = "Serious incidents are published anyway; tick to publish a milder one too."
        blocks.append(_input(BlockId.PUBLIC, "Status page", tick, optional=True, hint=note))
    return modal(
        callback_id=CallbackId.DECLARE.value,
        title="Declare an incident",
        submit="Declare",
        blocks=blocks,
        metadata={"origin_channel_id": origin_channel_id, "private": private},
    )


def _title(values: Mapping[str, Any], errors: dict[str, str]) -> str:
    typed = input_text(values, BlockId.TITLE, ActionId.TITLE, errors)
    title = one_line(typed)
    if BlockId.TITLE.value in errors:
        return title
    if not typed:
        errors[BlockId.TITLE.value] = "Give the incident a title, e.g. “Checkout errors”."
    elif is_blank(title):
        errors[BlockId.TITLE.value] = "This title has nothing visible in it. Type a title people can read."
    elif len(title) > MAX_TITLE_LENGTH:
        errors[BlockId.TITLE.value] = (
            f"Keep the title to {MAX_TITLE_LENGTH} characters (this one has {len(title)}); "
            "put the details in the description."
        )
    return title


def _severity(values: Mapping[str, Any], errors: dict[str, str]) -> Severity:
    raw = input_value(values, BlockId.SEVERITY, ActionId.SEVERITY)
    try:
        return Severity(raw or "")
    except ValueError:
        errors[BlockId.SEVERITY.value] = "Pick a severity from P1 (most severe) to P4."
        return Severity.P4


def _service(values: Mapping[str, Any], services: Collection[str] | None, errors: dict[str, str]) -> str | None:
    service = input_text(values, BlockId.SERVICE, ActionId.SERVICE, errors, single_line=True) or None
    if service is not None and services is not None and service not in services:
        errors[BlockId.SERVICE.value] = "That service is not in the list any more. Pick another, or none."
    return service


def origin_channel(private_metadata: str) -> str | None:
    """Where the form was opened from, to answer there; None when unknown (or the metadata is not ours)."""
    try:
        metadata = json.loads(private_metadata or "{}")
    except ValueError:
        return None
    origin = metadata.get("origin_channel_id") if isinstance(metadata, dict) else None
    return origin if isinstance(origin, str) and origin else None


def parse_declare_submission(
    values: Mapping[str, Any], private_metadata: str, *, services: Collection[str] | None = None
) -> DeclareForm:
    """The submitted form; ModalValidationError names every field to correct at once.

    ``services``, when given, is the list the form offered: a service removed since is refused.
    """
    errors: dict[str, str] = {}
    title = _title(values, errors)
    severity = _severity(values, errors)
    service = _service(values, services, errors)
    description = input_text(values, BlockId.DESCRIPTION, ActionId.DESCRIPTION, errors)
    if len(description) > MAX_DESCRIPTION:
        errors[BlockId.DESCRIPTION.value] = (
            f"Keep the description under {MAX_DESCRIPTION} characters (this one has {len(description)})."
        )
    if errors:
        raise ModalValidationError(errors)
    return DeclareForm(
        title=title,
        severity=severity,
        service=service,
        description=description,
        commander_id=input_value(values, BlockId.COMMANDER, ActionId.COMMANDER),
        template=input_value(values, BlockId.TEMPLATE, ActionId.TEMPLATE),
        origin_channel_id=origin_channel(private_metadata),
        private=_private_ticked(values),
        public=_ticked(values, BlockId.PUBLIC, ActionId.PUBLIC),
    )


def _ticked(values: Mapping[str, Any], block_id: BlockId, action_id: ActionId) -> bool:
    element = (values.get(block_id.value) or {}).get(action_id.value) or {}
    return any(o.get("value") == "public" for o in element.get("selected_options") or [])


def _private_ticked(values: Mapping[str, Any]) -> bool:
    element = (values.get(BlockId.PRIVATE.value) or {}).get(ActionId.PRIVATE.value) or {}
    return any(o.get("value") == PRIVATE_VALUE for o in element.get("selected_options") or [])
