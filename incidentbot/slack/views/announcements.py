"""What the bot posts when something happens: announcements, channel events, pages and hand-off DMs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incidentbot.domain.models import Incident, Severity, TimelineEvent
from incidentbot.slack.views.blocks import Block, context, message, section
from incidentbot.slack.views.events import event_icon, event_sentence
from incidentbot.slack.views.text import (
    channel_mention,
    escape,
    escape_within,
    format_duration,
    mention,
    severity_label,
    truncate,
)

__all__ = [
    "channel_link",
    "channel_ready_dm",
    "commander_handoff_dm",
    "declared_announcement",
    "escalation_announcement",
    "event_message",
    "page_dm",
    "resolved_announcement",
]

TITLE_BUDGET = 200
TEXT_BUDGET = 2500  # user text in one section, leaving room for the words around it


def channel_link(incident: Incident) -> str:
    """``<#C…>``, which Slack shows as the channel's current name and makes clickable."""
    return channel_mention(incident.channel_id) if incident.channel_id else "its channel (being created)"


def _named(incident: Incident) -> str:
    return f"*{incident.reference} {escape_within(incident.title, TITLE_BUDGET)}*"


def _plain_name(incident: Incident) -> str:
    """For the ``text`` fallback, which notifications show without formatting."""
    return f"{incident.reference} {escape(truncate(incident.title, 100))}"


def _who(incident: Incident) -> Block:
    parts = [f"Commander: {mention(incident.commander_id)}"]
    if incident.service:
        parts.append(f"Service: {escape_within(incident.service, 100)}")
    parts.append(f"Channel: {channel_link(incident)}")
    return context(" · ".join(parts))


def declared_announcement(incident: Incident) -> dict[str, Any]:
    """Posted in the notification channels; later updates thread under it."""
    text = (
        f":rotating_light: {severity_label(incident.severity)} incident declared by {mention(incident.declared_by)}\n"
        f"{_named(incident)}\nJoin {channel_link(incident)} to help."
    )
    fallback = f"{incident.severity.value} incident declared: {_plain_name(incident)}. Join {channel_link(incident)}."
    return message(fallback, [section(text), _who(incident)])


def escalation_announcement(incident: Incident, *, previous: Severity) -> dict[str, Any]:
    """A severity change told to the channels of the new severity; worded for either direction."""
    if incident.severity.rank < previous.rank:
        icon, verb = ":arrow_double_up:", "escalated"
    else:
        icon, verb = ":arrow_down:", "lowered"
    text = (
        f"{icon} {_named(incident)} {verb} from {previous.value} to {severity_label(incident.severity)}\n"
        f"Follow it in {channel_link(incident)}."
    )
    fallback = f"{_plain_name(incident)} {verb} from {previous.value} to {incident.severity.value}."
    return message(fallback, [section(text), _who(incident)])


def resolved_announcement(incident: Incident, *, duration: timedelta) -> dict[str, Any]:
    """Threaded under each declaration announcement, and sent to the people who were paged."""
    if incident.private:
        return _private_resolved_dm(incident, duration=duration)
    lines = [f":white_check_mark: {_named(incident)} resolved after {format_duration(duration)}"]
    if incident.resolution:
        lines.append(escape_within(incident.resolution, TEXT_BUDGET))
    fallback = f"Resolved: {_plain_name(incident)} after {format_duration(duration)}."
    return message(fallback, [section("\n".join(lines)), _who(incident)])


def event_message(incident: Incident, event: TimelineEvent) -> dict[str, Any]:
    """One change, in the incident channel and threaded under the announcements."""
    line = event_sentence(event, text_budget=TEXT_BUDGET)
    blocks = [
        section(f"{event_icon(event)} {line}"),
        context(f"{incident.reference} · {severity_label(incident.severity)}"),
    ]
    return message(f"{incident.reference}: {line}", blocks)


def page_dm(incident: Incident) -> dict[str, Any]:
    """A P1 page to someone on call: what, how bad, where to go."""
    if incident.private:
        return _private_page_dm(incident)
    lines = [
        f":rotating_light: *You are paged* for a {severity_label(incident.severity)} incident",
        _named(incident),
    ]
    if incident.description:
        lines.append(escape_within(incident.description, 500))
    lines.append(f"Please join {channel_link(incident)} now.")
    fallback = f"You are paged: {incident.severity.value} {_plain_name(incident)}. Join {channel_link(incident)}."
    return message(fallback, [section("\n".join(lines)), _who(incident)])


def _ask(incident: Incident) -> str:
    return f"its commander, {mention(incident.commander_id)}," if incident.commander_id else "an incident admin"


def _private_page_dm(incident: Incident) -> dict[str, Any]:
    """A page for a private incident: the person may not be in its channel, so nothing about it but
    its number and whom to ask (no title, description, service or channel)."""
    text = (
        f":rotating_light: *You are paged* for a private {severity_label(incident.severity)} incident, "
        f"{incident.reference}.\nAsk {_ask(incident)} to add you to its channel."
    )
    fallback = f"You are paged for a private {incident.severity.value} incident, {incident.reference}."
    return message(fallback, [section(text)])


def _private_resolved_dm(incident: Incident, *, duration: timedelta) -> dict[str, Any]:
    """To the people paged for a private incident: resolved, and nothing more about it."""
    text = (
        f":white_check_mark: The private incident {incident.reference} is resolved after {format_duration(duration)}."
    )
    return message(text, [section(text)])


def commander_handoff_dm(incident: Incident, *, previous: str | None, recipient: str | None = None) -> dict[str, Any]:
    """Tells the new commander they lead now, or (``recipient`` = the previous one) that they handed over."""
    new = incident.commander_id
    if recipient is not None and recipient != new and recipient == previous:
        text = (
            f":bust_in_silhouette: {mention(new)} is now the commander of {_named(incident)}. "
            f"Thank you for leading it; you are still welcome in {channel_link(incident)}."
        )
        fallback = f"{mention(new)} is now the commander of {_plain_name(incident)}."
    else:
        before = f", taking over from {mention(previous)}" if previous and previous != new else ""
        text = (
            f":bust_in_silhouette: You are now the commander of {_named(incident)}{before}.\n"
            f"Lead the response in {channel_link(incident)}: post updates, set the status, resolve it. "
            "`/incident help` there shows what you can do."
        )
        fallback = f"You are now the commander of {_plain_name(incident)}."
    return message(fallback, [section(text), _who(incident)])


def channel_ready_dm(incident: Incident) -> dict[str, Any]:
    """To the declarer, when the channel came later than their answer: where it is now."""
    text = f":white_check_mark: The channel of {_named(incident)} is ready: {channel_link(incident)}."
    return message(f"The channel of {_plain_name(incident)} is ready: {channel_link(incident)}.", [section(text)])
