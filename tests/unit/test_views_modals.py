import json
from typing import Any

import pytest

from incidentbot.domain.models import Severity, Status, Template
from incidentbot.sandbox.rules import input_block_ids
from incidentbot.slack.ids import ActionId, BlockId, CallbackId
from incidentbot.slack.views.declare_modal import (
    DeclareForm,
    declare_modal,
    parse_declare_submission,
    suggested_private,
)
from incidentbot.slack.views.incident_modals import (
    UpdateForm,
    incident_id_from_metadata,
    parse_resolve_submission,
    parse_severity_submission,
    parse_update_submission,
    resolve_modal,
    severity_modal,
    update_modal,
)
from incidentbot.slack.views.modal_errors import ModalValidationError
from tests.unit.test_views_support import (
    HOSTILE,
    assert_valid_modal,
    input_blocks,
    make_incident,
    markup_text,
    state_from_initials,
)

SERVICES = ["checkout", "payments", "search"]
TEMPLATES = [
    Template(
        name="payments-outage",
        title="Card payments failing",
        severity=Severity.P1,
        service="payments",
        description="Customers cannot pay by card.",
    ),
    Template(name="slow-search", title="Search is slow", severity=Severity.P3, service=None, description=""),
]


def build_declare(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "services": SERVICES,
        "templates": TEMPLATES,
        "default_severity": Severity.P3,
        "declarer_id": "U0ALICE",
        "origin_channel_id": "C0GENERAL",
    }
    arguments.update(overrides)
    return assert_valid_modal(declare_modal(**arguments))


def errors_of(call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ModalValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.errors


# -- declare -----------------------------------------------------------------------------------------


def test_the_declare_form_has_its_fields_with_the_declarer_as_commander() -> None:
    view = build_declare()
    assert view["callback_id"] == CallbackId.DECLARE
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Declare an incident",
        "Declare",
        "Cancel",
    )
    inputs = input_blocks(view)
    assert list(inputs) == [
        BlockId.TEMPLATE,
        BlockId.TITLE,
        BlockId.SEVERITY,
        BlockId.PRIVATE,
        BlockId.SERVICE,
        BlockId.DESCRIPTION,
        BlockId.COMMANDER,
    ]
    assert inputs[BlockId.TEMPLATE]["dispatch_action"] is True
    assert inputs[BlockId.TEMPLATE]["element"]["action_id"] == ActionId.TEMPLATE
    assert [o["value"] for o in inputs[BlockId.TEMPLATE]["element"]["options"]] == ["payments-outage", "slow-search"]
    assert inputs[BlockId.TITLE]["element"]["max_length"] == 100
    assert not inputs[BlockId.TITLE].get("optional")
    assert inputs[BlockId.SEVERITY]["element"]["initial_option"]["value"] == "P3"
    assert inputs[BlockId.COMMANDER]["element"]["initial_user"] == "U0ALICE"
    assert json.loads(view["private_metadata"]) == {"origin_channel_id": "C0GENERAL", "private": False}
    assert inputs[BlockId.PRIVATE].get("optional") and "initial_options" not in inputs[BlockId.PRIVATE]["element"]


def test_each_severity_option_says_what_it_means() -> None:
    options = input_blocks(build_declare())[BlockId.SEVERITY]["element"]["options"]
    assert [o["value"] for o in options] == ["P1", "P2", "P3", "P4"]
    assert [o["description"]["text"] for o in options] == [s.description for s in Severity]


def test_without_services_or_templates_their_fields_are_left_out() -> None:
    inputs = input_blocks(build_declare(services=[], templates=[]))
    assert BlockId.SERVICE not in inputs and BlockId.TEMPLATE not in inputs


def test_a_template_prefills_the_form() -> None:
    view = build_declare(prefill=TEMPLATES[0])
    inputs = input_blocks(view)
    assert inputs[BlockId.TEMPLATE]["element"]["initial_option"]["value"] == "payments-outage"
    assert inputs[BlockId.TITLE]["element"]["initial_value"] == "Card payments failing"
    assert inputs[BlockId.SEVERITY]["element"]["initial_option"]["value"] == "P1"
    assert inputs[BlockId.SERVICE]["element"]["initial_option"]["value"] == "payments"
    assert inputs[BlockId.DESCRIPTION]["element"]["initial_value"] == "Customers cannot pay by card."


