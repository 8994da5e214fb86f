"""Who may speak for the company, what a draft must hold, and when the commander is asked to publish."""

from __future__ import annotations

import pytest

from incidentbot.domain.errors import InvalidInputError, PermissionDeniedError
from incidentbot.domain.models import Incident, Severity, Status
from incidentbot.domain.publication import (
    MAX_PUBLIC_MESSAGE,
    MAX_PUBLIC_TITLE,
    ComponentStatus,
    PublicationDraft,
    PublicStatus,
    authorize_publish,
    default_component_status,
    publish_prompt_due,
    validate_draft,
)
from tests.unit.test_views_support import NOW, make_incident


def incident(**changes: object) -> Incident:
    """An incident with a commander (alice) and a comms lead (carol); the declarer (bob) is neither."""
    defaults: dict[str, object] = {"comms_id": "U0CAROL", "scribe_id": "U0SCRIBE"}
    return make_incident(**{**defaults, **changes})


@pytest.mark.parametrize("actor", ["U0ALICE", "U0CAROL", "U0ADMIN", "U0PUB"])
def test_the_commander_comms_admins_and_publishers_may_publish(actor: str) -> None:
    authorize_publish(actor=actor, incident=incident(), admins={"U0ADMIN"}, publishers={"U0PUB"})


@pytest.mark.parametrize("actor", ["U0BOB", "U0SCRIBE", "U0DAVE"])
def test_everyone_else_is_refused_with_who_can(actor: str) -> None:
    # The declarer and the scribe speak for the team, not for the company.
    with pytest.raises(PermissionDeniedError) as refused:
        authorize_publish(actor=actor, incident=incident(), admins={"U0ADMIN"}, publishers={"U0PUB"})
    assert "<@U0ALICE>" in refused.value.user_text and "<@U0CAROL>" in refused.value.user_text
    assert refused.value.action == "statuspage_publish"


def test_nobody_is_allowed_through_an_empty_role() -> None:
    with pytest.raises(PermissionDeniedError):
        authorize_publish(actor="U0BOB", incident=incident(comms_id=None), admins=(), publishers=())


@pytest.mark.parametrize(
    ("severity", "status", "published", "due"),
    [
        (Severity.P2, Status.INVESTIGATING, False, True),  # at the threshold
        (Severity.P1, Status.DECLARED, False, True),
        (Severity.P3, Status.INVESTIGATING, False, False),  # below it
        (Severity.P1, Status.INVESTIGATING, True, False),  # already public
        (Severity.P1, Status.RESOLVED, False, False),  # over
    ],
)
def test_the_commander_is_asked_at_or_above_the_threshold_while_nothing_is_public(
    severity: Severity, status: Status, published: bool, due: bool
) -> None:
    subject = incident(severity=severity, status=status, resolved_at=NOW if status is Status.RESOLVED else None)
    assert publish_prompt_due(subject, min_severity=Severity.P2, published=published) is due


def test_a_private_incident_is_never_prompted_for() -> None:
    assert not publish_prompt_due(
        incident(severity=Severity.P1, private=True), min_severity=Severity.P2, published=False
    )


def test_components_follow_the_severity_until_resolved() -> None:
    assert default_component_status(Severity.P1, PublicStatus.INVESTIGATING) is ComponentStatus.MAJOR_OUTAGE
    assert default_component_status(Severity.P2, PublicStatus.MONITORING) is ComponentStatus.PARTIAL_OUTAGE
    assert default_component_status(Severity.P4, PublicStatus.IDENTIFIED) is ComponentStatus.DEGRADED
    assert default_component_status(Severity.P1, PublicStatus.RESOLVED) is ComponentStatus.OPERATIONAL


def draft(title: str = "Checkout slow", message: str = "We are on it.") -> PublicationDraft:
    return PublicationDraft(incident_id=7, title=title, status=PublicStatus.INVESTIGATING, message=message)


def test_a_draft_is_cleaned_and_kept_within_limits() -> None:
    cleaned = validate_draft(draft(title="  Checkout\u200b   slow ", message="line one\nline two"))
    assert cleaned.title == "Checkout slow" and cleaned.message == "line one\nline two"
    validate_draft(draft(title="t" * MAX_PUBLIC_TITLE, message="m" * MAX_PUBLIC_MESSAGE))
    with pytest.raises(InvalidInputError, match="title"):
        validate_draft(draft(title="t" * (MAX_PUBLIC_TITLE + 1)))
    with pytest.raises(InvalidInputError, match="message"):
        validate_draft(draft(message="m" * (MAX_PUBLIC_MESSAGE + 1)))
    with pytest.raises(InvalidInputError):
        validate_draft(draft(title=" \u200b "))
    with pytest.raises(InvalidInputError):
        validate_draft(draft(message=""))


def test_a_draft_survives_its_trip_through_the_preview() -> None:
    original = PublicationDraft(
        incident_id=7,
        title="Checkout slow",
        status=PublicStatus.MONITORING,
        message="Fixed, watching.",
        components={"c1": ComponentStatus.DEGRADED},
    )
    assert PublicationDraft.from_json(original.as_json()) == original
