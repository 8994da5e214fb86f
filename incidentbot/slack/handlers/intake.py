"""Intake: every listener is registered through :class:`Routes`, whose guard acks each envelope once.

bolt leaves an envelope unacked when its listener raises before ``ack()``, and may drop the ack when
it raises after (SLACK_RULES pitfall 2): Slack then delivers it four times, each with a traceback.
The guard keeps every exception inside the listener. A payload that is not ours (a stale button, a
form an older release built) is acked, answered once with ``OUT_OF_DATE`` and logged as one warning
line; anything else is our bug: acked, logged with its traceback and answered with a reference.
A view submission acked this way is cleared, never left hanging.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from incidentbot.slack.handlers.replies import replier
from incidentbot.slack.handlers.runner import APOLOGY, HandlerDeps, run_deferred
from incidentbot.slack.views.interaction import OUT_OF_DATE, StaleInteractionError, describe, recipient, view_of

__all__ = ["GUARD_MARK", "Routes"]

logger = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]
Constraint = str | re.Pattern[str]

# Set on every guarded listener: a test checks that bolt holds no other kind.
GUARD_MARK = "incidentbot_acks_once"

# Registered last: a submission of a form no listener above knows (its callback_id is not one of ours).
ANY_FORM = re.compile(r".*", re.DOTALL)


class Routes:
    """Registers listeners on the bolt app, each behind the guard; the only way handlers reach the app."""

    def __init__(self, app: AsyncApp, deps: HandlerDeps) -> None:
        self._app = app
        self._deps = deps

    def command(self, command: str, listener: Listener) -> None:
        self._app.command(command)(self._guarded(listener))

    def action(self, action_id: Constraint, listener: Listener) -> None:
        self._app.action(action_id)(self._guarded(listener))

    def view(self, callback_id: Constraint, listener: Listener) -> None:
        self._app.view(callback_id)(self._guarded(listener))

    def unknown_forms(self) -> None:
        """Call after every other registration: bolt tries listeners in order."""
        self.view(ANY_FORM, _refuse_unknown_form)

    def _guarded(self, listener: Listener) -> Listener:
        # bolt passes arguments by the names the listener declares (it unwraps functools.wraps), so the
        # guard can only ack and answer if the listener asks for both.
        names = inspect.getfullargspec(listener).args
        if "ack" not in names or "body" not in names:
            raise TypeError(f"listener {listener.__qualname__} must take `ack` and `body`")
        deps = self._deps

        @functools.wraps(listener)
        async def guarded(**kwargs: Any) -> None:
            ack: AsyncAck = kwargs["ack"]
            body: Mapping[str, Any] = kwargs["body"] if isinstance(kwargs["body"], Mapping) else {}
            try:
                await listener(**kwargs)
            except StaleInteractionError as exc:
                logger.warning("%s is out of date or not ours (%s); acked and answered", describe(body), exc.reason)
                await _settle(ack, body)
                _answer(deps, body, OUT_OF_DATE, outcome="stale")
            except Exception:
                ref = uuid.uuid4().hex[:8]
                logger.exception("%s failed in its listener (reference %s); acked", describe(body), ref)
                await _settle(ack, body)
                _answer(deps, body, APOLOGY.format(ref=ref), outcome="error")

        setattr(guarded, GUARD_MARK, True)
        return guarded


async def _refuse_unknown_form(ack: AsyncAck, body: dict[str, Any]) -> None:
    raise StaleInteractionError(f"no form {view_of(body).callback_id[:80]!r} is ours")


async def _settle(ack: AsyncAck, body: Mapping[str, Any]) -> None:
    """Ack unless the listener already did: a submission is cleared, anything else acked empty."""
    if ack.response is not None:
        return
    if body.get("type") == "view_submission":
        await ack(response_action="clear")
    else:
        await ack()


def _answer(deps: HandlerDeps, body: Mapping[str, Any], text: str, *, outcome: str) -> None:
    """Tell the person once, after the ack: ephemeral where they acted, else a DM."""
    user, channel = recipient(body)
    if user is None or deps.tracker.closed:  # nobody to tell, or shutting down: the log line stands
        return
    reply = replier(deps, user, channel)

    async def work() -> str | None:
        await reply({"text": text})
        return outcome

    run_deferred(deps, str(body.get("type") or "slash_command"), work, reply)
