"""Slack messages as a terminal shows them: Block Kit flattened to indented text."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["render_message"]

_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<[@#!]([^>|]+)(?:\|([^>]+))?>")


def _plain(text: str) -> str:
    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any) -> str:
    return _plain(str(obj.get("text", ""))) if isinstance(obj, dict) else ""


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_text_of(block.get("text")).upper()]
    if kind == "section":
        lines = _text_of(block.get("text")).splitlines()
        for field in block.get("fields", []):
            lines.append(_text_of(field))
        return lines
    if kind == "context":
        return ["  " + " · ".join(_text_of(e) for e in block.get("elements", []))]
    if kind == "actions":
        return ["  " + "  ".join(f"[ {_text_of(e.get('text'))} ]" for e in block.get("elements", []))]
    if kind == "divider":
        return ["  ────────"]
    return []


def render_message(message: dict[str, Any], *, width_indent: str = "    ") -> str:
    """One message as indented plain text; blocks win over the fallback text, as in Slack."""
    blocks = message.get("blocks") or []
    lines = [line for block in blocks for line in _block_lines(block)] if blocks else []
    if not lines:
        lines = _plain(str(message.get("text", ""))).splitlines()
    return "\n".join(width_indent + line for line in lines)
