"""Messages of timed work: the archival heads-up and closing message, and the update reminder."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidentbot.domain.models import Incident
from incidentbot.slack.ids import ActionId
from incidentbot.slack.views.statuspage import publish_button
from incidentbot.slack.views.text import escape, mention, slack_date, truncate

__all__ = ["archive_closing_message", "archive_warning_message", "reminder_message"]

SNOOZE_MINUTES = 30


def _title(incident: Incident) -> str:
    return f"*{incident.reference} {escape(truncate(incident.title, 100))}*"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def archive_warning_message(incident: Incident, *, archive_at: datetime) -> dict[str, Any]:
    text = (
        f":file_cabinet: Heads-up: this channel will be archived {slack_date(archive_at)}, as {_title(incident)} "
        "has been resolved for a while. `/incident reopen` keeps it open if the work is not over."
    )
    return {"text": text, "blocks": [_section(text)]}


def archive_closing_message(incident: Incident, *, after_days: int) -> dict[str, Any]:
    text = (
        f":file_cabinet: incidentbot is archiving this channel: {_title(incident)} was resolved more than "
        f"{after_days} day{'s' if after_days != 1 else ''} ago (the retention window). The timeline stays "
        "available with `/incident timeline`; `/incident reopen` brings the channel back. "
        "No post-mortem has been linked yet."
    )
    return {"text": text, "blocks": [_section(text)]}


def reminder_message(incident: Incident, *, quiet_minutes: int, publish_prompt: bool = False) -> dict[str, Any]:
    """``publish_prompt``: nothing is public yet about an incident serious enough, so ask for that too."""
    text = (
        f":alarm_clock: {mention(incident.commander_id)}, {_title(incident)} has had no update for "
        f"{quiet_minutes} minutes. People following it are waiting to hear how it is going."
    )
    if publish_prompt:
        text += " Customers have not been told anything on the status page yet either."
    value = str(incident.id)
    actions = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": ActionId.SUMMARY_UPDATE.value,
                "text": {"type": "plain_text", "text": "Post update"},
                "style": "primary",
                "value": value,
            },
            {
                "type": "button",
                "action_id": ActionId.REMINDER_SNOOZE.value,
                "text": {"type": "plain_text", "text": f"Snooze {SNOOZE_MINUTES} min"},
                "value": value,
            },
            *([publish_button(incident, text="Publish on status page")] if publish_prompt else []),
        ],
    }
    return {"text": text, "blocks": [_section(text), actions]}
