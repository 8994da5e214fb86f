from datetime import timedelta

from incidentbot.domain.models import EventKind
from incidentbot.slack.views.timeline import timeline_line, timeline_message
from tests.unit.test_views_support import (
    HOSTILE,
    NOW,
    assert_valid_message,
    make_event,
    make_incident,
    markup_text,
    visible_text,
)


def sections(message: dict[str, object]) -> list[str]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_each_event_is_one_line_in_the_readers_zone() -> None:
    event = make_event(
        EventKind.STATUS, data={"from": "investigating", "to": "identified"}, text="bad deploy\nrolling back"
    )
    line = timeline_line(event, tz_name="America/New_York")
    assert line == "Mon 23 Nov 14:05 EST · <@U0ALICE> · status: Investigating → Identified · bad deploy rolling back"


def test_the_timeline_lists_events_oldest_first_with_the_zone_named() -> None:
    events = [
        make_event(EventKind.UPDATE, id=2, at=NOW + timedelta(minutes=10), text="second"),
        make_event(EventKind.DECLARED, id=1, at=NOW, text="Checkout errors", data={"severity": "P2"}),
        make_event(EventKind.SEVERITY, id=3, at=NOW + timedelta(minutes=20), data={"from": "P2", "to": "P1"}),
    ]
    message = assert_valid_message(timeline_message(make_incident(), events, tz_name="Europe/London"))
    assert message["blocks"][0]["text"]["text"] == "Timeline of #42 Checkout errors"
    assert "3 events · times in Europe/London" in visible_text(message)
    lines = sections(message)[0].split("\n")
    assert lines == [
        "Mon 23 Nov 19:05 GMT · <@U0ALICE> · declared (P2) · Checkout errors",
        "Mon 23 Nov 19:15 GMT · <@U0ALICE> · update · second",
        "Mon 23 Nov 19:25 GMT · <@U0ALICE> · severity: P2 → P1",
    ]


def test_an_unusable_zone_shows_utc() -> None:
    message = assert_valid_message(timeline_message(make_incident(), [make_event()], tz_name="Nowhere/Land"))
    assert "times in UTC" in visible_text(message) and "19:05 UTC" in visible_text(message)


def test_an_empty_timeline_says_so() -> None:
    message = assert_valid_message(timeline_message(make_incident(), [], tz_name=None))
    assert "Nothing in the timeline yet." in visible_text(message)


def test_500_events_stay_within_slacks_limits_and_say_how_many_are_left_out() -> None:
    events = [
        make_event(EventKind.NOTE, id=i, at=NOW + timedelta(minutes=i), text=f"note {i} " + "x" * 150)
        for i in range(500)
    ]
    message = assert_valid_message(timeline_message(make_incident(), events, tz_name="America/New_York"))
    assert len(message["blocks"]) <= 50
    assert all(len(text) <= 3000 for text in sections(message))
    shown_lines = [line for text in sections(message) for line in text.split("\n")]
    left_out = 500 - len(shown_lines)
    assert left_out > 0
    assert f"{left_out} older events left out; these are the latest {len(shown_lines)}." in visible_text(message)
    assert "note 499 " in shown_lines[-1] and "note 0 " not in visible_text(message)  # the newest are kept
    assert [line.split(" · ")[3].split()[1] for line in shown_lines] == [str(i) for i in range(left_out, 500)]


def test_huge_hostile_event_texts_are_escaped_and_cut() -> None:
    events = [make_event(EventKind.UPDATE, id=i, text=HOSTILE * 200) for i in range(60)]
    message = assert_valid_message(timeline_message(make_incident(title=HOSTILE), events, tz_name=None))
    shown = markup_text(message)
    assert "<!channel>" not in shown and "<@U0EVE>" not in shown and "&lt;!channel&gt;" in shown
    assert all(len(line) < 500 for text in sections(message) for line in text.split("\n"))
