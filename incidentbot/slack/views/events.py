"""How a timeline event reads: a short form for the timeline, a sentence for the incident channel.

``event.data`` comes from the database and may predate today's code, so every value in it is checked
before it is shown: unknown states and severities are escaped as text, never trusted as markup.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incidentbot.domain.models import EventKind, Role, Severity, Status, TimelineEvent
from incidentbot.slack.views.text import escape, escape_within, format_duration, mention, status_label

__all__ = ["event_icon", "event_sentence", "event_summary"]

_ICONS = {
    EventKind.DECLARED: ":rotating_light:",
    EventKind.STATUS: ":traffic_light:",
    EventKind.UPDATE: ":mega:",
    EventKind.SEVERITY: ":warning:",
    EventKind.COMMANDER: ":bust_in_silhouette:",
    EventKind.ROLE: ":busts_in_silhouette:",
    EventKind.NOTE: ":memo:",
    EventKind.RESOLVED: ":white_check_mark:",
    EventKind.REOPENED: ":leftwards_arrow_with_hook:",
    EventKind.ARCHIVED: ":file_cabinet:",
    EventKind.PUBLISHED: ":globe_with_meridians:",
}


def event_icon(event: TimelineEvent) -> str:
    return _ICONS.get(event.kind, ":small_blue_diamond:")


def _word(value: Any) -> str:
    return escape_within(str(value), 30) if value not in (None, "") else "?"


def _status(value: Any) -> str:
    try:
        return status_label(Status(value))
    except (ValueError, TypeError):
        return _word(value)


def _severity(value: Any) -> str:
    try:
        return Severity(value).value
    except (ValueError, TypeError):
        return _word(value)


def _role(value: Any) -> str:
    try:
        return Role(value).value
    except (ValueError, TypeError):
        return _word(value)


def _person(value: Any) -> str:
    return mention(value) if isinstance(value, str) else mention(None)


def _duration(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_duration(timedelta(seconds=value))
    return None


def event_summary(event: TimelineEvent) -> str:
    """What changed, in a few words: "status: Investigating → Identified", "severity: P3 → P1"."""
    data = event.data
    match event.kind:
        case EventKind.DECLARED:
            return f"declared ({_severity(data['severity'])})" if "severity" in data else "declared"
        case EventKind.STATUS:
            return f"status: {_status(data.get('from'))} → {_status(data.get('to'))}"
        case EventKind.SEVERITY:
            return f"severity: {_severity(data.get('from'))} → {_severity(data.get('to'))}"
        case EventKind.COMMANDER:
            return f"commander: {_person(data.get('from'))} → {_person(data.get('to'))}"
        case EventKind.ROLE:
            return f"{_role(data.get('role'))}: {_person(data.get('user'))}"
        case EventKind.RESOLVED:
            took = _duration(data.get("duration_s"))
            return f"resolved after {took}" if took else "resolved"
        case EventKind.REOPENED:
            return f"reopened ({_status(data['to'])})" if "to" in data else "reopened"
        case EventKind.ARCHIVED:
            return "channel archived"
        case EventKind.PUBLISHED:
            return f"status page: {_status(data.get('status'))}"
    return escape(event.kind.value)


def _with_text(line: str, event: TimelineEvent, budget: int, *, joiner: str) -> str:
    if not event.text.strip():
        return line
    return f"{line}{joiner}{escape_within(event.text.strip(), max(budget, 1))}"


def event_sentence(event: TimelineEvent, *, text_budget: int) -> str:
    """One line for the incident channel, e.g. "<@U1> changed the status: Investigating → Identified"."""
    who = mention(event.actor_id)
    data = event.data
    match event.kind:
        case EventKind.DECLARED:
            line = f"{who} declared the incident"
        case EventKind.STATUS:
            line = f"{who} changed the status: *{_status(data.get('from'))}* → *{_status(data.get('to'))}*"
        case EventKind.UPDATE:
            line = f"*Update* from {who}"
        case EventKind.SEVERITY:
            line = f"{who} changed the severity: *{_severity(data.get('from'))}* → *{_severity(data.get('to'))}*"
        case EventKind.COMMANDER:
            before = f" (was {_person(data['from'])})" if data.get("from") else ""
            line = f"{_person(data.get('to'))} is now the commander{before}"
        case EventKind.ROLE:
            line = f"{_person(data.get('user'))} is now {_role(data.get('role'))}, assigned by {who}"
        case EventKind.NOTE:
            line = f"{who} added a note"
        case EventKind.RESOLVED:
            took = _duration(data.get("duration_s"))
            line = f"{who} resolved the incident" + (f" after {took}" if took else "")
        case EventKind.REOPENED:
            line = f"{who} reopened the incident; it is *{_status(data.get('to', 'investigating'))}* again"
        case EventKind.ARCHIVED:
            line = "incidentbot archived the channel"
        case EventKind.PUBLISHED:
            line = f"Published on the status page by {who} (*{_status(data.get('status'))}*)"
        case _:
            line = f"{who}: {escape(event.kind.value)}"
    return _with_text(line, event, text_budget, joiner=": ")
