import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from incidentbot.domain.models import Announcement, EventKind, Role, Severity, Status
from incidentbot.slack.ids import ActionId
from incidentbot.slack.views.announcements import (
    commander_handoff_dm,
    declared_announcement,
    escalation_announcement,
    event_message,
    page_dm,
    resolved_announcement,
)
from incidentbot.slack.views.help import channel_help_message, help_message
from incidentbot.slack.views.incident_list import MAX_LISTED, list_message
from incidentbot.slack.views.info import info_message
from incidentbot.slack.views.summary import summary_message
from incidentbot.slack.views.topic import channel_topic
from tests.unit.test_views_support import (
    HOSTILE,
    NOW,
    assert_valid_message,
    assert_valid_topic,
    make_event,
    make_incident,
    make_resolved,
    markup_text,
    visible_text,
)


def assert_hostile_text_is_inert(message: dict[str, Any]) -> None:
    """Markup typed by a user shows as text: no @channel, no mention, no disguised link."""
    shown = markup_text(message)
    assert "<!channel>" not in shown and "<script>" not in shown and "<https://evil" not in shown
    assert "<@U0EVE>" not in shown
    assert "&lt;!channel&gt;" in shown


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


# -- summary -------------------------------------------------------------------------------------------


def test_the_summary_shows_the_state_and_buttons_carrying_the_incident_id() -> None:
    message = assert_valid_message(summary_message(make_incident(comms_id="U0CAROL"), now=NOW))
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "#42 Checkout errors", "emoji": True},
    }
    shown = visible_text(message)
    for expected in (":large_orange_circle: P2", "Investigating", "<@U0ALICE>", "<@U0CAROL>", "checkout", "1h 23m"):
        assert expected in shown
    assert "*Scribe*\n_nobody_" in shown
    assert [(b["action_id"], b["text"]["text"], b["value"]) for b in buttons(message)] == [
        (ActionId.SUMMARY_UPDATE, "Post update", "42"),
        (ActionId.SUMMARY_SEVERITY, "Change severity", "42"),
        (ActionId.SUMMARY_RESOLVE, "Resolve", "42"),
    ]


def test_a_private_incident_says_so_in_its_summary() -> None:
    assert "Private" not in str(summary_message(make_incident(), now=NOW))
    message = assert_valid_message(summary_message(make_incident(private=True), now=NOW))
    assert ":lock: Private" in str(message["blocks"])


def test_a_resolved_summary_has_no_buttons_and_says_how_long_it_took() -> None:
    message = assert_valid_message(summary_message(make_resolved(), now=NOW))
    assert buttons(message) == []
    shown = visible_text(message)
    assert "Resolved in 1h 2m" in shown and "Rolled back release 2026.11.23-3" in shown
    assert "so far" not in shown


def test_the_summary_escapes_user_text_everywhere() -> None:
    incident = make_incident(title=HOSTILE, description=HOSTILE, service="<!here>")
    message = assert_valid_message(summary_message(incident, now=NOW))
    assert_hostile_text_is_inert(message)
    assert "<!here>" not in markup_text(message)
    resolved = assert_valid_message(summary_message(make_resolved(resolution=HOSTILE), now=NOW))
    assert_hostile_text_is_inert(resolved)


def test_5000_character_inputs_are_cut_to_fit() -> None:
    long = "&" * 5000  # escaping makes it five times longer still
    incident = make_resolved(title="T" * 5000, description=long, resolution=long, service="s" * 5000)
    message = assert_valid_message(summary_message(incident, now=NOW))
    assert message["blocks"][0]["text"]["text"].endswith("…")
    assert "&amp;&amp;" in visible_text(message)


def test_emoji_and_non_latin_titles_are_shown_as_typed() -> None:
    title = "🔥 Оплата не работает · 決済エラー"
    message = assert_valid_message(summary_message(make_incident(title=title), now=NOW))
    assert message["blocks"][0]["text"]["text"] == f"#42 {title}"
    assert title in message["text"]


# -- topic ---------------------------------------------------------------------------------------------


def test_the_topic_reads_as_the_state_at_a_glance() -> None:
    topic = assert_valid_topic(channel_topic(make_incident()))
    assert topic == "P2 · Investigating · Commander: <@U0ALICE> · #42 Checkout errors"


