"""The publish form, its preview and the channel's lines: customer wording only, user text escaped."""

from __future__ import annotations

import json

import pytest

from incidentbot.domain.models import Severity
from incidentbot.domain.publication import (
    ComponentStatus,
    MappedComponent,
    Publication,
    PublicationDraft,
    PublicStatus,
)
from incidentbot.slack.views.modal_errors import ModalValidationError
from incidentbot.slack.views.statuspage import (
    component_labels,
    confirm_modal,
    draft_from_confirmation,
    parse_publish_submission,
    publication_line,
    publish_modal,
)
from incidentbot.slack.views.summary import summary_message
from tests.unit.test_views_support import NOW, make_incident

INCIDENT = make_incident(
    id=7, title="db-7 primary OOM after deploy 4711", severity=Severity.P1, description="internal notes"
)
COMPONENTS = [
    MappedComponent(service="checkout", component_id="cmp1", name="Checkout API"),
    MappedComponent(service="search", component_id="cmp2", name="Search"),
]
DRAFT = PublicationDraft(
    incident_id=7,
    title="Service disruption",
    status=PublicStatus.INVESTIGATING,
    message="We are investigating.",
    components={"cmp1": ComponentStatus.MAJOR_OUTAGE},
)


def _state(view: dict[str, object], **typed: str) -> dict[str, object]:
    """What Slack submits: every input's initial value, with ``typed`` replacing some."""
    values: dict[str, object] = {}
    for block in view["blocks"]:  # type: ignore[attr-defined]
        if block["type"] != "input":
            continue
        element = block["element"]
        action = element["action_id"]
        if element["type"] == "static_select":
            picked = typed.get(block["block_id"], element["initial_option"]["value"])
            values[block["block_id"]] = {action: {"type": "static_select", "selected_option": {"value": picked}}}
        else:
            text = typed.get(block["block_id"], element.get("initial_value", ""))
            values[block["block_id"]] = {action: {"type": "plain_text_input", "value": text}}
    return values


def test_the_form_never_shows_the_internal_title_or_description() -> None:
    view = publish_modal(INCIDENT, DRAFT, components=COMPONENTS, current=None)
    text = json.dumps(view)
    assert "db-7" not in text and "4711" not in text and "internal notes" not in text
    assert "Nothing about this incident is public yet" in text


def test_the_form_round_trips_into_the_draft_it_was_built_from() -> None:
    view = publish_modal(INCIDENT, DRAFT, components=COMPONENTS, current=None)
    parsed = parse_publish_submission(_state(view), view["private_metadata"])
    assert parsed == DRAFT  # cmp2 stays "not affected": it is left out


def test_message_and_components_are_keyed_by_status_so_a_new_status_brings_its_wording() -> None:
    investigating = publish_modal(INCIDENT, DRAFT, components=COMPONENTS, current=None)
    resolved = publish_modal(
        INCIDENT,
        PublicationDraft(incident_id=7, title="x", status=PublicStatus.RESOLVED, message="Resolved."),
        components=COMPONENTS,
        current=None,
    )

    def inputs(view: dict[str, object]) -> set[str]:
        return {b["block_id"] for b in view["blocks"] if b["type"] == "input"}  # type: ignore[attr-defined]

    # The typed title and the status picker are kept; message and components start afresh.
    assert inputs(investigating) & inputs(resolved) == {"public_title", "public_status"}
    assert "public_message:resolved" in inputs(resolved) and "component:resolved:cmp1" in inputs(resolved)


def test_an_empty_message_is_refused_next_to_the_field() -> None:
    view = publish_modal(INCIDENT, DRAFT, components=COMPONENTS, current=None)
    with pytest.raises(ModalValidationError) as refused:
        parse_publish_submission(_state(view, **{"public_message:investigating": "  "}), view["private_metadata"])
    assert set(refused.value.errors) == {"public_message:investigating"}


def test_the_preview_carries_exactly_the_draft_and_names_the_components() -> None:
    view = publish_modal(INCIDENT, DRAFT, components=COMPONENTS, current=None)
    preview = confirm_modal(DRAFT, labels=component_labels(view["blocks"]))
    assert draft_from_confirmation(preview["private_metadata"]) == DRAFT
    shown = json.dumps(preview["blocks"])
    assert "Checkout API (checkout)" in shown and "Major outage" in shown and "We are investigating." in shown
    with pytest.raises(ValueError):
        draft_from_confirmation('{"incident_id": "x"}')


def test_the_channel_line_escapes_what_the_publisher_typed() -> None:
    hostile = PublicationDraft(
        incident_id=7, title="<!channel> act now", status=PublicStatus.IDENTIFIED, message="<https://evil|login>"
    )
    publication = Publication(
        id=1, draft=hostile, requested_by="U0ALICE", requested_at=NOW, outcome="published", link="https://stspg.io/x"
    )
    text = json.dumps(publication_line(INCIDENT, publication))
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text and "<https://stspg.io/x|public page>" in text


def test_the_summary_offers_the_status_page_only_when_it_is_configured() -> None:
    assert "statuspage_open" not in json.dumps(summary_message(INCIDENT, now=NOW))
    assert "statuspage_open" in json.dumps(summary_message(INCIDENT, now=NOW, statuspage=True))
