"""Slack messages as a terminal shows them: Block Kit flattened to indented text, ids shown as names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["render_message", "render_text"]

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]+))?>")


def render_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """mrkdwn → plain text: links as "label (url)", <@U…> as @name, <#C…> as #name, entities decoded."""
    names = names or {}

    def mention(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "!":
            # <!date^…|fallback> shows a time in the reader's zone; <!here> and friends are pings.
            return (label or target) if target.startswith("date^") else f"@{label or target}"
        return f"{'@' if sigil == '@' else '#'}{names.get(target) or label or target}"

    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(mention, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any, names: Mapping[str, str]) -> str:
    return render_text(str(obj.get("text", "")), names) if isinstance(obj, dict) else ""


def _block_lines(block: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_text_of(block.get("text"), names).upper()]
    if kind == "section":
        lines = _text_of(block.get("text"), names).splitlines()
        fields = [_text_of(f, names).replace("\n", " ") for f in block.get("fields", [])]
        lines += [" · ".join(fields[i : i + 2]) for i in range(0, len(fields), 2)]
        return lines
    if kind == "context":
        return ["  " + " · ".join(_text_of(e, names) for e in block.get("elements", []))]
    if kind == "actions":
        return ["  " + "  ".join(f"[ {_text_of(e.get('text'), names)} ]" for e in block.get("elements", []))]
    if kind == "divider":
        return ["  ────────"]
    return []


def render_message(
    message: dict[str, Any], *, width_indent: str = "    ", names: Mapping[str, str] | None = None
) -> str:
    """One message as indented plain text; blocks win over the fallback text, as in Slack."""
    names = names or {}
    blocks = message.get("blocks") or []
    lines = [line for block in blocks for line in _block_lines(block, names)] if blocks else []
    if not lines:
        lines = render_text(str(message.get("text", "")), names).splitlines()
    return "\n".join(width_indent + line for line in lines)
