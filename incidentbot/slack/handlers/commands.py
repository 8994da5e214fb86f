"""``/incident`` and ``/inc``: ack at once, then parse and answer in a tracked task."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from incidentbot.logs import bind
from incidentbot.slack.commands import CommandRequest, parse_command, suggest_sub_command
from incidentbot.slack.handlers.runner import HandlerDeps, run_deferred
from incidentbot.slack.ids import SlashCommand, SubCommand
from incidentbot.slack.views.help import help_message

__all__ = ["register"]

logger = logging.getLogger(__name__)

SubHandler = Callable[[CommandRequest, dict[str, Any], AsyncRespond], Awaitable[None]]

USAGES: tuple[tuple[str, str], ...] = ((SubCommand.HELP.value, "show this help"),)


async def _help(request: CommandRequest, body: dict[str, Any], respond: AsyncRespond) -> None:
    command = body.get("command") or SlashCommand.INCIDENT.value
    suggestion = suggest_sub_command(request.unknown) if request.unknown else None
    await respond(**help_message(USAGES, command=command, unknown=request.unknown, suggestion=suggestion))


SUB_HANDLERS: dict[SubCommand, SubHandler] = {SubCommand.HELP: _help}


def register(app: AsyncApp, deps: HandlerDeps) -> None:
    async def on_incident_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        if deps.tracker.closed:
            return  # shutting down: no ack, so Slack delivers it again to a live connection
        await ack()
        request = parse_command(str(body.get("text", "")))
        sub = request.sub.value if request.sub else "unknown"
        bind(sub_command=sub)
        handler = SUB_HANDLERS[request.sub] if request.sub else _help

        async def work() -> None:
            await handler(request, body, respond)

        async def reply(message: dict[str, Any]) -> None:
            await respond(**message)

        run_deferred(deps, f"command:{sub}", work, reply)

    for command in SlashCommand:
        app.command(command.value)(on_incident_command)
