"""``/incident`` and ``/inc``: ack at once, then parse and carry out the sub-command in a tracked task."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from incidentbot.domain.errors import InvalidInputError
from incidentbot.domain.models import Incident
from incidentbot.domain.rules import Action, parse_role, parse_severity, parse_status
from incidentbot.domain.text import echo, escape_within, normalize
from incidentbot.logs import bind
from incidentbot.services.declare import DeclareRequest
from incidentbot.services.lifecycle import ChangeOutcome
from incidentbot.services.queries import split_reference
from incidentbot.slack.commands import CommandRequest, parse_command, split_word, suggest_sub_command
from incidentbot.slack.handlers.intake import Routes
from incidentbot.slack.handlers.runner import HandlerDeps, refuse_rate_limited, run_deferred
from incidentbot.slack.handlers.statuspage import open_publish_form
from incidentbot.slack.ids import SlashCommand, SubCommand
from incidentbot.slack.views.declare_modal import declare_modal
from incidentbot.slack.views.events import event_sentence
from incidentbot.slack.views.help import channel_help_message, help_message
from incidentbot.slack.views.incident_list import list_message
from incidentbot.slack.views.info import PublicStatus, info_message
from incidentbot.slack.views.timeline import timeline_message

__all__ = ["USAGES", "register"]

logger = logging.getLogger(__name__)

USAGES: dict[SubCommand, tuple[str, str]] = {
    SubCommand.DECLARE: ("declare [P1-P4] [title]", "declare an incident (no title: open the form)"),
    SubCommand.PRIVATE: ("private [P1-P4] [title]", "declare a private incident: only the people added see it"),
    SubCommand.STATUS: ("status <state> [message]", "investigating, identified, monitoring or resolved"),
    SubCommand.UPDATE: ("update <message>", "post an update for everyone following"),
    SubCommand.SEVERITY: ("severity <P1-P4>", "change the severity"),
    SubCommand.COMMANDER: ("commander @someone", "hand off the commander role"),
    SubCommand.ROLE: ("role <comms|scribe> @someone", "assign a supporting role"),
    SubCommand.NOTE: ("note <text>", "add a note to the timeline"),
    SubCommand.RESOLVE: ("resolve [summary]", "resolve the incident"),
    SubCommand.REOPEN: ("reopen", "reopen a resolved incident"),
    SubCommand.TIMELINE: ("timeline", "show the timeline"),
    SubCommand.INFO: ("info", "the current state, just for you"),
    SubCommand.LIST: ("list", "open incidents, most severe first"),
    SubCommand.HELP: ("help", "what you can do here"),
    SubCommand.STATUSPAGE: ("statuspage", "tell customers: publish on the status page (commander, comms)"),
}
# The sub-commands that act on one incident, and the permission each needs.
ACTIONS: dict[SubCommand, Action] = {
    SubCommand.STATUS: Action.STATUS,
    SubCommand.UPDATE: Action.UPDATE,
    SubCommand.SEVERITY: Action.SEVERITY,
    SubCommand.COMMANDER: Action.COMMANDER,
    SubCommand.ROLE: Action.ROLE,
    SubCommand.NOTE: Action.NOTE,
    SubCommand.RESOLVE: Action.RESOLVE,
    SubCommand.REOPEN: Action.REOPEN,
}
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SEVERITY_WORD = re.compile(r"^[Pp]\d+$")
# What Slack sends as ``channel_name`` for a command typed in a private channel.
PRIVATE_CHANNEL_NAME = "privategroup"


@dataclass(frozen=True)
class Invocation:
    """One slash command, as the sub-handlers need it."""

    request: CommandRequest
    command: str
    user_id: str
    channel_id: str
    trigger_id: str
    respond: AsyncRespond
    deps: HandlerDeps
    channel_name: str = ""

    @property
    def key(self) -> str:
        """What makes this command's effect happen once, however often Slack delivers it."""
        return f"trigger:{self.trigger_id}"

    @property
    def args(self) -> str:
        """The arguments, normalized: raises InvalidInputError (a friendly answer) for NUL and the like."""
        return normalize(self.request.args)

    def usage(self, sub: SubCommand) -> str:
        return f"{self.command} {USAGES[sub][0]}"

    async def say(self, text: str) -> None:
        await self.respond(text=text, response_type="ephemeral")


SubHandler = Callable[[Invocation], Awaitable[str | None]]


def parse_mention(word: str) -> str:
    match = _MENTION.match(word.strip())
    if not match:
        raise InvalidInputError(
            f"`{echo(word, 30, empty='nobody')}` is not a person. Mention them with @, e.g. `@alice`."
        )
    return match.group(1)


async def _target(inv: Invocation, sub: SubCommand) -> tuple[Incident, str]:
    """The incident (from a ``#42`` reference or this channel) and the rest of the arguments."""
    reference, rest = split_reference(inv.args)
    usage = f"{inv.command} {sub.value} #42 {USAGES[sub][0].partition(' ')[2]}".rstrip()
    incident = await inv.deps.queries.locate(channel_id=inv.channel_id, reference=reference, usage=usage)
    await inv.deps.privacy.require(incident, actor_id=inv.user_id, asked_in=inv.channel_id)
    bind(incident_id=incident.id)
    return incident, rest