def test_a_long_title_is_cut_but_never_the_state() -> None:
    commander = "U" + "0" * 20
    incident = make_incident(title="W" * 100 + "&" * 100, commander_id=commander, id=10**9, status=Status.MONITORING)
    topic = assert_valid_topic(channel_topic(incident))
    assert topic.startswith(f"P2 · Monitoring · Commander: <@{commander}> · #1000000000 WWW")
    assert topic.endswith("…") and len(topic) <= 250


def test_the_topic_without_a_commander_and_with_hostile_title() -> None:
    topic = assert_valid_topic(channel_topic(make_incident(commander_id=None, title="<!channel> & co")))
    assert topic == "P2 · Investigating · Commander: none · #42 &lt;!channel&gt; &amp; co"


@pytest.mark.parametrize("title", ["x" * 100, "🔥" * 100, "&" * 100])
def test_topics_with_a_100_character_title_fit_in_250(title: str) -> None:
    long_commander = "U" + "9" * 40
    topic = assert_valid_topic(channel_topic(make_incident(title=title, commander_id=long_commander, id=123456789)))
    assert topic.startswith(f"P2 · Investigating · Commander: <@{long_commander}> · #123456789 ")
    if "&" not in title:
        assert topic.endswith(title)  # the whole title, when it fits


# -- announcements -------------------------------------------------------------------------------------


def test_the_declaration_announcement_says_who_what_and_where() -> None:
    message = assert_valid_message(declared_announcement(make_incident(severity=Severity.P1)))
    shown = visible_text(message)
    assert ":red_circle: P1" in shown and "<@U0BOB>" in shown and "*#42 Checkout errors*" in shown
    assert "<#C0INC42>" in shown and "<#C0INC42>" in message["text"]


def test_an_announcement_before_the_channel_exists_still_reads_well() -> None:
    message = assert_valid_message(declared_announcement(make_incident(channel_id=None)))
    assert "its channel" in visible_text(message) and "<#" not in visible_text(message)


@pytest.mark.parametrize(("previous", "verb"), [(Severity.P3, "escalated"), (Severity.P1, "lowered")])
def test_a_severity_change_is_worded_for_its_direction(previous: Severity, verb: str) -> None:
    message = assert_valid_message(escalation_announcement(make_incident(), previous=previous))
    assert f"{verb} from {previous.value} to :large_orange_circle: P2" in visible_text(message)


def test_the_resolution_announcement_says_how_long_and_how() -> None:
    message = assert_valid_message(resolved_announcement(make_resolved(), duration=timedelta(hours=1, minutes=2)))
    assert "resolved after 1h 2m" in visible_text(message)
    assert "Rolled back" in visible_text(message)


def test_announcements_escape_hostile_titles() -> None:
    incident = make_resolved(title=HOSTILE, resolution=HOSTILE, description=HOSTILE, service=HOSTILE)
    for message in (
        declared_announcement(incident),
        escalation_announcement(incident, previous=Severity.P4),
        resolved_announcement(incident, duration=timedelta(minutes=3)),
        page_dm(incident),
        commander_handoff_dm(incident, previous="U0BOB"),
    ):
        assert_hostile_text_is_inert(assert_valid_message(message))


@pytest.mark.parametrize(
    ("kind", "data", "text", "expected"),
    [
        (
            EventKind.STATUS,
            {"from": "investigating", "to": "identified"},
            "bad deploy",
            "changed the status: *Investigating* → *Identified*: bad deploy",
        ),
        (EventKind.UPDATE, {}, "rolling back", "*Update* from <@U0ALICE>: rolling back"),
        (EventKind.SEVERITY, {"from": "P3", "to": "P1"}, "", "changed the severity: *P3* → *P1*"),
        (EventKind.COMMANDER, {"from": "U1", "to": "U2"}, "", "<@U2> is now the commander (was <@U1>)"),
        (EventKind.ROLE, {"role": Role.COMMS.value, "user": "U3"}, "", "<@U3> is now comms, assigned by <@U0ALICE>"),
        (EventKind.NOTE, {}, "customer ticket 881", "added a note: customer ticket 881"),
        (EventKind.RESOLVED, {"from": "monitoring", "duration_s": 3720}, "", "resolved the incident after 1h 2m"),
        (EventKind.REOPENED, {"to": "investigating"}, "", "reopened the incident; it is *Investigating* again"),
        (EventKind.DECLARED, {"severity": "P2"}, "Checkout errors", "declared the incident: Checkout errors"),
    ],
)
def test_each_event_reads_as_one_line(kind: EventKind, data: dict[str, Any], text: str, expected: str) -> None:
    message = assert_valid_message(event_message(make_incident(), make_event(kind, data=data, text=text)))
    line = message["blocks"][0]["text"]["text"]
    assert expected in line and "\n" not in line
    assert message["text"].startswith("#42: ")


