"""Buttons and modals: the summary's buttons open forms, the forms change the incident.

A form's own mistakes (an empty title) are answered in the ack, next to the field, so the modal
stays open; everything else is acked at once and carried out in a tracked task, with the same
permissions and the same one-transaction use cases as the slash commands.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from incidentbot.domain.errors import UserFacingError
from incidentbot.domain.models import Incident
from incidentbot.domain.rules import Action
from incidentbot.logs import bind
from incidentbot.services.declare import DeclareRequest
from incidentbot.slack.handlers import statuspage
from incidentbot.slack.handlers.intake import Routes
from incidentbot.slack.handlers.replies import replier
from incidentbot.slack.handlers.runner import HandlerDeps, run_deferred
from incidentbot.slack.ids import ActionId, CallbackId
from incidentbot.slack.views.declare_modal import (
    declare_modal,
    origin_channel,
    parse_declare_submission,
    suggested_private,
)
from incidentbot.slack.views.incident_modals import (
    incident_id_from_metadata,
    parse_resolve_submission,
    parse_severity_submission,
    parse_update_submission,
    resolve_modal,
    severity_modal,
    update_modal,
)
from incidentbot.slack.views.interaction import (
    StaleInteractionError,
    actor,
    button_incident_id,
    selected_value,
    view_of,
    where,
)
from incidentbot.slack.views.modal_errors import ModalValidationError

__all__ = ["register"]

logger = logging.getLogger(__name__)


_replier = replier


ModalOpener = Callable[[Incident], dict[str, Any]]

# The forms behind the summary's buttons, and the parser of each one's submission.
INCIDENT_FORMS: dict[str, Callable[[Any], Any]] = {
    CallbackId.UPDATE: parse_update_submission,
    CallbackId.SEVERITY: parse_severity_submission,
    CallbackId.RESOLVE: parse_resolve_submission,
}

BUTTONS: dict[ActionId, tuple[Action, ModalOpener]] = {
    ActionId.SUMMARY_UPDATE: (Action.UPDATE, update_modal),
    ActionId.SUMMARY_SEVERITY: (Action.SEVERITY, severity_modal),
    ActionId.SUMMARY_RESOLVE: (Action.RESOLVE, resolve_modal),
}


def _button_listener(deps: HandlerDeps, action: Action, build: ModalOpener) -> Callable[..., Awaitable[None]]:
    """One listener per button. A factory, not default arguments: bolt fills parameters by name."""

    async def on_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        if deps.tracker.closed:
            return
        await ack()
        user, channel = actor(body), where(body)
        trigger = str(body.get("trigger_id", ""))
        incident_id = button_incident_id(body)

        async def work() -> str | None:
            incident = await deps.lifecycle.require(incident_id=incident_id, actor_id=user, action=action)
            bind(incident_id=incident.id)
            await deps.client.views_open(trigger_id=trigger, view=build(incident))
            return None

        run_deferred(deps, f"action:{action.name.lower()}", work, _replier(deps, user, channel), user=user)

    return on_button


def _register_buttons(routes: Routes, deps: HandlerDeps) -> None:
    for action_id, (action, build) in BUTTONS.items():
        routes.action(action_id.value, _button_listener(deps, action, build))

    async def on_template(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view, user, selected = view_of(body), actor(body), selected_value(body)

        async def work() -> str | None:
            template = await deps.queries.template(str(selected)) if selected else None
            new_view = declare_modal(
                services=deps.config.services,
                templates=await deps.queries.templates(),
                default_severity=deps.config.default_severity,
                declarer_id=user,
                origin_channel_id=origin_channel(view.private_metadata),
                private=suggested_private(view.private_metadata),
                prefill=template,
                offer_public=deps.statuspage_enabled,
            )
            await deps.client.views_update(view_id=view.id, hash=view.hash, view=new_view)
            return None

        run_deferred(deps, "action:template", work, _replier(deps, user, None), user=user)

    routes.action(ActionId.TEMPLATE.value, on_template)

    async def on_snooze(ack: AsyncAck, body: dict[str, Any]) -> None:
        if deps.tracker.closed:
            return
        await ack()
        user = actor(body)
        incident_id = button_incident_id(body)
        reply = _replier(deps, user, where(body))

        async def work() -> str | None:
            incident = await deps.timers.snooze(incident_id=incident_id, actor_id=user)
            await reply({"text": f"No update reminders for {incident.reference} for the next 30 minutes."})
            return None

        run_deferred(deps, "action:snooze", work, reply, user=user)

    routes.action(ActionId.REMINDER_SNOOZE.value, on_snooze)


def _register_modals(routes: Routes, deps: HandlerDeps) -> None:
    async def on_declare(ack: AsyncAck, body: dict[str, Any]) -> None:
        view, user = view_of(body), actor(body)
        try:
            form = parse_declare_submission(view.values, view.private_metadata, services=deps.config.services)
        except ModalValidationError as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        await ack()

        async def open_publish_form(incident: Incident) -> None:
            """Ticked "publish": the customer form opens right after the declaration, in the trigger's window."""
            try:
                await statuspage.open_publish_form(
                    deps, incident_id=incident.id, user_id=user, trigger_id=str(body.get("trigger_id", ""))
                )
            except UserFacingError as exc:
                await _replier(deps, user, form.origin_channel_id)({"text": exc.user_text})
            except Exception:
                logger.exception("could not open the status page form after declaring %s", incident.reference)

        async def work() -> str | None:
            outcome = await deps.declarer.declare(
                DeclareRequest(
                    actor_id=user,
                    request_key=f"view:{view.id}",
                    title=form.title,
                    severity=form.severity,
                    service=form.service,
                    description=form.description,
                    commander_id=form.commander_id,
                    template=form.template,
                    private=form.private,
                    public=form.public,
                ),
                on_stored=open_publish_form if form.public and deps.publisher is not None else None,
            )
            incident = outcome.incident
            where = f"<#{incident.channel_id}>" if incident.channel_id else "its channel (not created yet)"
            if outcome.duplicate:
                return "duplicate"
            lines = [f"Declared {incident.reference} ({incident.severity.value}): {where}.", *outcome.problems]
            await _replier(deps, user, form.origin_channel_id)({"text": "\n".join(lines)})
            return None

        run_deferred(deps, "view:declare", work, _replier(deps, user, form.origin_channel_id), user=user)

    async def on_incident_form(ack: AsyncAck, body: dict[str, Any]) -> None:
        view, user = view_of(body), actor(body)
        parse = INCIDENT_FORMS.get(view.callback_id)
        if parse is None:
            raise StaleInteractionError(f"no incident form {view.callback_id[:80]!r}")
        callback = CallbackId(view.callback_id)
        incident_id = incident_id_from_metadata(view.private_metadata)
        try:
            parsed: Any = parse(view.values)
        except ModalValidationError as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        await ack()
        key = f"view:{view.id}"
        bind(incident_id=incident_id)
        lifecycle = deps.lifecycle

        async def work() -> str | None:
            if callback is CallbackId.UPDATE:
                outcome = await lifecycle.post_update(
                    incident_id=incident_id, actor_id=user, request_key=key, text=parsed.text, status=parsed.status
                )
            elif callback is CallbackId.SEVERITY:
                outcome = await lifecycle.change_severity(
                    incident_id=incident_id, actor_id=user, request_key=key, severity=parsed
                )
            else:
                outcome = await lifecycle.resolve(
                    incident_id=incident_id, actor_id=user, request_key=key, summary=parsed
                )
            return "duplicate" if outcome.duplicate else None

        async def reply(message: dict[str, Any]) -> None:
            await _replier(deps, user, await _channel_of(deps, incident_id))(message)

        run_deferred(deps, f"view:{callback.name.lower()}", work, reply, user=user)

    routes.view(CallbackId.DECLARE.value, on_declare)
    for callback in INCIDENT_FORMS:
        routes.view(callback, on_incident_form)


async def _channel_of(deps: HandlerDeps, incident_id: int) -> str | None:
    """Where to answer about an incident: its channel (cheap; the ack has already gone)."""
    try:
        details = await deps.queries.details(incident_id)
    except Exception:
        return None
    return details.incident.channel_id


def register(routes: Routes, deps: HandlerDeps) -> None:
    _register_buttons(routes, deps)
    _register_modals(routes, deps)