async def _answer_elsewhere(inv: Invocation, incident: Incident, outcome: ChangeOutcome) -> str:
    """Typed outside the incident's channel (``#42``): the post there is out of sight, so say what happened."""
    if not outcome.duplicate and outcome.event is not None and inv.channel_id != incident.channel_id:
        await inv.say(f"Done on {incident.reference}: {event_sentence(outcome.event, text_budget=300)}")
    return _outcome(outcome.duplicate)


def _outcome(duplicate: bool) -> str:
    return "duplicate" if duplicate else "ok"


async def _declare(inv: Invocation, *, private: bool = False) -> str | None:
    """``declare`` and ``private``; the form is ticked private for ``private`` or from a private channel."""
    args = inv.args
    if not args:
        templates = await inv.deps.queries.templates()
        view = declare_modal(
            services=inv.deps.config.services,
            templates=templates,
            default_severity=inv.deps.config.default_severity,
            declarer_id=inv.user_id,
            private=private or inv.channel_name == PRIVATE_CHANNEL_NAME,
            origin_channel_id=inv.channel_id,
            offer_public=inv.deps.statuspage_enabled,
        )
        await inv.deps.client.views_open(trigger_id=inv.trigger_id, view=view)
        return None
    first, rest = split_word(args)
    severity = None
    if _SEVERITY_WORD.match(first):
        severity, args = parse_severity(first), rest
    outcome = await inv.deps.declarer.declare(
        DeclareRequest(actor_id=inv.user_id, request_key=inv.key, title=args, severity=severity, private=private)
    )
    incident = outcome.incident
    where = f"<#{incident.channel_id}>" if incident.channel_id else "its channel (not created yet)"
    if outcome.duplicate:
        await inv.say(f"You already declared {incident.reference} *{escape_within(incident.title, 200)}*: {where}.")
        return "duplicate"
    lines = [f"Declared {incident.reference} ({incident.severity.value}): {where}."]
    lines += outcome.problems
    await inv.say("\n".join(lines))
    return None


async def _private(inv: Invocation) -> str | None:
    return await _declare(inv, private=True)


async def _status(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.STATUS)
    word, message = split_word(rest)
    if not word:
        raise InvalidInputError(f"Which status? `{inv.usage(SubCommand.STATUS)}`")
    outcome = await inv.deps.lifecycle.change_status(
        incident_id=incident.id,
        actor_id=inv.user_id,
        request_key=inv.key,
        status=parse_status(word),
        message=message,
    )
    return await _answer_elsewhere(inv, incident, outcome)


async def _update(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.UPDATE)
    outcome = await inv.deps.lifecycle.post_update(
        incident_id=incident.id, actor_id=inv.user_id, request_key=inv.key, text=rest
    )
    return await _answer_elsewhere(inv, incident, outcome)


async def _severity(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.SEVERITY)
    outcome = await inv.deps.lifecycle.change_severity(
        incident_id=incident.id,
        actor_id=inv.user_id,
        request_key=inv.key,
        severity=parse_severity(split_word(rest)[0]),
    )
    return await _answer_elsewhere(inv, incident, outcome)


async def _commander(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.COMMANDER)
    outcome = await inv.deps.lifecycle.hand_off_commander(
        incident_id=incident.id,
        actor_id=inv.user_id,
        request_key=inv.key,
        new_commander=parse_mention(split_word(rest)[0]),
    )
    if not outcome.duplicate:
        await inv.say(f"<@{outcome.after.commander_id}> now commands {incident.reference}.")
    return _outcome(outcome.duplicate)


async def _role(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.ROLE)
    role_word, who = split_word(rest)
    role = parse_role(role_word)
    outcome = await inv.deps.lifecycle.assign_role(
        incident_id=incident.id,
        actor_id=inv.user_id,
        request_key=inv.key,
        role=role,
        user_id=parse_mention(split_word(who)[0]),
    )
    return await _answer_elsewhere(inv, incident, outcome)


async def _note(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.NOTE)
    outcome = await inv.deps.lifecycle.add_note(
        incident_id=incident.id, actor_id=inv.user_id, request_key=inv.key, text=rest
    )
    if not outcome.duplicate:
        await inv.say(f"Noted in the timeline of {incident.reference}.")
    return _outcome(outcome.duplicate)


async def _resolve(inv: Invocation) -> str | None:
    incident, rest = await _target(inv, SubCommand.RESOLVE)
    outcome = await inv.deps.lifecycle.resolve(
        incident_id=incident.id, actor_id=inv.user_id, request_key=inv.key, summary=rest
    )
    return await _answer_elsewhere(inv, incident, outcome)


