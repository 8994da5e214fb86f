"""The incident channel's topic: severity, status and commander, kept current, within Slack's 250 characters."""

from __future__ import annotations

from incidentbot.domain.models import Incident
from incidentbot.slack.views.text import escape_within, mention, status_label, truncate

__all__ = ["MAX_TOPIC", "channel_topic"]

MAX_TOPIC = 250  # conversations.setTopic answers too_long above this
SEPARATOR = " · "


def channel_topic(incident: Incident) -> str:
    """E.g. "P2 · Investigating · Commander: <@U1> · #42 Checkout errors"; only the title is ever shortened.

    The title is escaped like message text: Slack stores topics escaped and renders the <@U…> mention.
    """
    commander = mention(incident.commander_id) if incident.commander_id else "none"
    state = SEPARATOR.join(
        [incident.severity.value, status_label(incident.status), f"Commander: {commander}", incident.reference]
    )
    room = MAX_TOPIC - len(state) - 1
    if room < 2:  # only an absurd user id leaves no room for the title; never exceed the limit
        return truncate(state, MAX_TOPIC)
    return f"{state} {escape_within(incident.title, room)}"
