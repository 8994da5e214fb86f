"""The one normalizer for user text, and the one way to show user text back in Slack mrkdwn.

Everything people type reaches the bot through here: titles, updates, notes, summaries, descriptions,
service names, sub-command words and form values. Content is NFC; characters that can hide or
reorder text are dropped; NUL and lone surrogates are refused with a friendly error (PostgreSQL
cannot store them, and stripping them silently would change what was meant). Standard library only.
"""

from __future__ import annotations

import re
import unicodedata

from incidentbot.domain.errors import InvalidInputError

__all__ = [
    "ELLIPSIS",
    "echo",
    "escape_mrkdwn",
    "escape_within",
    "fold",
    "is_blank",
    "is_user_id",
    "normalize",
    "one_line",
    "user_reference",
]

ELLIPSIS = "…"

# NUL and lone surrogates (JSON "\ud800" decodes to one) cannot be stored: refuse, never strip.
_REFUSED = re.compile("[\x00\ud800-\udfff]")
# Line breaks of every flavour become "\n" before anything else is decided.
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
# Hide or reorder text: zero-width and bidi marks, embeddings, overrides and isolates, the Arabic
# letter mark, word joiner and invisible operators, BOM, tag characters; C0 controls except \t and
# \n, DEL, C1 controls. Every other format character (category Cf, e.g. the soft hyphen) goes too.
_INVISIBLE_RANGES = (
    "\x01-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_RANGES}]")
# A zero-width joiner between two pictographs builds one emoji (👩‍💻): it hides nothing, so it stays.
_PICTOGRAPH = "\u00a9\u00ae\u2190-\u2bff\U0001f000-\U0001faff"
_EMOJI_JOINER = re.compile(f"(?<=[{_PICTOGRAPH}\ufe0f])\u200d(?=[{_PICTOGRAPH}])")
_JOINER_KEEP = "\x00"  # a placeholder no surviving text can contain (NUL is refused first)
# Characters that render as nothing although Unicode calls them letters or symbols.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _drop_invisible(text: str) -> str:
    text = _EMOJI_JOINER.sub(_JOINER_KEEP, text)
    text = _INVISIBLE.sub("", text)
    if any(unicodedata.category(c) == "Cf" for c in text):
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return text.replace(_JOINER_KEEP, "\u200d")


def normalize(text: str | None) -> str:
    """Content as stored: line breaks kept (as "\\n"), invisible characters dropped, NFC, trimmed.

    Raises InvalidInputError for NUL or a lone surrogate. Dropping comes before NFC so that the
    result is stable: normalizing twice gives the same text.
    """
    text = text or ""
    if _REFUSED.search(text):
        raise InvalidInputError(
            "Your text contains a character I can't store (a NUL byte or a broken emoji). "
            "Remove it, or retype the text, and try again."
        )
    text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", _drop_invisible(text))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def one_line(text: str | None) -> str:
    """A title or name: normalized, every run of whitespace or blank-looking filler one space."""
    text = "".join(" " if c in _BLANK_LOOKING else c for c in normalize(text))
    return " ".join(text.split())


def is_blank(text: str) -> bool:
    """Nothing a reader would see: only spaces, marks without a base, fillers such as U+3164."""
    return not any(c not in _BLANK_LOOKING and not c.isspace() and not _unseen(c) for c in text)


def _unseen(char: str) -> bool:
    # Unassigned (Cn) counts as seen: emoji newer than this Python's Unicode tables are Cn here.
    category = unicodedata.category(char)
    return category[0] in "ZM" or category in ("Cc", "Cf", "Cs")


def fold(word: str) -> str:
    """A word as matched against known words: invisible characters out, NFKC, case-folded.

    Never raises; a refused character stays in, so the word simply matches nothing.
    """
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", word)).casefold().strip()


def escape_mrkdwn(text: str) -> str:
    """Slack mrkdwn needs only &, < and > escaped; user text must never become a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_within(text: str, limit: int) -> str:
    """``escape_mrkdwn(text)`` cut to ``limit`` characters without splitting an entity such as ``&amp;``."""
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    if limit <= 0:
        return ""
    budget = limit - len(ELLIPSIS)
    used = 0
    kept: list[str] = []
    for char in text:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > budget:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept).rstrip() + ELLIPSIS


def echo(text: str | None, limit: int = 30, *, empty: str = "nothing") -> str:
    """What the user typed, repeated in an answer inside a code span: one short line, inert.

    Never raises: refused characters show as U+FFFD, invisible ones are dropped, backticks (which
    would end the code span) become quotes, and &, <, > are escaped.
    """
    text = _REFUSED.sub("\ufffd", text or "")
    text = " ".join(_INVISIBLE.sub("", text).split()).replace("`", "'")
    return escape_within(text, limit) if text else empty


def is_user_id(value: str) -> bool:
    """A Slack user id (``U…`` or ``W…``): the only thing ever wrapped in ``<@…>``."""
    return bool(_SLACK_USER_ID.fullmatch(value))


def user_reference(user_id: str) -> str:
    """``<@U…>`` for a real user id, the escaped text otherwise (a forged form value)."""
    return f"<@{user_id}>" if is_user_id(user_id) else f"`{echo(user_id)}`"
