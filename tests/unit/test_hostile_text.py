"""Property tests: whatever people type or submit, the bot answers in words, never with live markup.

Each text is generated from pieces attackers use (broadcasts, mentions, links, bidi overrides, NUL,
lone surrogates, blank fillers) mixed with arbitrary Unicode. The oracle: every ``<!…>``, ``<@…>``,
``<#…>``, ``<http…>`` or ``<mailto…>`` in what the bot would send must also be there when the same
thing is rendered from harmless text, i.e. it is the bot's own markup, never the input's.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from incidentbot.domain.errors import InvalidInputError
from incidentbot.domain.models import Account, EventKind, Status
from incidentbot.domain.rules import (
    check_assignable,
    parse_role,
    parse_severity,
    parse_status,
    validate_text,
    validate_title,
)
from incidentbot.slack.commands import parse_command, suggest_sub_command
from incidentbot.slack.handlers.commands import parse_mention
from incidentbot.slack.views.announcements import (
    declared_announcement,
    event_message,
    page_dm,
    resolved_announcement,
)
from incidentbot.slack.views.declare_modal import parse_declare_submission
from incidentbot.slack.views.help import channel_help_message, help_message
from incidentbot.slack.views.incident_list import list_message
from incidentbot.slack.views.incident_modals import parse_update_submission, update_modal
from incidentbot.slack.views.info import info_message
from incidentbot.slack.views.modal_errors import ModalValidationError
from incidentbot.slack.views.summary import summary_message
from incidentbot.slack.views.timeline import timeline_message
from incidentbot.slack.views.timers import reminder_message
from incidentbot.slack.views.topic import channel_topic
from tests.unit.test_views_support import NOW, make_event, make_incident, markup_text

LIVE = re.compile(r"<(?:!|@|#|https?:|mailto:)[^<>]*>?", re.IGNORECASE)
PIECES = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!subteam^S0SRE|@sre>",
        "<@U0EVE>",
        "<@W0EVE|eve>",
        "<#C0SECRET|secret>",
        "<http://evil.example|docs>",
        "<https://evil.example>",
        "<mailto:eve@evil.example|mail>",
        "<",
        ">",
        "&",
        "&lt;",
        "`",
        "*",
        "\n",
        "\r\n",
        "\u202e",
        "\u2066",
        "\u200b",
        "\u3164",
        "\u0301",
        "\x00",
        "\ud800",
        "\U000e0041",
    ]
)
TYPED = st.lists(st.one_of(PIECES, st.text(max_size=15)), min_size=1, max_size=10).map("".join)
FAST = settings(max_examples=200, deadline=None)


def live(text: str) -> set[str]:
    return set(LIVE.findall(text))


def assert_no_live_markup_from(typed: str, produced: str, harmless: str = "") -> None:
    extra = live(produced) - live(harmless)
    assert not extra, f"live markup {extra} from input {typed!r}"


def error_text(call: Any, *args: Any, **kwargs: Any) -> str:
    """The friendly text a parse function answers with, or "" when it accepted the input."""
    try:
        call(*args, **kwargs)
    except InvalidInputError as exc:
        return exc.user_text
    return ""


@FAST
@given(TYPED)
def test_parse_errors_repeat_what_was_typed_as_text(typed: str) -> None:
    for text in (
        error_text(parse_severity, typed),
        error_text(parse_status, typed),
        error_text(parse_role, typed),
        error_text(parse_mention, typed),
        error_text(validate_title, typed),
        error_text(validate_text, typed, what="update"),
        error_text(check_assignable, Account.MISSING, user_id=typed, role="commander"),
    ):
        assert_no_live_markup_from(typed, text)
        assert len(text) < 400


@FAST
@given(TYPED)
def test_help_for_an_unknown_sub_command_is_inert(typed: str) -> None:
    request = parse_command(f"x{typed}")  # never raises, whatever was typed
    assert request.unknown is not None
    message = help_message([("help", "show this help")], unknown=request.unknown)
    harmless = help_message([("help", "show this help")], unknown="xyz")
    assert_no_live_markup_from(typed, markup_text(message), markup_text(harmless))
    suggest_sub_command(request.unknown)


def _renders(title: str, text: str) -> list[str]:
    """Everything the bot posts or answers that shows an incident's text."""
    incident = make_incident(title=title, service=text[:100], description=text, comms_id="U0CAROL")
    resolved = make_incident(
        title=title, status=Status.RESOLVED, resolved_at=NOW, resolution=text, service=text[:100], description=text
    )
    events = [make_event(kind, text=text) for kind in (EventKind.UPDATE, EventKind.NOTE, EventKind.STATUS)]
    events.append(make_event(EventKind.ROLE, data={"role": text, "user": text}))
    messages: list[dict[str, Any]] = [
        summary_message(incident, now=NOW),
        summary_message(resolved, now=NOW),
        declared_announcement(incident),
        resolved_announcement(resolved, duration=timedelta(minutes=5)),
        page_dm(incident),
        info_message(incident, now=NOW),
        info_message(resolved, now=NOW),
        list_message([incident], now=NOW),
        timeline_message(incident, events, tz_name=None),
        reminder_message(incident, quiet_minutes=30),
        channel_help_message(incident=incident, user_id="U0BOB", can=[("update <message>", "post")]),
        update_modal(incident),
        *(event_message(incident, event) for event in events),
    ]
    return [markup_text(m) for m in messages] + [channel_topic(incident)]


@FAST
@given(TYPED, TYPED)
def test_views_that_show_user_text_never_make_it_live(title: str, text: str) -> None:
    for produced, harmless in zip(_renders(title, text), _renders("Checkout errors", "rolled back"), strict=True):
        assert_no_live_markup_from(title + text, produced, harmless)


@FAST
@given(TYPED, TYPED, TYPED)
def test_forms_either_parse_or_name_the_field_to_fix(title: str, service: str, description: str) -> None:
    def typed(block: str, value: str) -> dict[str, Any]:
        return {block: {block: {"type": "plain_text_input", "value": value}}}

    values = {
        **typed("title", title),
        **typed("description", description),
        "service": {"service": {"type": "static_select", "selected_option": {"value": service}}},
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "P2"}}},
    }
    try:
        form = parse_declare_submission(values, "{}")
    except ModalValidationError as exc:
        assert set(exc.errors) <= {"title", "service", "description"} and all(exc.errors.values())
    else:
        assert form.title and "\n" not in form.title and "\x00" not in form.description
    try:
        update = parse_update_submission({**typed("update_text", description)})
    except ModalValidationError as exc:
        assert set(exc.errors) == {"update_text"}
    else:
        assert update.text.strip()
