"""Every listener acks each envelope exactly once, whatever the payload, and a stale one is answered once.

Listener-level: the registered (guarded) listener is called as bolt calls it, with a recording ``ack``;
the deferred answer is awaited by draining the task tracker.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.domain.models import Severity
from incidentbot.metrics import Metrics
from incidentbot.slack.app import register_listeners
from incidentbot.slack.handlers import commands, interactions
from incidentbot.slack.handlers.intake import GUARD_MARK
from incidentbot.slack.handlers.runner import HandlerDeps, run_deferred
from incidentbot.slack.views.interaction import OUT_OF_DATE, StaleInteractionError
from incidentbot.tasks import TaskTracker

ALICE, CHANNEL = "U0ALICE", "C0INC"


class RecordingAck:
    """Stands in for bolt's AsyncAck: records each call; ``response`` is set once acked, as bolt's is."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.response: BoltResponse | None = None

    async def __call__(self, text: Any = "", **kwargs: Any) -> BoltResponse:
        self.calls.append({k: v for k, v in kwargs.items() if v is not None})
        self.response = BoltResponse(status=200, body=json.dumps(self.calls[-1]))
        return self.response


@pytest.fixture
def deps() -> HandlerDeps:
    client = MagicMock(spec=AsyncWebClient)
    client.chat_postEphemeral = AsyncMock()
    client.chat_postMessage = AsyncMock()
    client.views_open = AsyncMock()
    client.views_update = AsyncMock()
    services = {name: AsyncMock() for name in ("declarer", "lifecycle", "timers", "queries", "privacy")}
    return HandlerDeps(
        tracker=TaskTracker(),
        metrics=Metrics(),
        config=MagicMock(services=["checkout"], default_severity=Severity.P3),
        gateway=MagicMock(),
        client=client,
        clock=MagicMock(),
        statuspage_enabled=True,
        publisher=MagicMock(),
        **services,
    )


@pytest.fixture
def app(deps: HandlerDeps) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-test"),
        process_before_response=True,
        request_verification_enabled=False,
    )
    register_listeners(app, deps)
    return app


async def deliver(app: AsyncApp, body: dict[str, Any]) -> RecordingAck:
    """Call the listener bolt would pick for ``body``, with the arguments it would pass by name."""
    request = AsyncBoltRequest(body=body, mode="socket_mode")
    for listener in app._async_listeners:
        if await listener.async_matches(req=request, resp=BoltResponse(status=200)):
            ack = RecordingAck()
            available = {"ack": ack, "body": body, "respond": AsyncMock(), "view": body.get("view")}
            await listener.ack_function(**{n: available[n] for n in get_arg_names_of_callable(listener.ack_function)})
            return ack
    raise AssertionError(f"no listener for {body}")


async def answers(deps: HandlerDeps) -> list[dict[str, Any]]:
    """Everything the bot said to anyone, once the deferred work is done."""
    assert await deps.tracker.drain(5) == 0
    client: Any = deps.client
    return [c.kwargs for c in client.chat_postEphemeral.await_args_list + client.chat_postMessage.await_args_list]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("incidentbot")]


def button(action_id: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": ALICE},
        "channel": {"id": CHANNEL},
        "trigger_id": "1.2.3",
        "actions": [{"action_id": action_id, "type": "button", "value": value}],
        **extra,
    }


def submission(callback_id: str, *, metadata: str = '{"incident_id": 1}', **view: Any) -> dict[str, Any]:
    fields = {
        "id": "V1",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "state": {"values": {}},
        **view,
    }
    return {"type": "view_submission", "user": {"id": ALICE}, "trigger_id": "1.2.3", "view": fields}


def stale_answer_once(found: list[dict[str, Any]], *, channel: str) -> None:
    assert [(a["channel"], a["text"]) for a in found] == [(channel, OUT_OF_DATE)]


STALE_BUTTONS = [
    pytest.param("summary_resolve", "abc", id="summary button, value not a number"),
    pytest.param("summary_post_update", "-3", id="summary button, negative value"),
    pytest.param("summary_change_severity", None, id="summary button, no value"),
    pytest.param("reminder_snooze", "12abc", id="snooze button, value not a number"),
    pytest.param("reminder_snooze", "9" * 40, id="snooze button, value too big"),
]


@pytest.mark.parametrize(("action_id", "value"), STALE_BUTTONS)
async def test_a_button_with_a_garbage_value_is_acked_and_answered_once(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture, action_id: str, value: Any
) -> None:
    ack = await deliver(app, button(action_id, value))
    assert ack.calls == [{}]
    stale_answer_once(await answers(deps), channel=CHANNEL)
    assert [r.exc_info for r in warnings_of(caplog)] == [None]  # one warning line, no traceback
    lifecycle: Any = deps.lifecycle
    assert lifecycle.mock_calls == [] and deps.timers.mock_calls == []  # type: ignore[attr-defined]


async def test_a_button_without_a_user_is_acked_and_logged_once(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture
) -> None:
    body = button("summary_resolve", "1")
    del body["user"]
    ack = await deliver(app, body)
    assert ack.calls == [{}]
    assert await answers(deps) == []  # nobody to tell
    assert [r.exc_info for r in warnings_of(caplog)] == [None]


