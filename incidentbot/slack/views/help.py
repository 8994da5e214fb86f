"""``/incident help``: what can be typed, and inside an incident channel, what this person may do there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from incidentbot.domain.models import Incident
from incidentbot.domain.text import echo
from incidentbot.slack.views.blocks import MAX_SECTION, Block, context, section
from incidentbot.slack.views.text import escape, escape_within, mention, severity_label, status_label, truncate

__all__ = ["channel_help_message", "help_message"]

MAX_USAGE_SECTIONS = 10


def _usage_sections(command: str, usages: Sequence[tuple[str, str]]) -> list[Block]:
    """One line per usage, packed into as few sections as Slack's 3,000 characters allow."""
    chunks: list[str] = []
    for usage, description in usages:
        # Usages name their arguments <like this>: unescaped, Slack would read them as links.
        line = truncate(f"`{escape(command)} {escape(usage)}` {escape(description)}", 500)
        if chunks and len(chunks[-1]) + 1 + len(line) <= MAX_SECTION:
            chunks[-1] += "\n" + line
        elif len(chunks) < MAX_USAGE_SECTIONS:
            chunks.append(line)
    return [section(chunk) for chunk in chunks]


def help_message(
    usages: Sequence[tuple[str, str]],
    *,
    command: str = "/incident",
    unknown: str | None = None,
    suggestion: str | None = None,
) -> dict[str, Any]:
    """An ephemeral message listing what the user can type, led by a hint when they mistyped."""
    intro = f"Here is what `{command}` can do:"
    if unknown is not None:
        hint = f" Did you mean `{command} {suggestion}`?" if suggestion else ""
        intro = f"I don't know `{echo(unknown, 40)}`.{hint}\n{intro}"
    blocks: list[Block] = [section(intro), *_usage_sections(command, usages)]
    blocks.append(context(f"`/inc` works everywhere `{command}` does."))
    fallback = intro.replace("\n", " ") + " " + "; ".join(escape(f"{command} {usage}") for usage, _ in usages)
    return {"response_type": "ephemeral", "text": truncate(fallback, 3000), "blocks": blocks}


def _who_you_are(incident: Incident, user_id: str, command: str) -> str:
    named = f"*{incident.reference} {escape_within(incident.title, 200)}*"
    commander = incident.commander_id
    if user_id == commander:
        return f"You are the commander of {named}."
    roles = [
        role for role, holder in (("comms", incident.comms_id), ("scribe", incident.scribe_id)) if holder == user_id
    ]
    if roles:
        lead = f"; {mention(commander)} is the commander" if commander else ""
        return f"You are {' and '.join(roles)} for {named}{lead}."
    if commander:
        return f"{mention(commander)} is the commander of {named}."
    return f"{named} has no commander yet: `{command} commander @you` takes the role."


def channel_help_message(
    *, incident: Incident, user_id: str, can: Sequence[tuple[str, str]], command: str = "/incident"
) -> dict[str, Any]:
    """Help inside an incident channel: who this person is here and what they may do now.

    ``can`` is (usage, description) pairs the caller has already filtered by permission.
    """
    who = _who_you_are(incident, user_id, command)
    state = f"{severity_label(incident.severity)} · {status_label(incident.status)}"
    blocks: list[Block] = [section(who), context(state)]
    if can:
        blocks.append(section("You can:"))
        blocks.extend(_usage_sections(command, can))
    else:
        blocks.append(section("There is nothing you can change here right now; ask the commander."))
    fallback = f"{who} You can: " + "; ".join(escape(f"{command} {usage}") for usage, _ in can) if can else who
    return {"response_type": "ephemeral", "text": truncate(fallback, 3000), "blocks": blocks}