def test_a_huge_template_still_fits_slacks_limits() -> None:
    huge = Template(name="n" * 200, title="t" * 5000, severity=Severity.P2, service="x" * 300, description="d" * 5000)
    view = build_declare(templates=[*TEMPLATES, huge], services=[*SERVICES, "x" * 300], prefill=huge)
    inputs = input_blocks(view)
    assert len(inputs[BlockId.TITLE]["element"]["initial_value"]) <= 100
    assert len(inputs[BlockId.DESCRIPTION]["element"]["initial_value"]) <= 3000


def test_more_than_a_hundred_services_are_offered_in_groups() -> None:
    services = [f"service-{i:03d}" for i in range(250)]
    select = input_blocks(build_declare(services=services))[BlockId.SERVICE]["element"]
    offered = [o["value"] for group in select["option_groups"] for o in group["options"]]
    assert offered == services


def test_a_declare_submission_round_trips() -> None:
    view = build_declare(prefill=TEMPLATES[0])
    values = state_from_initials(view, title="  Card payments   failing in EU ", commander="U0BOB")
    form = parse_declare_submission(values, view["private_metadata"], services=SERVICES)
    assert form == DeclareForm(
        title="Card payments failing in EU",
        severity=Severity.P1,
        service="payments",
        description="Customers cannot pay by card.",
        commander_id="U0BOB",
        template="payments-outage",
        origin_channel_id="C0GENERAL",
    )


def _private_box(values: dict[str, Any], ticked: bool) -> dict[str, Any]:
    chosen = [{"text": {"type": "plain_text", "text": "Private"}, "value": "private"}] if ticked else []
    return {**values, BlockId.PRIVATE: {ActionId.PRIVATE: {"type": "checkboxes", "selected_options": chosen}}}


def test_the_private_box_is_ticked_when_private_is_suggested_and_parses_either_way() -> None:
    view = build_declare(private=True)
    box = input_blocks(view)[BlockId.PRIVATE]["element"]
    assert box["type"] == "checkboxes" and box["initial_options"] == box["options"]
    assert [o["value"] for o in box["options"]] == ["private"]
    assert suggested_private(view["private_metadata"]) and not suggested_private(build_declare()["private_metadata"])
    values = state_from_initials(view, title="Leaked keys")
    assert parse_declare_submission(_private_box(values, True), view["private_metadata"]).private is True
    # Unticked by the person: not private, whatever was suggested.
    assert parse_declare_submission(_private_box(values, False), view["private_metadata"]).private is False
    assert parse_declare_submission(values, view["private_metadata"]).private is False


def test_a_rebuilt_form_keeps_the_suggestion_and_broken_metadata_suggests_nothing() -> None:
    assert suggested_private(json.dumps({"origin_channel_id": "G1", "private": True}))
    for broken in ("", "{", "[]", json.dumps({"private": "yes"})):
        assert not suggested_private(broken)


def test_optional_fields_left_empty_parse_as_none() -> None:
    view = build_declare(origin_channel_id=None)
    values = state_from_initials(view, title="Search down", service=None, commander=None)
    form = parse_declare_submission(values, view["private_metadata"])
    assert (form.service, form.commander_id, form.template, form.description) == (None, None, None, "")
    assert form.origin_channel_id is None and form.severity is Severity.P3


def test_emoji_and_non_latin_titles_are_kept() -> None:
    view = build_declare()
    title = "🔥 Оплата не работает · 決済エラー"
    form = parse_declare_submission(state_from_initials(view, title=title), view["private_metadata"])
    assert form.title == title


@pytest.mark.parametrize("title", ["", "    ", "\u200b\u200b", "\u200b \ufeff \u2060"])
def test_a_blank_title_is_named_as_the_field_to_fix(title: str) -> None:
    view = build_declare()
    errors = errors_of(parse_declare_submission, state_from_initials(view, title=title), view["private_metadata"])
    assert set(errors) == {BlockId.TITLE}
    assert "title" in errors[BlockId.TITLE]
    assert set(errors) <= input_block_ids(view["blocks"])  # Slack only accepts errors on real input blocks


def test_a_title_over_100_characters_is_refused() -> None:
    view = build_declare()
    values = state_from_initials(view, title="x" * 101)
    errors = errors_of(parse_declare_submission, values, view["private_metadata"])
    assert "100" in errors[BlockId.TITLE] and "101" in errors[BlockId.TITLE]


def test_an_unknown_service_and_a_bad_severity_are_reported_together() -> None:
    view = build_declare()
    values = state_from_initials(view, title="ok", service="mainframe", severity="P9")
    errors = errors_of(parse_declare_submission, values, view["private_metadata"], services=SERVICES)
    assert set(errors) == {BlockId.SERVICE, BlockId.SEVERITY}
    assert set(errors) <= input_block_ids(view["blocks"])