STALE_FORMS = [
    pytest.param(submission("incident_update", metadata="not json"), id="update form, metadata not JSON"),
    pytest.param(submission("incident_severity", metadata="[1]"), id="severity form, metadata a list"),
    pytest.param(submission("incident_resolve", metadata='{"incident_id": "7"}'), id="resolve form, id a string"),
    pytest.param(submission("incident_resolve", state=None), id="resolve form, no state"),
    pytest.param(submission("incident_declare", id=None), id="declare form, no view id"),
    pytest.param(submission("statuspage_publish", metadata="{}"), id="publish form, metadata not ours"),
    pytest.param(submission("statuspage_confirm", metadata='{"incident_id": 1}'), id="preview, no draft"),
    pytest.param(submission("statuspage_confirm", metadata="[]"), id="preview, metadata a list"),
    pytest.param(submission("incident_close_v0"), id="callback_id not ours"),
]


@pytest.mark.parametrize("body", STALE_FORMS)
async def test_a_stale_form_is_cleared_and_answered_once(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture, body: dict[str, Any]
) -> None:
    ack = await deliver(app, body)
    assert ack.calls == [{"response_action": "clear"}]
    stale_answer_once(await answers(deps), channel=ALICE)  # no channel inside a modal: a DM
    assert [r.exc_info for r in warnings_of(caplog)] == [None]
    assert deps.declarer.mock_calls == [] and deps.lifecycle.mock_calls == []  # type: ignore[attr-defined]


async def test_a_form_without_a_user_is_cleared_and_logged_once(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture
) -> None:
    body = submission("incident_update")
    del body["user"]
    ack = await deliver(app, body)
    assert ack.calls == [{"response_action": "clear"}]
    assert await answers(deps) == []
    assert len(warnings_of(caplog)) == 1


@pytest.mark.parametrize(
    "view",
    [
        pytest.param({"private_metadata": "{}"}, id="status picker, metadata not ours"),
        pytest.param({"id": None}, id="status picker, no view id"),
    ],
)
async def test_a_status_picked_in_a_stale_publish_form_is_acked_and_answered_once(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture, view: dict[str, Any]
) -> None:
    body = submission("statuspage_publish", **view) | {"type": "block_actions"}
    body["actions"] = [{"action_id": "public_status", "selected_option": {"value": "identified"}}]
    ack = await deliver(app, body)
    assert ack.calls == [{}]
    stale_answer_once(await answers(deps), channel=ALICE)
    assert len(warnings_of(caplog)) == 1


async def test_the_template_picker_with_metadata_not_ours_still_rebuilds_the_form(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture
) -> None:
    body = submission("incident_declare", metadata="[1, 2]") | {"type": "block_actions"}
    body["actions"] = [{"action_id": "declare_template", "selected_option": None}]
    deps.queries.templates.return_value = []  # type: ignore[attr-defined]
    ack = await deliver(app, body)
    assert ack.calls == [{}]
    assert await answers(deps) == [] and warnings_of(caplog) == []
    client: Any = deps.client
    assert client.views_update.await_args.kwargs["view_id"] == "V1"


async def test_the_template_picker_on_a_view_without_an_id_is_acked_and_answered_once(
    app: AsyncApp, deps: HandlerDeps
) -> None:
    body = submission("incident_declare", id=None) | {"type": "block_actions"}
    body["actions"] = [{"action_id": "declare_template", "selected_option": {"value": "Database outage"}}]
    ack = await deliver(app, body)
    assert ack.calls == [{}]
    stale_answer_once(await answers(deps), channel=ALICE)


async def test_a_listener_that_fails_after_its_ack_stays_acked_and_apologises_once(
    app: AsyncApp, deps: HandlerDeps, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(commands, "parse_command", broken)
    body = {"command": "/incident", "text": "list", "user_id": ALICE, "channel_id": CHANNEL, "trigger_id": "1.2.3"}
    ack = await deliver(app, body)
    assert ack.calls == [{}]  # acked before the bug, and the bug did not reach bolt
    found = await answers(deps)
    assert len(found) == 1 and "something went wrong on my side" in found[0]["text"]
    errors = warnings_of(caplog)
    assert len(errors) == 1 and errors[0].levelno == logging.ERROR and errors[0].exc_info  # a bug: its traceback
    reference = found[0]["text"].split("`")[-2]
    assert reference in errors[0].getMessage()


async def test_a_listener_that_fails_before_its_ack_is_acked_by_the_guard(
    app: AsyncApp, deps: HandlerDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(values: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setitem(interactions.INCIDENT_FORMS, "incident_resolve", broken)
    ack = await deliver(app, submission("incident_resolve"))
    assert ack.calls == [{"response_action": "clear"}]
    assert len(await answers(deps)) == 1


async def test_every_registered_listener_is_guarded(app: AsyncApp) -> None:
    listeners = app._async_listeners
    assert len(listeners) >= 10
    assert all(getattr(listener.ack_function, GUARD_MARK, False) for listener in listeners)


async def test_stale_work_found_after_the_ack_is_answered_once_without_a_traceback(
    deps: HandlerDeps, caplog: pytest.LogCaptureFixture
) -> None:
    said: list[dict[str, Any]] = []

    async def work() -> str | None:
        raise StaleInteractionError("the incident of that button is not in this database")

    async def reply(message: dict[str, Any]) -> None:
        said.append(message)

    run_deferred(deps, "action:test", work, reply)
    assert await deps.tracker.drain(5) == 0
    assert [m["text"] for m in said] == [OUT_OF_DATE]
    assert [r.exc_info for r in warnings_of(caplog)] == [None]
    assert deps.metrics.commands.labels("action:test", "stale")._value.get() == 1
