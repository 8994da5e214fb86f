import re
from datetime import UTC, date, datetime, timedelta

import pytest

from incidentbot.domain.errors import InvalidInputError, InvalidTransitionError, PermissionDeniedError
from incidentbot.domain.models import Account, Incident, Role, Severity, Status
from incidentbot.domain.rules import (
    Action,
    Route,
    RoutingConfig,
    archive_due,
    archive_warning_due,
    authorize,
    channel_name,
    check_assignable,
    check_transition,
    dm_allowed,
    may_see,
    parse_role,
    parse_severity,
    parse_status,
    private_refusal,
    reminder_due,
    route_for,
    validate_title,
)

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
VALID_CHANNEL = re.compile(r"^[a-z0-9_-]{1,80}$")


def incident(**overrides: object) -> Incident:
    fields: dict[str, object] = {
        "id": 42,
        "title": "Checkout errors",
        "severity": Severity.P2,
        "status": Status.INVESTIGATING,
        "service": None,
        "description": "",
        "commander_id": "U0ALICE",
        "comms_id": None,
        "scribe_id": None,
        "declared_by": "U0ALICE",
        "channel_id": "C0INC",
        "channel_name": "inc-20261123-42-checkout-errors",
        "summary_ts": None,
        "template": None,
        "declared_at": NOW,
        "updated_at": NOW,
        "resolved_at": None,
        "resolution": None,
        "last_update_at": NOW,
    }
    fields.update(overrides)
    return Incident(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    [
        "Checkout errors",
        "🔥🔥 prod is on fire 🔥",
        "Ошибка оплаты",
        "決済エラー",
        "!!!???...",
        "x" * 500,
        "'; DROP TABLE incidents; --",
        "<script>alert(1)</script>",
        "\u200b\u200bzero\u200bwidth",
        "UPPER case_with_underscores",
        "-leading and trailing-",
    ],
)
def test_channel_names_are_always_valid_for_slack(title: str) -> None:
    name = channel_name(day=date(2026, 11, 23), number=123456, title=title)
    assert VALID_CHANNEL.match(name), name
    assert name.startswith("inc-20261123-123456")
    assert not name.endswith("-") and "--" not in name
    assert VALID_CHANNEL.match(channel_name(day=date(2026, 11, 23), number=123456, title=title, attempt=3))


def test_channel_name_reads_like_the_title() -> None:
    assert (
        channel_name(day=date(2026, 11, 23), number=42, title="Checkout errors!") == "inc-20261123-42-checkout-errors"
    )
    assert channel_name(day=date(2026, 11, 23), number=42, title="Café down") == "inc-20261123-42-cafe-down"
    assert channel_name(day=date(2026, 11, 23), number=42, title="決済エラー") == "inc-20261123-42"
    assert channel_name(day=date(2026, 11, 23), number=42, title="x", attempt=1) == "inc-20261123-42-x-2"


def test_status_moves_forward_and_may_skip_but_never_back() -> None:
    check_transition(Status.DECLARED, Status.INVESTIGATING)
    check_transition(Status.DECLARED, Status.MONITORING)
    check_transition(Status.IDENTIFIED, Status.RESOLVED)
    with pytest.raises(InvalidTransitionError, match="cannot go back"):
        check_transition(Status.MONITORING, Status.INVESTIGATING)
    with pytest.raises(InvalidTransitionError, match="already"):
        check_transition(Status.IDENTIFIED, Status.IDENTIFIED)
    with pytest.raises(InvalidTransitionError, match="reopen"):
        check_transition(Status.RESOLVED, Status.MONITORING)


def test_commander_only_actions_name_who_can() -> None:
    inc = incident(commander_id="U0ALICE")
    for action in (Action.STATUS, Action.SEVERITY, Action.ROLE, Action.RESOLVE, Action.REOPEN):
        authorize(action, actor="U0ALICE", incident=inc, admins=())
        authorize(action, actor="U0ADMIN", incident=inc, admins=("U0ADMIN",))
        with pytest.raises(PermissionDeniedError) as denied:
            authorize(action, actor="U0BOB", incident=inc, admins=("U0ADMIN",))
        assert "<@U0ALICE>" in denied.value.user_text and "admin" in denied.value.user_text
    for action in (Action.UPDATE, Action.NOTE):
        authorize(action, actor="U0BOB", incident=inc, admins=())


def test_anyone_may_take_command_while_nobody_holds_it() -> None:
    authorize(Action.COMMANDER, actor="U0BOB", incident=incident(commander_id=None), admins=())
    with pytest.raises(PermissionDeniedError):
        authorize(Action.COMMANDER, actor="U0BOB", incident=incident(commander_id="U0ALICE"), admins=())


