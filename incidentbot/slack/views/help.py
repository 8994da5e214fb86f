"""The ``/incident help`` message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["help_message"]


def _escape(text: str) -> str:
    """Slack mrkdwn needs only these three escaped; user input must never become markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def help_message(
    usages: Sequence[tuple[str, str]],
    *,
    command: str = "/incident",
    unknown: str | None = None,
    suggestion: str | None = None,
) -> dict[str, Any]:
    """An ephemeral message listing what the user can type, led by a hint when they mistyped."""
    lines = [f"`{command} {usage}` {description}" for usage, description in usages]
    blocks: list[dict[str, Any]] = []
    intro = f"Here is what `{command}` can do:"
    if unknown is not None:
        shown = _escape(unknown[:40])
        hint = f" Did you mean `{command} {suggestion}`?" if suggestion else ""
        intro = f"I don't know `{shown}`.{hint}\n{intro}"
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": intro}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"`/inc` works everywhere `{command}` does."}],
        }
    )
    fallback = intro.replace("\n", " ") + " " + "; ".join(f"{command} {u}" for u, _ in usages)
    return {"response_type": "ephemeral", "text": fallback, "blocks": blocks}
