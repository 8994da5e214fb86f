"""Parsing ``/incident <sub-command> <args>`` into a typed request, with aliases and did-you-mean."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from incidentbot.slack.ids import SubCommand

__all__ = ["CommandRequest", "parse_command", "suggest_sub_command"]

# People type these; they mean the canonical sub-command.
ALIASES: dict[str, SubCommand] = {
    "?": SubCommand.HELP,
    "h": SubCommand.HELP,
    "-h": SubCommand.HELP,
    "--help": SubCommand.HELP,
    "resolved": SubCommand.RESOLVE,
    "ls": SubCommand.LIST,
}

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff]")


@dataclass(frozen=True)
class CommandRequest:
    """What the user asked for: a known sub-command, or ``unknown`` holding what they typed."""

    sub: SubCommand | None
    args: str
    unknown: str | None = None


def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or ""))
    return " ".join(text.split())


def parse_command(text: str) -> CommandRequest:
    cleaned = _clean(text)
    if not cleaned:
        return CommandRequest(SubCommand.HELP, "")
    word, _, args = cleaned.partition(" ")
    key = word.lower()
    if key in ALIASES:
        return CommandRequest(ALIASES[key], args)
    try:
        return CommandRequest(SubCommand(key), args)
    except ValueError:
        return CommandRequest(None, args, unknown=word)


def suggest_sub_command(word: str) -> str | None:
    """The closest known sub-command to a mistyped one, if any is close enough."""
    matches = difflib.get_close_matches(word.lower(), [s.value for s in SubCommand], n=1, cutoff=0.6)
    return matches[0] if matches else None