@pytest.mark.parametrize("text", ["P9", "p0", "", "high", "P1; DROP"])
def test_unknown_severity_says_what_to_type(text: str) -> None:
    with pytest.raises(InvalidInputError, match="Use P1, P2, P3 or P4"):
        parse_severity(text)


def test_severity_and_status_parse_forgivingly() -> None:
    assert parse_severity(" p1 ") is Severity.P1
    assert parse_status("Identified") is Status.IDENTIFIED
    with pytest.raises(InvalidInputError, match="investigating, identified, monitoring, resolved"):
        parse_status("fixed")


@pytest.mark.parametrize("title", ["", "   ", "\u200b\u200b", "\u200b \u2060"])
def test_empty_titles_are_refused(title: str) -> None:
    with pytest.raises(InvalidInputError, match="needs a title"):
        validate_title(title)


def test_long_titles_are_refused_with_the_limit() -> None:
    with pytest.raises(InvalidInputError, match="keep it to 100"):
        validate_title("x" * 5000)
    assert validate_title("  a   b\u200b ") == "a b"


def test_routing_follows_severity() -> None:
    config = RoutingConfig(
        notify_channels={Severity.P1: ("C1", "C2"), Severity.P2: ("C2",), Severity.P3: (), Severity.P4: ("C4",)},
        p1_users=("U1", "U2"),
    )
    assert route_for(Severity.P1, config).channels == ("C1", "C2")
    assert route_for(Severity.P1, config).dm_users == ("U1", "U2")
    assert route_for(Severity.P2, config).dm_users == ()
    assert route_for(Severity.P3, config).channels == ()
    assert route_for(Severity.P4, config).channels == ("C4",)


def test_one_dm_per_person_per_incident_in_five_minutes() -> None:
    assert dm_allowed(None, NOW)
    assert not dm_allowed(NOW - timedelta(minutes=4, seconds=59), NOW)
    assert dm_allowed(NOW - timedelta(minutes=5), NOW)


def test_archival_waits_for_the_retention_window_and_never_touches_open_incidents() -> None:
    resolved = incident(status=Status.RESOLVED, resolved_at=NOW - timedelta(days=7, minutes=1))
    assert archive_due(resolved, now=NOW, after_days=7)
    assert not archive_due(resolved, now=NOW, after_days=8)
    assert not archive_due(resolved, now=NOW, after_days=0)  # 0 disables archival
    assert not archive_due(incident(status=Status.MONITORING), now=NOW + timedelta(days=99), after_days=7)
    archived = incident(status=Status.RESOLVED, resolved_at=NOW - timedelta(days=9), archived_at=NOW)
    assert not archive_due(archived, now=NOW, after_days=7)


def test_heads_up_comes_once_inside_the_warning_window() -> None:
    soon = incident(status=Status.RESOLVED, resolved_at=NOW - timedelta(days=6, hours=1))
    assert archive_warning_due(soon, now=NOW, after_days=7, warning_hours=24)
    assert not archive_warning_due(soon, now=NOW, after_days=7, warning_hours=12)
    warned = incident(status=Status.RESOLVED, resolved_at=NOW - timedelta(days=6, hours=1), archive_warned_at=NOW)
    assert not archive_warning_due(warned, now=NOW, after_days=7, warning_hours=24)


def test_reminders_after_the_quiet_interval_at_most_once_per_interval() -> None:
    quiet = incident(last_update_at=NOW - timedelta(minutes=31))
    assert reminder_due(quiet, now=NOW, minutes=30)
    assert not reminder_due(quiet, now=NOW, minutes=0)
    assert not reminder_due(incident(last_update_at=NOW - timedelta(minutes=29)), now=NOW, minutes=30)
    reminded = incident(last_update_at=NOW - timedelta(minutes=50), reminded_at=NOW - timedelta(minutes=10))
    assert not reminder_due(reminded, now=NOW, minutes=30)
    snoozed = incident(last_update_at=NOW - timedelta(hours=2), snoozed_until=NOW + timedelta(minutes=5))
    assert not reminder_due(snoozed, now=NOW, minutes=30)
    resolved = incident(status=Status.RESOLVED, last_update_at=NOW - timedelta(hours=2))
    assert not reminder_due(resolved, now=NOW, minutes=30)


def test_only_the_commander_the_roles_and_admins_may_snooze_reminders() -> None:
    staffed = incident(commander_id="U0ALICE", comms_id="U0CAROL", scribe_id="U0DAVE")
    for actor in ("U0ALICE", "U0CAROL", "U0DAVE", "U0ERIN"):
        authorize(Action.SNOOZE_REMINDERS, actor=actor, incident=staffed, admins={"U0ERIN"})
    with pytest.raises(PermissionDeniedError) as denied:
        authorize(Action.SNOOZE_REMINDERS, actor="U0BOB", incident=staffed, admins={"U0ERIN"})
    assert denied.value.action == "snooze_reminders"
    text = denied.value.user_text
    assert "<@U0ALICE>" in text and "comms and scribe" in text and "admin" in text and "snooze" in text


