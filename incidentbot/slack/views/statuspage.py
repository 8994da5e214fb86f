"""Publishing on the status page: the form built for customers, its preview, and the channel's messages.

The form starts from neutral wording, never from the internal title, updates or notes. Submitting
it shows exactly what customers will read (a pushed preview); only the preview's *Publish* sends it.
Changing the public status swaps in that status's wording: the message and component blocks carry
the status in their block_id, so Slack does not keep the old text ("Preserving input entry",
api.slack.com/methods/views.update).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from incidentbot.domain.models import Incident, Severity
from incidentbot.domain.publication import (
    MAX_PUBLIC_MESSAGE,
    MAX_PUBLIC_TITLE,
    ComponentStatus,
    MappedComponent,
    Publication,
    PublicationDraft,
    PublicState,
    PublicStatus,
)
from incidentbot.slack.ids import ActionId, BlockId, CallbackId
from incidentbot.slack.views.blocks import (
    MAX_BUTTON_TEXT,
    MAX_PLACEHOLDER,
    Block,
    context,
    message,
    modal,
    option,
    plain,
    section,
)
from incidentbot.slack.views.interaction import StaleInteractionError
from incidentbot.slack.views.modal_errors import ModalValidationError
from incidentbot.slack.views.state import input_value
from incidentbot.slack.views.text import escape, escape_within, mention, severity_label, truncate

__all__ = [
    "component_labels",
    "confirm_modal",
    "draft_from_confirmation",
    "form_incident_id",
    "offer_resolution_message",
    "parse_publish_submission",
    "prompt_message",
    "publication_line",
    "publish_button",
    "publish_modal",
    "refusal_text",
    "status_from_form",
]

MAX_COMPONENTS = 40  # inputs in one modal; Slack allows 100 blocks
NOT_AFFECTED = "not_affected"
_STATUS_LABELS = {
    PublicStatus.INVESTIGATING: "Investigating",
    PublicStatus.IDENTIFIED: "Identified",
    PublicStatus.MONITORING: "Monitoring",
    PublicStatus.RESOLVED: "Resolved",
}


def status_label(status: PublicStatus) -> str:
    return _STATUS_LABELS[status]


def publish_button(incident: Incident, *, text: str = "Status page", preset: PublicStatus | None = None) -> Block:
    """Opens the publish form; ``preset`` chooses its public status (e.g. resolved)."""
    value = f"{incident.id}:{preset.value}" if preset else str(incident.id)
    return {
        "type": "button",
        "action_id": ActionId.STATUSPAGE_OPEN.value,
        "text": plain(text, MAX_BUTTON_TEXT),
        "value": value,
    }


def _component_block(component: MappedComponent, chosen: ComponentStatus | None, status: PublicStatus) -> Block:
    options = [option("Not affected", NOT_AFFECTED)] + [option(s.label, s.value) for s in ComponentStatus]
    initial = option(chosen.label, chosen.value) if chosen else option("Not affected", NOT_AFFECTED)
    return {
        "type": "input",
        "block_id": f"{BlockId.COMPONENT_PREFIX.value}{status.value}:{component.component_id}",
        "label": plain(truncate(component.label, 150), 2000),
        "element": {
            "type": "static_select",
            "action_id": ActionId.COMPONENT_STATUS.value,
            "options": options,
            "initial_option": initial,
        },
    }


def publish_modal(
    incident: Incident,
    draft: PublicationDraft,
    *,
    components: Sequence[MappedComponent],
    current: PublicState | None,
) -> dict[str, Any]:
    """The form: public title, public status, each mapped component's status, the customer message."""
    status = draft.status
    now_public = (
        f"Customers now see *{status_label(current.status)}*: “{escape_within(current.title or '', 100)}”."
        if current is not None and current.status is not None
        else "Nothing about this incident is public yet."
    )
    blocks: list[Block] = [
        context(
            f"*{incident.reference}* · {severity_label(incident.severity)} · {now_public} "
            "Write for customers: no internal names, hosts or people."
        ),
        {
            "type": "input",
            "block_id": BlockId.PUBLIC_TITLE.value,
            "label": plain("Public title", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": ActionId.PUBLIC_TITLE.value,
                "max_length": MAX_PUBLIC_TITLE,
                "initial_value": truncate(draft.title, MAX_PUBLIC_TITLE),
            },
        },
        {
            "type": "input",
            "block_id": BlockId.PUBLIC_STATUS.value,
            "label": plain("Public status", 2000),
            "dispatch_action": True,  # a new status brings that status's wording
            "element": {
                "type": "static_select",
                "action_id": ActionId.PUBLIC_STATUS.value,
                "options": [option(status_label(s), s.value) for s in PublicStatus],
                "initial_option": option(status_label(status), status.value),
            },
        },
    ]
    for component in list(components)[:MAX_COMPONENTS]:
        blocks.append(_component_block(component, draft.components.get(component.component_id), status))
    if not components:
        blocks.append(context("No status page component is mapped to a service (`incidentbot statuspage map`)."))
    blocks.append(
        {
            "type": "input",
            "block_id": f"{BlockId.PUBLIC_MESSAGE.value}:{status.value}",
            "label": plain("Message to customers", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": ActionId.PUBLIC_MESSAGE.value,
                "multiline": True,
                "max_length": MAX_PUBLIC_MESSAGE,
                "initial_value": truncate(draft.message, MAX_PUBLIC_MESSAGE),
                "placeholder": plain("What customers see, what to expect, when you will update", MAX_PLACEHOLDER),
            },
        }
    )
    return modal(
        callback_id=CallbackId.STATUSPAGE.value,
        title="Status page",
        submit="Preview",
        blocks=blocks,
        metadata={"incident_id": incident.id},
    )


