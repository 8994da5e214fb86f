"""``/incident info``: the current state of one incident, shown only to the person who asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incidentbot.domain.models import Announcement, Incident
from incidentbot.slack.views.announcements import channel_link
from incidentbot.slack.views.blocks import Block, context, fields_section, header, message, section
from incidentbot.slack.views.summary import DESCRIPTION_BUDGET, incident_fields, resolution_section
from incidentbot.slack.views.text import channel_mention, escape, escape_within, slack_date, status_label, truncate

__all__ = ["info_message"]

MAX_ANNOUNCED = 20  # channels named in the "announced in" line; the rest are counted


def _announced(announcements: Sequence[Announcement]) -> str:
    channels = list(dict.fromkeys(a.channel_id for a in announcements))
    if not channels:
        return "Not announced in any channel"
    named = ", ".join(channel_mention(channel) for channel in channels[:MAX_ANNOUNCED])
    more = len(channels) - MAX_ANNOUNCED
    return f"Announced in {named}" + (f" and {more} more" if more > 0 else "")


def info_message(
    incident: Incident,
    *,
    now: datetime,
    announcements: Sequence[Announcement] = (),
    public: PublicStatus | None = None,
) -> dict[str, Any]:
    """Ephemeral; the caller sets ``response_type``."""
    blocks: list[Block] = [
        header(f"{incident.reference} {incident.title}"),
        fields_section(incident_fields(incident, now=now)),
    ]
    if incident.description:
        blocks.append(section(escape_within(incident.description, DESCRIPTION_BUDGET)))
    if not incident.status.is_open:
        blocks.append(resolution_section(incident, now=now))
    facts = [f"Channel: {channel_link(incident)}", _announced(announcements)]
    if incident.template:
        facts.append(f"Template: {escape_within(incident.template, 100)}")
    if public is not None:
        facts.append(_public(public))
    facts.append(f"Last change {slack_date(incident.updated_at)}")
    blocks.append(context(" · ".join(facts)))
    state = f"{incident.severity.value}, {status_label(incident.status)}"
    return message(f"{incident.reference} {escape(truncate(incident.title, 150))} ({state})", blocks)


@dataclass(frozen=True)
class PublicStatus:
    """What the status page shows of an incident: its public link, and the component of its service."""

    link: str | None
    published: bool
    component_id: str | None


def _public(public: PublicStatus) -> str:
    component = (
        f"component `{escape_within(public.component_id, 40)}`" if public.component_id else "no component mapped"
    )
    if public.published:
        page = f"<{public.link}|public page>" if public.link else "published"
        return f"Statuspage: {page}, {component}"
    return f"Statuspage: not published, {component}"