def test_event_data_from_elsewhere_is_never_trusted_as_markup() -> None:
    event = make_event(EventKind.STATUS, data={"from": "<!channel>", "to": None}, text=HOSTILE)
    message = assert_valid_message(event_message(make_incident(), event))
    assert_hostile_text_is_inert(message)
    odd = make_event(EventKind.COMMANDER, data={"from": ["U1"], "to": "<!here>"})
    assert "<!here>" not in markup_text(assert_valid_message(event_message(make_incident(), odd)))


def test_a_5000_character_note_is_cut_to_fit() -> None:
    message = assert_valid_message(event_message(make_incident(), make_event(EventKind.NOTE, text="n" * 5000)))
    assert visible_text(message).count("n") < 3000 and "…" in visible_text(message)


def test_the_page_tells_the_on_call_person_where_to_go() -> None:
    message = assert_valid_message(page_dm(make_incident(severity=Severity.P1)))
    shown = visible_text(message)
    assert "You are paged" in shown and ":red_circle: P1" in shown and "Please join <#C0INC42>" in shown


def _private_p1() -> Any:
    return make_incident(
        severity=Severity.P1, private=True, title="Leaked keys", description="in the vault repo", service="vault"
    )


def test_a_private_page_says_only_whom_to_ask() -> None:
    incident = _private_p1()
    message = assert_valid_message(page_dm(incident))
    shown = visible_text(message)
    assert "You are paged" in shown and "private" in shown and "#42" in shown
    assert "Ask its commander, <@U0ALICE>, to add you" in shown
    raw = str(message)
    for secret in ("Leaked keys", "vault", "C0INC42", "inc-20261123"):
        assert secret not in raw, secret


def test_the_resolution_dm_for_a_private_incident_carries_no_title() -> None:
    incident = _private_p1()
    resolved = dataclasses.replace(incident, status=Status.RESOLVED, resolution="rotated the keys")
    message = assert_valid_message(resolved_announcement(resolved, duration=timedelta(minutes=42)))
    assert "#42" in visible_text(message) and "resolved after 42m" in visible_text(message)
    for secret in ("Leaked keys", "vault", "rotated", "C0INC42"):
        assert secret not in str(message), secret


def test_the_list_marks_private_incidents_for_those_who_may_see_them() -> None:
    shown = visible_text(list_message([make_incident(private=True)], now=NOW))
    assert "#42 Checkout errors* :lock:" in shown


def test_the_hand_off_tells_each_side_their_part() -> None:
    incident = make_incident(commander_id="U0CAROL")
    new = assert_valid_message(commander_handoff_dm(incident, previous="U0ALICE", recipient="U0CAROL"))
    assert "You are now the commander" in visible_text(new) and "taking over from <@U0ALICE>" in visible_text(new)
    old = assert_valid_message(commander_handoff_dm(incident, previous="U0ALICE", recipient="U0ALICE"))
    assert "<@U0CAROL> is now the commander" in visible_text(old) and "Thank you" in visible_text(old)
    first = assert_valid_message(commander_handoff_dm(incident, previous=None))
    assert "You are now the commander" in visible_text(first) and "taking over" not in visible_text(first)


# -- info, list, help ----------------------------------------------------------------------------------


