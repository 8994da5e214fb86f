"""``/incident timeline``: every event, one line each, in the reader's timezone, within Slack's block limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from incidentbot.domain.models import Incident, TimelineEvent
from incidentbot.slack.views.blocks import MAX_SECTION, Block, context, header, message, section
from incidentbot.slack.views.events import event_summary
from incidentbot.slack.views.text import escape, escape_within, format_when, mention, truncate, zone_label

__all__ = ["MAX_SECTIONS", "timeline_line", "timeline_message"]

# Lines are packed into sections of up to 3,000 characters. Twenty full sections already make a very
# long message; beyond that the oldest events give way and the message says how many.
MAX_SECTIONS = 20
EVENT_TEXT_BUDGET = 300  # an update's text, shortened: the channel has the whole of it


def timeline_line(event: TimelineEvent, *, tz_name: str | None) -> str:
    """E.g. "Mon 23 Nov 14:05 EST · <@U1> · status: Investigating → Identified · rolling back"."""
    parts = [format_when(event.at, tz_name), mention(event.actor_id), event_summary(event)]
    if event.text.strip():
        parts.append(escape_within(" ".join(event.text.split()), EVENT_TEXT_BUDGET))
    return " · ".join(parts)


def _pack(lines: Sequence[str]) -> tuple[list[str], int]:
    """The newest lines that fit in MAX_SECTIONS sections (oldest first), and how many were left out."""
    sections: list[list[str]] = []
    size = 0
    kept = 0
    for line in reversed(lines):
        line = truncate(line, MAX_SECTION)  # a single line always fits; this is only a guard
        if sections and size + 1 + len(line) <= MAX_SECTION:
            sections[-1].append(line)
            size += 1 + len(line)
        elif len(sections) < MAX_SECTIONS:
            sections.append([line])
            size = len(line)
        else:
            break
        kept += 1
    texts = ["\n".join(reversed(chunk)) for chunk in reversed(sections)]
    return texts, len(lines) - kept


def timeline_message(incident: Incident, events: Sequence[TimelineEvent], *, tz_name: str | None) -> dict[str, Any]:
    ordered = sorted(events, key=lambda event: (event.at, event.id))
    texts, left_out = _pack([timeline_line(event, tz_name=tz_name) for event in ordered])
    count = f"{len(ordered)} event" + ("" if len(ordered) == 1 else "s")
    blocks: list[Block] = [
        header(f"Timeline of {incident.reference} {incident.title}"),
        context(f"{count} · times in {zone_label(tz_name)}"),
    ]
    if left_out:
        shown = len(ordered) - left_out
        blocks.append(
            context(
                f":scissors: {left_out} older event{'' if left_out == 1 else 's'} left out; "
                f"these are the latest {shown}."
            )
        )
    if texts:
        blocks.extend(section(text) for text in texts)
    else:
        blocks.append(section("Nothing in the timeline yet."))
    fallback = f"Timeline of {incident.reference} {escape(truncate(incident.title, 100))}: {count}"
    return message(fallback, blocks)