async def _reopen(inv: Invocation) -> str | None:
    incident, _ = await _target(inv, SubCommand.REOPEN)
    outcome = await inv.deps.lifecycle.reopen(incident_id=incident.id, actor_id=inv.user_id, request_key=inv.key)
    return await _answer_elsewhere(inv, incident, outcome)


async def _timeline(inv: Invocation) -> str | None:
    incident, _ = await _target(inv, SubCommand.TIMELINE)
    events = await inv.deps.queries.timeline(incident.id)
    tz = await inv.deps.gateway.user_timezone(inv.user_id)
    await inv.respond(**timeline_message(incident, events, tz_name=tz), response_type="ephemeral")
    return None


async def _info(inv: Invocation) -> str | None:
    incident, _ = await _target(inv, SubCommand.INFO)
    details = await inv.deps.queries.details(incident.id)
    public = None
    if inv.deps.statuspage_enabled:
        published, link, component = await inv.deps.queries.public_status(details.incident)
        public = PublicStatus(link=link, published=published, component_id=component)
    now = inv.deps.clock.now()
    message = info_message(details.incident, now=now, announcements=details.announcements, public=public)
    await inv.respond(**message, response_type="ephemeral")
    return None


async def _list(inv: Invocation) -> str | None:
    incidents = await inv.deps.privacy.visible(
        await inv.deps.queries.open_incidents(), actor_id=inv.user_id, asked_in=inv.channel_id
    )
    await inv.respond(**list_message(incidents, now=inv.deps.clock.now()), response_type="ephemeral")
    return None


async def _help(inv: Invocation) -> str | None:
    request = inv.request
    incident = await inv.deps.queries.in_channel(inv.channel_id) if request.unknown is None else None
    if incident is not None:
        allowed = set(inv.deps.lifecycle.allowed(incident, inv.user_id))
        can = [USAGES[sub] for sub, action in ACTIONS.items() if action in allowed]
        can += [USAGES[s] for s in (SubCommand.TIMELINE, SubCommand.INFO, SubCommand.LIST, SubCommand.HELP)]
        if inv.deps.publisher is not None and inv.deps.publisher.may_publish(incident, inv.user_id):
            can.append(USAGES[SubCommand.STATUSPAGE])
        message = channel_help_message(incident=incident, user_id=inv.user_id, can=can, command=inv.command)
    else:
        suggestion = suggest_sub_command(request.unknown) if request.unknown else None
        general = [USAGES[s] for s in (SubCommand.DECLARE, SubCommand.PRIVATE, SubCommand.LIST, SubCommand.HELP)]
        listed = list(USAGES.values()) if request.unknown else general
        message = help_message(listed, command=inv.command, unknown=request.unknown, suggestion=suggestion)
    await inv.respond(**message)
    return None


async def _statuspage(inv: Invocation) -> str | None:
    incident, _ = await _target(inv, SubCommand.STATUSPAGE)
    await open_publish_form(inv.deps, incident_id=incident.id, user_id=inv.user_id, trigger_id=inv.trigger_id)
    return None


SUB_HANDLERS: dict[SubCommand, SubHandler] = {
    SubCommand.DECLARE: _declare,
    SubCommand.STATUS: _status,
    SubCommand.UPDATE: _update,
    SubCommand.SEVERITY: _severity,
    SubCommand.COMMANDER: _commander,
    SubCommand.ROLE: _role,
    SubCommand.NOTE: _note,
    SubCommand.RESOLVE: _resolve,
    SubCommand.REOPEN: _reopen,
    SubCommand.TIMELINE: _timeline,
    SubCommand.INFO: _info,
    SubCommand.LIST: _list,
    SubCommand.HELP: _help,
    SubCommand.STATUSPAGE: _statuspage,
    SubCommand.PRIVATE: _private,
}


def register(routes: Routes, deps: HandlerDeps) -> None:
    async def on_incident_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        if deps.tracker.closed:
            return  # shutting down: no ack, so Slack delivers it again to a live connection
        await ack()
        request = parse_command(str(body.get("text", "")))
        sub = request.sub.value if request.sub else "unknown"
        bind(sub_command=sub)
        user = str(body.get("user_id", ""))

        async def reply(message: dict[str, Any]) -> None:
            await respond(**message)

        if not deps.rate_limit.allow(user):
            refuse_rate_limited(deps, f"command:{sub}", reply)
            return
        invocation = Invocation(
            request=request,
            command=str(body.get("command") or SlashCommand.INCIDENT.value),
            user_id=str(body.get("user_id", "")),
            channel_id=str(body.get("channel_id", "")),
            trigger_id=str(body.get("trigger_id", "")),
            respond=respond,
            deps=deps,
            channel_name=str(body.get("channel_name", "")),
        )
        handler = SUB_HANDLERS[request.sub] if request.sub else _help

        async def work() -> str | None:
            return await handler(invocation)

        run_deferred(deps, f"command:{sub}", work, reply, user=user)

    for command in SlashCommand:
        routes.command(command.value, on_incident_command)
