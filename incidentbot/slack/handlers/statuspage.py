"""Publishing on the status page from Slack: open the form, preview it, publish what a person decided.

The right to publish is checked when the form opens (a refusal is audited and nothing opens) and
again, decisively, when the preview's *Publish* is pressed. The preview is built in the ack from
the submitted form alone (no I/O), and carries the draft to the *Publish* submission.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from incidentbot.domain.errors import InvalidInputError, UserFacingError
from incidentbot.domain.models import Incident
from incidentbot.domain.publication import PublicStatus, validate_draft
from incidentbot.logs import bind
from incidentbot.services.statuspage_publish import StatuspagePublisher
from incidentbot.slack.handlers.intake import Routes
from incidentbot.slack.handlers.replies import replier
from incidentbot.slack.handlers.runner import HandlerDeps, run_deferred
from incidentbot.slack.ids import ActionId, BlockId, CallbackId
from incidentbot.slack.views.interaction import actor, button_value, selected_value, view_of, where
from incidentbot.slack.views.modal_errors import ModalValidationError
from incidentbot.slack.views.statuspage import (
    component_labels,
    confirm_modal,
    draft_from_confirmation,
    form_incident_id,
    parse_publish_submission,
    publish_modal,
    status_from_form,
)

__all__ = ["NOT_CONFIGURED", "open_publish_form", "register"]

logger = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "The status page is not set up for this workspace: an operator can connect it with "
    "`STATUSPAGE_API_KEY` and `STATUSPAGE_PAGE_ID` (see docs/STATUSPAGE.md)."
)


def _publisher(deps: HandlerDeps) -> StatuspagePublisher:
    if deps.publisher is None:
        raise InvalidInputError(NOT_CONFIGURED)
    return deps.publisher


async def _form_view(
    deps: HandlerDeps, *, incident_id: int, user_id: str, status: PublicStatus | None
) -> tuple[Incident, dict[str, Any]]:
    form = await _publisher(deps).form(incident_id=incident_id, actor_id=user_id, status=status)
    view = publish_modal(form.incident, form.draft, components=form.components, current=form.current)
    return form.incident, view


async def open_publish_form(
    deps: HandlerDeps, *, incident_id: int, user_id: str, trigger_id: str, status: PublicStatus | None = None
) -> None:
    """Check the right to publish, then open the form (within the trigger's 3 seconds)."""
    incident, view = await _form_view(deps, incident_id=incident_id, user_id=user_id, status=status)
    bind(incident_id=incident.id)
    await deps.client.views_open(trigger_id=trigger_id, view=view)


def _button_value(value: str) -> tuple[int, PublicStatus | None]:
    number, _, preset = value.partition(":")
    try:
        return int(number), PublicStatus(preset) if preset else None
    except ValueError:
        raise InvalidInputError("That button is out of date. Use `/incident statuspage` instead.") from None


def _on_open_button(deps: HandlerDeps) -> Callable[..., Awaitable[None]]:
    async def on_open(ack: AsyncAck, body: dict[str, Any]) -> None:
        if deps.tracker.closed:
            return
        await ack()
        user, channel = actor(body), where(body)
        trigger = str(body.get("trigger_id", ""))
        value = button_value(body)

        async def work() -> str | None:
            incident_id, preset = _button_value(value)
            await open_publish_form(deps, incident_id=incident_id, user_id=user, trigger_id=trigger, status=preset)
            return None

        run_deferred(deps, "action:statuspage", work, replier(deps, user, channel), user=user)

    return on_open


def _on_status_picked(deps: HandlerDeps) -> Callable[..., Awaitable[None]]:
    """A new public status in the form: bring that status's wording and component defaults."""

    async def on_status(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user, view = actor(body), view_of(body)
        incident_id = form_incident_id(view.private_metadata)
        try:
            status: PublicStatus | None = PublicStatus(str(selected_value(body)))
        except ValueError:
            status = status_from_form(view.values)

        async def work() -> str | None:
            _, new_view = await _form_view(deps, incident_id=incident_id, user_id=user, status=status)
            await deps.client.views_update(view_id=view.id, hash=view.hash, view=new_view)
            return None

        run_deferred(deps, "action:statuspage_status", work, replier(deps, user, None), user=user)

    return on_status


def _message_block(values: Mapping[str, Any]) -> str:
    return next((b for b in values if b.startswith(f"{BlockId.PUBLIC_MESSAGE.value}:")), BlockId.PUBLIC_TITLE.value)


def _on_form_submitted(deps: HandlerDeps) -> Callable[..., Awaitable[None]]:
    """Preview: pushed in the ack, built from the submission alone."""

    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        view = view_of(body)
        values = view.values
        form_incident_id(view.private_metadata)  # a form not ours is stale: cleared and answered by the intake
        try:
            draft = parse_publish_submission(values, view.private_metadata)
            draft = validate_draft(draft)
            preview = confirm_modal(draft, labels=component_labels(view.blocks))
        except ModalValidationError as exc:
            await ack(response_action="errors", errors=exc.errors)
            return
        except InvalidInputError as exc:
            await ack(response_action="errors", errors={_message_block(values): exc.user_text})
            return
        except ValueError:  # a draft too long to carry: refuse, never raise
            await ack(response_action="errors", errors={_message_block(values): "Shorten the message and try again."})
            return
        await ack(response_action="push", view=preview)

    return on_submit


def _on_confirmed(deps: HandlerDeps) -> Callable[..., Awaitable[None]]:
    async def on_confirm(ack: AsyncAck, body: dict[str, Any]) -> None:
        view, user = view_of(body), actor(body)
        draft = draft_from_confirmation(view.private_metadata)
        await ack(response_action="clear")
        bind(incident_id=draft.incident_id)
        key = f"view:{view.id}"

        async def channel() -> str | None:
            try:
                return (await deps.queries.details(draft.incident_id)).incident.channel_id
            except UserFacingError:
                return None

        async def reply(message: dict[str, Any]) -> None:
            await replier(deps, user, await channel())(message)

        async def work() -> str | None:
            publication = await _publisher(deps).publish(actor_id=user, request_key=key, draft=draft)
            if publication is None:
                return "duplicate"
            if publication.outcome == "pending":
                await reply(
                    {
                        "text": "The status page is not answering right now. Your publication is saved and "
                        "will go out, exactly as you wrote it, as soon as it answers; the channel will say so."
                    }
                )
            return None

        run_deferred(deps, "view:statuspage", work, reply, user=user)

    return on_confirm


def register(routes: Routes, deps: HandlerDeps) -> None:
    routes.action(ActionId.STATUSPAGE_OPEN.value, _on_open_button(deps))
    routes.action(ActionId.PUBLIC_STATUS.value, _on_status_picked(deps))
    routes.view(CallbackId.STATUSPAGE.value, _on_form_submitted(deps))
    routes.view(CallbackId.STATUSPAGE_CONFIRM.value, _on_confirmed(deps))
