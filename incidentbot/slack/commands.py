"""Parsing ``/incident <sub-command> <args>`` into a typed request, with aliases and did-you-mean."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from incidentbot.domain.text import fold
from incidentbot.slack.ids import SubCommand

__all__ = ["CommandRequest", "parse_command", "split_word", "suggest_sub_command"]

# People type these; they mean the canonical sub-command.
ALIASES: dict[str, SubCommand] = {
    "?": SubCommand.HELP,
    "h": SubCommand.HELP,
    "-h": SubCommand.HELP,
    "--help": SubCommand.HELP,
    "resolved": SubCommand.RESOLVE,
    "ls": SubCommand.LIST,
}

# The sub-command word ends at the first whitespace; what follows keeps its line breaks.
_FIRST_WORD = re.compile(r"\s*(\S+)\s*(.*)", re.DOTALL)


@dataclass(frozen=True)
class CommandRequest:
    """What the user asked for: a known sub-command, or ``unknown`` holding what they typed.

    ``args`` is the rest of the text as typed; handlers normalize it (``domain.text.normalize``)
    inside their tracked work, where a refused character becomes a friendly answer.
    """

    sub: SubCommand | None
    args: str
    unknown: str | None = None


def split_word(text: str) -> tuple[str, str]:
    """The first word and the rest, split at the first whitespace only: the rest keeps its line breaks."""
    match = _FIRST_WORD.fullmatch(text)
    return (match.group(1), match.group(2).strip()) if match else ("", "")


def parse_command(text: str) -> CommandRequest:
    """Never raises (it runs before the ack is answered): a word it cannot read is unknown."""
    word, args = split_word(text or "")
    while word and not fold(word):  # invisible characters typed before the word
        word, args = split_word(args)
    if not word:
        return CommandRequest(SubCommand.HELP, "")
    key = fold(word)
    if key in ALIASES:
        return CommandRequest(ALIASES[key], args)
    try:
        return CommandRequest(SubCommand(key), args)
    except ValueError:
        return CommandRequest(None, args, unknown=word)


def suggest_sub_command(word: str) -> str | None:
    """The closest known sub-command to a mistyped one, if any is close enough."""
    matches = difflib.get_close_matches(fold(word), [s.value for s in SubCommand], n=1, cutoff=0.6)
    return matches[0] if matches else None