def test_info_shows_the_state_and_where_it_was_announced() -> None:
    announcements = [Announcement(incident_id=42, channel_id=c, ts="1.2") for c in ("C0SRE", "C0SRE", "C0LEADS")]
    message = assert_valid_message(info_message(make_incident(template="<b>"), now=NOW, announcements=announcements))
    assert "response_type" not in message  # the caller sets it
    shown = visible_text(message)
    assert "Announced in <#C0SRE>, <#C0LEADS>" in shown and "Template: &lt;b&gt;" in shown
    assert buttons(message) == []
    resolved = assert_valid_message(info_message(make_resolved(), now=NOW))
    assert "Resolved in 1h 2m" in visible_text(resolved) and "Not announced" in visible_text(resolved)


def test_info_escapes_and_fits_huge_hostile_input() -> None:
    incident = make_resolved(title=HOSTILE * 100, description=HOSTILE * 100, resolution=HOSTILE * 100)
    many = [Announcement(incident_id=42, channel_id=f"C{i:05d}", ts="1.2") for i in range(300)]
    message = assert_valid_message(info_message(incident, now=NOW, announcements=many))
    assert_hostile_text_is_inert(message)
    assert "and 280 more" in visible_text(message)


def test_no_open_incidents_is_good_news() -> None:
    message = assert_valid_message(list_message([make_resolved()], now=NOW))
    assert message["text"] == "No open incidents :tada:"


def test_the_list_puts_the_most_severe_and_oldest_first() -> None:
    incidents = [
        make_incident(id=1, severity=Severity.P3, declared_at=NOW - timedelta(hours=5)),
        make_incident(id=2, severity=Severity.P1, declared_at=NOW - timedelta(minutes=5)),
        make_incident(id=3, severity=Severity.P1, declared_at=NOW - timedelta(hours=2)),
        make_resolved(id=4, severity=Severity.P1),
    ]
    message = assert_valid_message(list_message(incidents, now=NOW))
    shown = visible_text(message)
    assert message["blocks"][0]["text"]["text"] == "3 open incidents"
    assert shown.index("#3 ") < shown.index("#2 ") < shown.index("#1 ")
    assert "#4 " not in shown
    assert "open 2h" in shown


def test_a_long_list_is_capped_and_says_how_many_more() -> None:
    incidents = [make_incident(id=i, title=HOSTILE * 10) for i in range(1, 201)]
    message = assert_valid_message(list_message(incidents, now=NOW))
    assert len(message["blocks"]) <= 50
    assert f"and {200 - MAX_LISTED} more" in visible_text(message)
    assert_hostile_text_is_inert(message)


def test_help_still_lists_usages_and_escapes_what_was_typed() -> None:
    message = assert_valid_message(help_message([("help", "show this help")], unknown="<!channel>`x"))
    assert message["response_type"] == "ephemeral"
    assert "&lt;!channel&gt;'x" in visible_text(message)
    many = assert_valid_message(help_message([(f"cmd{i} " + "a" * 400, "d" * 400) for i in range(60)]))
    assert len(many["blocks"]) <= 50


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("U0ALICE", "You are the commander of *#42 Checkout errors*."),
        ("U0CAROL", "You are comms for *#42 Checkout errors*; <@U0ALICE> is the commander."),
        ("U0DAVE", "You are scribe for *#42 Checkout errors*; <@U0ALICE> is the commander."),
        ("U0ERIN", "<@U0ALICE> is the commander of *#42 Checkout errors*."),
    ],
)
def test_channel_help_says_who_you_are_here(user: str, expected: str) -> None:
    incident = make_incident(comms_id="U0CAROL", scribe_id="U0DAVE")
    can = [("update <message>", "post an update"), ("note <text>", "add a note")]
    message = assert_valid_message(channel_help_message(incident=incident, user_id=user, can=can, command="/inc"))
    shown = visible_text(message)
    assert message["response_type"] == "ephemeral"
    assert shown.startswith(expected)
    assert "You can:" in shown
    assert "`/inc update &lt;message&gt;` post an update" in shown  # <message> would otherwise be a link


def test_channel_help_without_a_commander_and_without_permissions() -> None:
    incident = make_incident(commander_id=None, title=HOSTILE)
    message = assert_valid_message(channel_help_message(incident=incident, user_id="U0ERIN", can=[]))
    assert "has no commander yet" in visible_text(message)
    assert "nothing you can change" in visible_text(message)
    assert_hostile_text_is_inert(message)
