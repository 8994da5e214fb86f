"""The pinned summary of an incident: its state at a glance, with buttons, edited in place on every change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidentbot.domain.models import Incident
from incidentbot.slack.ids import ActionId
from incidentbot.slack.views.blocks import (
    MAX_BUTTON_TEXT,
    Block,
    context,
    fields_section,
    header,
    message,
    plain,
    section,
)
from incidentbot.slack.views.statuspage import publish_button
from incidentbot.slack.views.text import (
    escape,
    escape_within,
    format_duration,
    mention,
    severity_label,
    slack_date,
    status_label,
    truncate,
)

__all__ = ["incident_fields", "resolution_section", "summary_message"]

# Room for the label and mrkdwn around user text, under Slack's 3,000 per section and 2,000 per field.
DESCRIPTION_BUDGET = 2900
FIELD_BUDGET = 200


def _buttons(incident: Incident, *, statuspage: bool) -> Block:
    def button(action_id: ActionId, text: str, style: str | None = None) -> dict[str, Any]:
        built: dict[str, Any] = {
            "type": "button",
            "action_id": action_id.value,
            "text": plain(text, MAX_BUTTON_TEXT),
            "value": str(incident.id),
        }
        if style:
            built["style"] = style
        return built

    return {
        "type": "actions",
        "elements": [
            button(ActionId.SUMMARY_UPDATE, "Post update", "primary"),
            button(ActionId.SUMMARY_SEVERITY, "Change severity"),
            button(ActionId.SUMMARY_RESOLVE, "Resolve"),
            *([publish_button(incident)] if statuspage else []),
        ],
    }


def incident_fields(incident: Incident, *, now: datetime) -> list[tuple[str, str]]:
    """Label/value pairs for the state of an incident, shared by the summary and ``/incident info``."""
    service = escape_within(incident.service, FIELD_BUDGET) if incident.service else "_none_"
    fields = [
        ("Severity", severity_label(incident.severity)),
        ("Status", status_label(incident.status)),
        ("Commander", mention(incident.commander_id)),
        ("Comms", mention(incident.comms_id)),
        ("Scribe", mention(incident.scribe_id)),
        ("Service", service),
        ("Declared by", f"{mention(incident.declared_by)}, {slack_date(incident.declared_at)}"),
    ]
    if incident.private:
        fields.append(("Visibility", ":lock: Private: its channel's members and admins only"))
    if not incident.status.is_open and incident.resolved_at is not None:
        fields.append(("Resolved", slack_date(incident.resolved_at)))  # how long: in the resolution section
    else:
        fields.append(("Duration", f"{format_duration(now - incident.declared_at)} so far"))
    return fields


def resolution_section(incident: Incident, *, now: datetime) -> Block:
    """How long it took and how it was fixed, for a resolved incident."""
    ended = incident.resolved_at or now
    lines = [f":white_check_mark: *Resolved in {format_duration(ended - incident.declared_at)}*"]
    if incident.resolution:
        lines.append(escape_within(incident.resolution, DESCRIPTION_BUDGET))
    return section("\n".join(lines))


def summary_message(incident: Incident, *, now: datetime, statuspage: bool = False) -> dict[str, Any]:
    """The summary pinned in the incident channel; buttons only while the incident is open.

    ``statuspage``: a Status page button opens the publish form (it stays after resolution, since
    the public resolution is published through it too)."""
    blocks: list[Block] = [
        header(f"{incident.reference} {incident.title}"),
        fields_section(incident_fields(incident, now=now)),
    ]
    if incident.description:
        blocks.append(section(escape_within(incident.description, DESCRIPTION_BUDGET)))
    if incident.status.is_open:
        blocks.append(_buttons(incident, statuspage=statuspage))
    else:
        blocks.append(resolution_section(incident, now=now))
        if statuspage:
            blocks.append({"type": "actions", "elements": [publish_button(incident)]})
    blocks.append(context(f"Last change {slack_date(incident.updated_at)} · `/incident help` lists every command"))
    state = f"{incident.severity.value}, {status_label(incident.status)}"
    fallback = f"{incident.reference} {escape(truncate(incident.title, 150))} ({state})"
    return message(fallback, blocks)
