"""What the people in the sandbox workspace do and see: used by the demo and the integration tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from incidentbot.sandbox import SandboxClient

Json = dict[str, Any]

__all__ = ["StepFailedError", "Workspace", "visible_text"]


class StepFailedError(AssertionError):
    """Something a person should have seen did not appear (an AssertionError, so pytest reports it well)."""


ALICE, BOB, CAROL, DAVE, ERIN = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"
GENERAL, INCIDENTS, SRE = "C0GENERAL", "C0INCIDENTS", "C0SRE"


def visible_text(message: Json) -> str:
    """Everything a person reads in a message: fallback text and every text in its blocks."""
    parts = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    # Slack shows &lt; as <: what people read is the decoded text.
    return "\n".join(parts).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Workspace:
    def __init__(self, slack: SandboxClient) -> None:
        self.slack = slack

    async def run(self, text: str, *, user: str = ALICE, channel: str = GENERAL, command: str = "/incident") -> Json:
        result: Json = await self.slack.slash(text, command=command, user=user, channel=channel)
        if result.get("acked") is not True:
            raise StepFailedError(f"{command} {text[:60]} was not acked: {result.get('error')}")
        return result

    async def wait(self, probe: Callable[[], Any], *, timeout: float = 10, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = await probe()
            if last:
                return last
            await asyncio.sleep(0.05)
        raise StepFailedError(f"{what} not met within {timeout}s; last: {json.dumps(last, default=str)[:2000]}")

    async def reply_to(self, user: str, contains: str, *, timeout: float = 10) -> Json:
        """The newest private message to ``user`` that contains ``contains``."""

        async def probe() -> Json | None:
            for message in reversed(await self.slack.ephemerals(user)):
                if contains in visible_text(message):
                    return message
            return None

        found: Json = await self.wait(probe, timeout=timeout, what=f"ephemeral to {user} with {contains!r}")
        return found

    async def incident_channel(self, number: int, *, timeout: float = 10) -> Json:
        prefix_part = f"-{number}"

        async def probe() -> Json | None:
            for channel in await self.slack.channels():
                name = str(channel["name"])
                if name.startswith("inc-") and (name.split("-")[2] == prefix_part[1:]):
                    return dict(channel)
            return None

        found: Json = await self.wait(probe, timeout=timeout, what=f"channel of incident #{number}")
        return found

    async def channel(self, channel_id: str) -> Json:
        result: Json = await self.slack.channel(channel_id)
        return result

    async def messages(self, channel_id: str) -> list[Json]:
        result: list[Json] = await self.slack.messages(channel_id, include_ephemeral=False)
        return [m for m in result if not m.get("subtype")]

    async def message_with(self, channel_id: str, contains: str, *, timeout: float = 10) -> Json:
        async def probe() -> Json | None:
            for message in reversed(await self.messages(channel_id)):
                if contains in visible_text(message):
                    return message
            return None

        found: Json = await self.wait(probe, timeout=timeout, what=f"message in {channel_id} with {contains!r}")
        return found

    async def dms(self, user: str) -> list[Json]:
        result = await self.slack.dms(user)
        return list(result["messages"])

    async def summary_with(self, channel_id: str, contains: str, *, timeout: float = 10) -> Json:
        """The pinned summary once it shows ``contains`` (it is edited in place after each change)."""

        async def probe() -> Json | None:
            summary = await self.summary(channel_id)
            return summary if contains in visible_text(summary) else None

        found: Json = await self.wait(probe, timeout=timeout, what=f"summary showing {contains!r}")
        return found

    async def summary(self, channel_id: str) -> Json:
        channel = await self.channel(channel_id)
        for message in await self.messages(channel_id):
            if channel["pins"] and message["ts"] == channel["pins"][0]:
                return message
        raise StepFailedError(f"no pinned summary in {channel['name']}")
