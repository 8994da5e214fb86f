"""Answering one person privately after the ack: ephemeral where they are, else a DM."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from incidentbot.slack.handlers.runner import HandlerDeps

__all__ = ["replier"]

logger = logging.getLogger(__name__)


def replier(deps: HandlerDeps, user_id: str, channel_id: str | None) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """Answer one person privately: ephemeral where they are, or a DM when the bot cannot post there."""

    async def reply(message: dict[str, Any]) -> None:
        text = str(message.get("text", ""))
        blocks = message.get("blocks")
        if channel_id:
            try:
                await deps.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
                return
            except SlackApiError as exc:
                logger.info("ephemeral reply in %s failed (%s); sending a DM", channel_id, exc.response.get("error"))
        await deps.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)

    return reply