def status_from_form(values: Mapping[str, Any]) -> PublicStatus | None:
    """The public status chosen in the form (for the status picker's own action)."""
    raw = input_value(values, BlockId.PUBLIC_STATUS.value, ActionId.PUBLIC_STATUS.value)
    try:
        return PublicStatus(raw or "")
    except ValueError:
        return None


def parse_publish_submission(values: Mapping[str, Any], private_metadata: str) -> PublicationDraft:
    """The draft as typed; ModalValidationError names each field to correct. ValueError: not our form."""
    incident_id = form_incident_id(private_metadata)
    errors: dict[str, str] = {}
    title = input_value(values, BlockId.PUBLIC_TITLE.value, ActionId.PUBLIC_TITLE.value) or ""
    if not title.strip():
        errors[BlockId.PUBLIC_TITLE.value] = "Give customers a title, e.g. “Checkout is slow”."
    status = status_from_form(values)
    if status is None:
        errors[BlockId.PUBLIC_STATUS.value] = "Pick the public status."
        status = PublicStatus.INVESTIGATING
    message_block = next((b for b in values if b.startswith(f"{BlockId.PUBLIC_MESSAGE.value}:")), None)
    text = input_value(values, message_block, ActionId.PUBLIC_MESSAGE.value) if message_block else None
    if not (text or "").strip() and message_block:
        errors[message_block] = "Write what customers will read."
    components: dict[str, ComponentStatus] = {}
    for block_id in values:
        if not block_id.startswith(BlockId.COMPONENT_PREFIX.value):
            continue
        component_id = block_id.split(":", 2)[-1]
        raw = input_value(values, block_id, ActionId.COMPONENT_STATUS.value)
        if raw and raw != NOT_AFFECTED:
            try:
                components[component_id] = ComponentStatus(raw)
            except ValueError:
                errors[block_id] = "Pick a status from the list."
    if errors:
        raise ModalValidationError(errors)
    return PublicationDraft(
        incident_id=incident_id, title=title, status=status, message=text or "", components=components
    )


def form_incident_id(private_metadata: str) -> int:
    """The incident a publish form is about; StaleInteractionError (a ValueError) when it is not our form."""
    try:
        data = json.loads(private_metadata or "{}")
    except ValueError:
        data = None
    incident_id = data.get("incident_id") if isinstance(data, dict) else None
    if not isinstance(incident_id, int) or isinstance(incident_id, bool):
        raise StaleInteractionError(f"not a status page form: private_metadata {private_metadata[:100]!r}")
    return incident_id