def test_nobody_but_an_admin_snoozes_an_incident_without_a_commander() -> None:
    with pytest.raises(PermissionDeniedError):
        authorize(Action.SNOOZE_REMINDERS, actor="U0BOB", incident=incident(commander_id=None), admins=())


def test_bots_and_missing_users_cannot_hold_a_role() -> None:
    check_assignable(Account.PERSON, user_id="U0BOB", role="commander")
    with pytest.raises(InvalidInputError, match="is a bot"):
        check_assignable(Account.BOT, user_id="U0BOT", role="commander")
    with pytest.raises(InvalidInputError, match="can't find <@U0GONE>"):
        check_assignable(Account.MISSING, user_id="U0GONE", role="comms person")
    with pytest.raises(InvalidInputError) as forged:
        check_assignable(Account.MISSING, user_id="<!channel>", role="commander")
    assert "<!channel>" not in forged.value.user_text and "&lt;!channel&gt;" in forged.value.user_text


def test_roles_parse_forgivingly_and_echo_safely() -> None:
    assert parse_role("COMMS") is Role.COMMS and parse_role("\uff53\uff43\uff52\uff49\uff42\uff45") is Role.SCRIBE
    with pytest.raises(InvalidInputError, match="commander @someone"):
        parse_role("commander")
    with pytest.raises(InvalidInputError) as bad:
        parse_role("<!here>")
    assert bad.value.user_text.startswith("`&lt;!here&gt;` is not a role")


@pytest.mark.parametrize(
    "typed", ["<!channel>", "<!here>", "<!subteam^S1|@sre>", "<@U0EVE>", "<https://evil.example|click>"]
)
def test_severity_and_status_errors_never_echo_live_markup(typed: str) -> None:
    for parse in (parse_severity, parse_status):
        with pytest.raises(InvalidInputError) as bad:
            parse(typed)
        assert "<" not in bad.value.user_text.split("`")[1] and "&lt;" in bad.value.user_text


def test_a_private_incident_is_announced_nowhere_but_its_p1_still_pages() -> None:
    config = RoutingConfig(notify_channels={Severity.P1: ("C1",), Severity.P2: ("C2",)}, p1_users=("U1",))
    assert route_for(Severity.P1, config, private=True) == Route(channels=(), dm_users=("U1",))
    assert route_for(Severity.P2, config, private=True) == Route(channels=(), dm_users=())


ADMINS = frozenset({"U0ERIN"})
SECRET = incident(private=True, commander_id="U0ALICE", declared_by="U0BOB", channel_id="G0INC")


@pytest.mark.parametrize(
    ("case", "seen", "actor", "asked_in", "member", "expected"),
    [
        ("a public incident, to anyone", incident(), "U0MALLORY", "C0GENERAL", False, True),
        ("a member asking elsewhere", SECRET, "U0CAROL", "C0GENERAL", True, True),
        ("a non-member", SECRET, "U0MALLORY", "C0GENERAL", False, False),
        ("a command typed in its channel", SECRET, "U0CAROL", "G0INC", False, True),
        ("an incident admin", SECRET, "U0ERIN", "C0GENERAL", False, True),
        ("its commander, even out of the channel", SECRET, "U0ALICE", "C0GENERAL", False, True),
        ("the declarer who left the channel", SECRET, "U0BOB", "C0GENERAL", False, False),
        (
            "the declarer before the channel exists",
            incident(private=True, channel_id=None, declared_by="U0BOB"),
            "U0BOB",
            None,
            False,
            True,
        ),
        (
            "anyone else before the channel exists",
            incident(private=True, channel_id=None),
            "U0MALLORY",
            None,
            False,
            False,
        ),
    ],
)
def test_a_private_incident_shows_only_to_its_people(
    case: str, seen: Incident, actor: str, asked_in: str | None, member: bool, expected: bool
) -> None:
    assert may_see(seen, actor=actor, admins=ADMINS, asked_in=asked_in, member=member) is expected, case


def test_the_refusal_says_it_is_private_and_whom_to_ask_and_nothing_else() -> None:
    refusal = private_refusal(incident(private=True, title="Leaked keys", service="vault", description="secret"))
    assert refusal.user_text == (
        "#42 is a private incident. Ask its commander, <@U0ALICE>, to add you to its channel if you need to follow it."
    )
    assert refusal.action == "see_private"
    without = private_refusal(incident(private=True, commander_id=None)).user_text
    assert "an incident admin" in without and "C0INC" not in without