def test_a_5000_character_description_is_refused_on_its_field() -> None:
    view = build_declare()
    values = state_from_initials(view, title="ok", description="d" * 5000)
    assert set(errors_of(parse_declare_submission, values, view["private_metadata"])) == {BlockId.DESCRIPTION}


def test_broken_private_metadata_only_loses_the_origin() -> None:
    view = build_declare()
    form = parse_declare_submission(state_from_initials(view, title="ok"), "{not json")
    assert form.origin_channel_id is None


# -- update, severity, resolve ---------------------------------------------------------------------


def test_the_update_form_offers_only_later_states() -> None:
    view = assert_valid_modal(update_modal(make_incident(status=Status.IDENTIFIED)))
    assert view["callback_id"] == CallbackId.UPDATE
    select = input_blocks(view)[BlockId.STATUS]["element"]
    assert [o["value"] for o in select["options"]] == ["monitoring", "resolved"]
    assert input_blocks(view)[BlockId.STATUS]["optional"] is True
    assert not input_blocks(view)[BlockId.UPDATE_TEXT].get("optional")
    assert incident_id_from_metadata(view["private_metadata"]) == 42


def test_a_resolved_incident_offers_no_status_to_move_to() -> None:
    view = assert_valid_modal(update_modal(make_incident(status=Status.RESOLVED)))
    assert BlockId.STATUS not in input_blocks(view)


def test_the_update_form_shows_a_hostile_title_as_text() -> None:
    view = assert_valid_modal(update_modal(make_incident(title=HOSTILE)))
    shown = markup_text(view)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown and "<script>" not in shown


def test_an_update_round_trips_with_and_without_a_status() -> None:
    view = update_modal(make_incident())
    assert parse_update_submission(state_from_initials(view, update_text=" Rolled back ")) == UpdateForm(
        text="Rolled back", status=None
    )
    values = state_from_initials(view, update_text="Fix deployed", status="monitoring")
    assert parse_update_submission(values) == UpdateForm(text="Fix deployed", status=Status.MONITORING)


def test_an_empty_update_or_a_bad_status_names_its_field() -> None:
    view = update_modal(make_incident())
    errors = errors_of(parse_update_submission, state_from_initials(view, update_text="\u200b ", status="declared"))
    assert set(errors) == {BlockId.UPDATE_TEXT, BlockId.STATUS}
    assert set(errors) <= input_block_ids(view["blocks"])
    too_long = state_from_initials(view, update_text="u" * 5000)
    assert "5000" in errors_of(parse_update_submission, too_long)[BlockId.UPDATE_TEXT]


def test_the_severity_form_starts_at_the_current_severity_and_round_trips() -> None:
    view = assert_valid_modal(severity_modal(make_incident(severity=Severity.P3)))
    assert view["callback_id"] == CallbackId.SEVERITY
    assert input_blocks(view)[BlockId.SEVERITY]["element"]["initial_option"]["value"] == "P3"
    assert parse_severity_submission(state_from_initials(view, severity="P1")) is Severity.P1
    assert parse_severity_submission(state_from_initials(view)) is Severity.P3
    assert set(errors_of(parse_severity_submission, state_from_initials(view, severity=None))) == {BlockId.SEVERITY}


def test_the_resolve_form_takes_an_optional_summary() -> None:
    view = assert_valid_modal(resolve_modal(make_incident()))
    assert view["callback_id"] == CallbackId.RESOLVE
    assert input_blocks(view)[BlockId.RESOLUTION]["optional"] is True
    assert parse_resolve_submission(state_from_initials(view, resolution=" Rolled back\n")) == "Rolled back"
    assert parse_resolve_submission(state_from_initials(view)) == ""
    assert parse_resolve_submission({}) == ""


@pytest.mark.parametrize("metadata", ["", "{}", "[]", '{"incident_id": "42"}', '{"incident_id": true}', "nope"])
def test_metadata_without_an_incident_id_is_refused(metadata: str) -> None:
    with pytest.raises(ValueError, match="incident id"):
        incident_id_from_metadata(metadata)


@pytest.mark.parametrize("build", [update_modal, severity_modal, resolve_modal])
def test_every_incident_form_fits_slack_whatever_the_title(build: Any) -> None:
    for incident in (make_incident(title="x" * 5000), make_incident(title="🔥 決済エラー", id=10**12)):
        view = assert_valid_modal(build(incident))
        assert incident_id_from_metadata(view["private_metadata"]) == incident.id