def component_labels(view_blocks: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Component id → the label the form showed, read back from the submitted view (no lookup)."""
    labels: dict[str, str] = {}
    for block in view_blocks:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith(BlockId.COMPONENT_PREFIX.value):
            label = block.get("label")
            labels[block_id.split(":", 2)[-1]] = str(label.get("text", "")) if isinstance(label, Mapping) else ""
    return labels


def confirm_modal(draft: PublicationDraft, *, labels: Mapping[str, str]) -> dict[str, Any]:
    """Exactly what customers will see, before it is sent. Back returns to the form, Publish sends it."""
    affected = [f"• {escape(labels.get(c) or c)}: *{s.label}*" for c, s in draft.components.items()]
    blocks: list[Block] = [
        context(f"*#{draft.incident_id}* · This is what customers will see on the status page:"),
        section(f"*{escape_within(draft.title, MAX_PUBLIC_TITLE + 20)}*\n_{status_label(draft.status)}_"),
        section(escape_within(draft.message, 2900)),
        section("*Components*\n" + ("\n".join(affected) if affected else "_none changed_")),
        context("Publishing notifies the page's subscribers. It is recorded in the timeline and the audit log."),
    ]
    view = modal(
        callback_id=CallbackId.STATUSPAGE_CONFIRM.value,
        title="Publish?",
        submit="Publish",
        blocks=blocks,
        metadata=draft.as_json(),
    )
    view["close"] = plain("Back", 24)
    return view


def draft_from_confirmation(private_metadata: str) -> PublicationDraft:
    """The draft carried by the preview; StaleInteractionError (a ValueError) when the metadata is not ours."""
    try:
        data = json.loads(private_metadata or "{}")
        return PublicationDraft.from_json(data)
    except (AttributeError, KeyError, TypeError, ValueError):  # AttributeError: JSON that is not an object
        raise StaleInteractionError(f"not a status page preview: private_metadata {private_metadata[:100]!r}") from None


def publication_line(incident: Incident, publication: Publication) -> dict[str, Any]:
    """ "Published on the status page by @ada: …", with the link: one line per public change."""
    draft = publication.draft
    link = f" (<{publication.link}|public page>)" if publication.link and publication.link.startswith("http") else ""
    text = (
        f":globe_with_meridians: Published on the status page by {mention(publication.requested_by)}: "
        f"*{status_label(draft.status)}* · “{escape_within(draft.title, 120)}” — "
        f"{escape_within(draft.message, 600)}{link}"
    )
    fallback = f"Published on the status page by {mention(publication.requested_by)}: {status_label(draft.status)}"
    return message(fallback, [section(text)])


def refusal_text(incident: Incident, publication: Publication) -> str:
    reason = escape_within(publication.error or "no reason given", 300)
    return (
        f":no_entry: The status page refused your publication for {incident.reference} ({reason}). "
        "Nothing was published. Correct it and publish again with `/incident statuspage`."
    )


def prompt_message(incident: Incident, *, min_severity: Severity) -> dict[str, Any]:
    """Asks the commander to decide what customers are told; nothing is published until someone does."""
    text = (
        f":globe_with_meridians: {mention(incident.commander_id)}, {incident.reference} is "
        f"{severity_label(incident.severity)} (the status page threshold is {min_severity.value}). "
        "Customers see nothing until someone with the right to publish decides what to tell them."
    )
    blocks = [section(text), {"type": "actions", "elements": [publish_button(incident, text="Publish on status page")]}]
    return message(f"{incident.reference}: decide what to publish on the status page", blocks)


def offer_resolution_message(incident: Incident, *, public: PublicState) -> dict[str, Any]:
    shown = status_label(public.status) if public.status else "open"
    text = (
        f":globe_with_meridians: {incident.reference} is resolved here, but customers still see it as *{shown}* "
        "on the status page. Publish the resolution when you are ready."
    )
    button = publish_button(incident, text="Publish the resolution", preset=PublicStatus.RESOLVED)
    blocks = [section(text), {"type": "actions", "elements": [button]}]
    return message(f"{incident.reference}: the status page still shows it open", blocks)
