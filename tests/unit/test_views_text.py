from datetime import UTC, datetime, timedelta

import pytest

from incidentbot.domain.models import Severity, Status
from incidentbot.slack.views.text import (
    escape,
    escape_within,
    format_duration,
    format_when,
    mention,
    severity_label,
    slack_date,
    status_label,
    truncate,
    zone_label,
)
from tests.unit.test_views_support import NOW


def test_escape_turns_markup_into_text() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_escape_within_never_splits_an_entity_and_stays_within_the_limit() -> None:
    for limit in range(1, 40):
        cut = escape_within("a&b<c>d" * 10, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        body = cut.removesuffix("…")
        assert "&" not in body.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    assert escape_within("short & sweet", 100) == "short &amp; sweet"


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 3) == "abc"


def test_mention_renders_people_and_nobody() -> None:
    assert mention("U0ALICE") == "<@U0ALICE>"
    assert mention(None) == "_nobody_"
    assert mention("") == "_nobody_"
    assert mention("!channel") == "!channel"  # never wrapped into <@…>
    assert mention("x>y") == "x&gt;y"


@pytest.mark.parametrize(
    ("severity", "label"),
    [
        (Severity.P1, ":red_circle: P1"),
        (Severity.P2, ":large_orange_circle: P2"),
        (Severity.P3, ":large_yellow_circle: P3"),
        (Severity.P4, ":white_circle: P4"),
    ],
)
def test_severity_labels(severity: Severity, label: str) -> None:
    assert severity_label(severity) == label


def test_status_labels_read_as_words() -> None:
    assert status_label(Status.INVESTIGATING) == "Investigating"
    assert [status_label(s) for s in Status] == ["Declared", "Investigating", "Identified", "Monitoring", "Resolved"]


def test_times_are_shown_in_the_readers_zone() -> None:
    assert format_when(NOW, "America/New_York") == "Mon 23 Nov 14:05 EST"
    assert format_when(NOW, "Asia/Tokyo") == "Tue 24 Nov 04:05 JST"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert format_when(summer, "Europe/Paris") == "Wed 01 Jul 14:00 CEST"


@pytest.mark.parametrize("bad", [None, "", "Mars/Olympus_Mons", "../../etc/passwd", "not a zone"])
def test_an_unknown_zone_falls_back_to_utc(bad: str | None) -> None:
    assert format_when(NOW, bad) == "Mon 23 Nov 19:05 UTC"
    assert zone_label(bad) == "UTC"


def test_a_naive_time_is_taken_as_utc() -> None:
    assert format_when(NOW.replace(tzinfo=None), "America/New_York") == "Mon 23 Nov 14:05 EST"


def test_slack_date_renders_in_each_readers_zone_with_a_utc_fallback() -> None:
    assert slack_date(NOW) == f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} {{time}}|Mon 23 Nov 19:05 UTC>"


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(hours=1, minutes=23, seconds=9), "1h 23m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=2, hours=3, minutes=59), "2d 3h"),
        (timedelta(hours=1, seconds=5), "1h"),
        (timedelta(minutes=5, seconds=30), "5m 30s"),
        (timedelta(days=1, minutes=1), "1d"),
        (timedelta(0), "0s"),
        (timedelta(seconds=-30), "0s"),
    ],
)
def test_durations_show_the_two_largest_units(delta: timedelta, shown: str) -> None:
    assert format_duration(delta) == shown
