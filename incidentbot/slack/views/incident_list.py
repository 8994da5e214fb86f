"""``/incident list``: the open incidents, most severe and oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from incidentbot.domain.models import Incident
from incidentbot.slack.views.announcements import channel_link
from incidentbot.slack.views.blocks import Block, context, header, message, section
from incidentbot.slack.views.text import escape, escape_within, format_duration, mention, severity_label, status_label

__all__ = ["MAX_LISTED", "list_message"]

MAX_LISTED = 40  # one section each; with the header and the "more" line, well within 50 blocks
NOTHING_OPEN = "No open incidents :tada:"


def _entry(incident: Incident, now: datetime) -> str:
    title = escape_within(incident.title, 200)
    details = " · ".join(
        [
            status_label(incident.status),
            f"Commander {mention(incident.commander_id)}",
            f"open {format_duration(now - incident.declared_at)}",
            channel_link(incident),
        ]
    )
    lock = " :lock:" if incident.private else ""  # shown only to people who may see it
    return f"{severity_label(incident.severity)} *{incident.reference} {title}*{lock}\n{details}"


def list_message(incidents: Sequence[Incident], *, now: datetime) -> dict[str, Any]:
    """Resolved incidents are left out even if given; the order does not depend on the caller's."""
    open_ones = sorted(
        (incident for incident in incidents if incident.status.is_open),
        key=lambda incident: (incident.severity.rank, incident.declared_at, incident.id),
    )
    if not open_ones:
        return message(NOTHING_OPEN, [section(NOTHING_OPEN)])
    count = len(open_ones)
    blocks: list[Block] = [header(f"{count} open incident" + ("" if count == 1 else "s"))]
    blocks.extend(section(_entry(incident, now)) for incident in open_ones[:MAX_LISTED])
    if count > MAX_LISTED:
        blocks.append(context(f"…and {count - MAX_LISTED} more, less severe or more recent."))
    named = ", ".join(f"{i.reference} {escape(i.title[:60])} ({i.severity.value})" for i in open_ones[:5])
    more = f" and {count - 5} more" if count > 5 else ""
    return message(f"{count} open: {named}{more}", blocks)
