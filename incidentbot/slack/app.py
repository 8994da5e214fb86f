"""build_app(): the bolt app with its middleware, error handler and every surface's listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from incidentbot.slack.client import InstrumentedWebClient
from incidentbot.slack.handlers import commands, interactions, statuspage
from incidentbot.slack.handlers.intake import Routes
from incidentbot.slack.handlers.runner import HandlerDeps
from incidentbot.slack.identity import SlackIdentity

__all__ = ["build_app", "register_listeners"]

logger = logging.getLogger(__name__)


class _DropKnownStartupWarnings(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself, then warns that the client and our
    ``authorize`` take precedence over it. Both are what we intend; the warnings would only alarm."""

    NOISE = ("`token` will be unused", "`token` (or SLACK_BOT_TOKEN env variable) will be ignored")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in self.NOISE)


def build_app(*, client: InstrumentedWebClient, identity: SlackIdentity, deps: HandlerDeps) -> AsyncApp:
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _DropKnownStartupWarnings) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropKnownStartupWarnings())
    app = AsyncApp(
        client=client,
        authorize=identity.authorizer(),
        # Ack as soon as the listener returns; listeners return at once (work is deferred).
        # bolt's default runner polls for the ack every 10 ms instead.
        process_before_response=True,
        # Socket Mode envelopes are not signed HTTP requests.
        request_verification_enabled=False,
        logger=bolt_logger,
    )

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        logger.error("unhandled error in bolt: %s: %s", type(error).__name__, error, exc_info=error)
        return None

    register_listeners(app, deps)
    return app


def register_listeners(app: AsyncApp, deps: HandlerDeps) -> None:
    """Every listener, each behind the intake's guard, so every envelope is acked once whatever it holds."""
    routes = Routes(app, deps)
    commands.register(routes, deps)
    interactions.register(routes, deps)
    statuspage.register(routes, deps)
    routes.unknown_forms()  # last: bolt tries listeners in order
