"""The one normalizer: what is dropped, what is refused, what is kept, and how text is echoed back."""

from __future__ import annotations

import contextlib
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentbot.domain.errors import InvalidInputError
from incidentbot.domain.rules import MAX_TEXT_LENGTH, MAX_TITLE_LENGTH, validate_text, validate_title
from incidentbot.domain.text import echo, escape_mrkdwn, fold, is_blank, normalize, one_line

HIDDEN = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner between letters": "\u200d",
    "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f",
    "left-to-right embedding": "\u202a",
    "right-to-left embedding": "\u202b",
    "pop directional formatting": "\u202c",
    "left-to-right override": "\u202d",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "right-to-left isolate": "\u2067",
    "first strong isolate": "\u2068",
    "pop directional isolate": "\u2069",
    "arabic letter mark": "\u061c",
    "word joiner": "\u2060",
    "invisible times": "\u2062",
    "invisible plus": "\u2064",
    "byte order mark": "\ufeff",
    "tag space": "\U000e0020",
    "cancel tag": "\U000e007f",
    "language tag": "\U000e0001",
    "soft hyphen (any other format character)": "\u00ad",
    "bell (C0)": "\x07",
    "escape (C0)": "\x1b",
    "vertical tab (C0)": "\x0b",
    "form feed (C0)": "\x0c",
    "DEL": "\x7f",
    "C1 control": "\x9b",
}


@pytest.mark.parametrize("char", HIDDEN.values(), ids=HIDDEN.keys())
def test_characters_that_hide_or_reorder_text_are_dropped(char: str) -> None:
    assert normalize(f"pay{char}ments down") == "payments down"
    assert one_line(f"pay{char}ments{char} down") == "payments down"


def test_a_right_to_left_override_cannot_disguise_a_title() -> None:
    assert validate_title("invoice\u202egpj.exe") == "invoicegpj.exe"


def test_a_joiner_inside_an_emoji_sequence_is_kept_so_the_emoji_stays_whole() -> None:
    assert normalize("on call: 👩\u200d💻") == "on call: 👩\u200d💻"


def test_content_is_nfc() -> None:
    assert normalize("cafe\u0301") == "café"
    assert normalize("e\u200b\u0301") == unicodedata.normalize("NFC", "e\u0301")  # dropped first, then composed


@pytest.mark.parametrize("text", ["before\x00after", "emoji half \ud83d", "\udc00", json.loads('"x\\ud800y"')])
def test_nul_and_lone_surrogates_are_refused_with_a_friendly_error(text: str) -> None:
    with pytest.raises(InvalidInputError, match="character I can't store"):
        normalize(text)
    with pytest.raises(InvalidInputError, match="character I can't store"):
        validate_text(text, what="update")
    with pytest.raises(InvalidInputError, match="character I can't store"):
        validate_title(text)


def test_line_breaks_are_kept_and_unified_in_content_but_titles_are_one_line() -> None:
    assert normalize("line one\r\nline two\rline three\u2028four\n\n- five") == (
        "line one\nline two\nline three\nfour\n\n- five"
    )
    assert normalize("  keep\tthe tab  \n") == "keep\tthe tab"
    assert validate_text("first\nsecond", what="update") == "first\nsecond"
    assert validate_title("Checkout\nerrors\t in  EU") == "Checkout errors in EU"


@pytest.mark.parametrize(
    "title",
    [
        "\u3164",
        "\u3164\u3164 \u3164",
        "\u115f\u1160",
        "\uffa0",
        "\u2800\u2800",
        "\u0301\u0302\u20dd",  # combining marks with no base
        "\u200b\u2060\ufeff \u00a0\u3000",
        "\U000e0041\U000e0042",
    ],
)
def test_titles_blank_to_a_reader_are_refused_with_a_clear_message(title: str) -> None:
    assert is_blank(one_line(title))
    with pytest.raises(InvalidInputError, match=r"nothing visible|needs a title"):
        validate_title(title)


@pytest.mark.parametrize("title", ["a", "é", "🔥", "\u0915\u094d", "42", "x\u3164y", "\U0001fae8"])
def test_titles_with_something_visible_are_accepted(title: str) -> None:
    assert validate_title(title)


def test_blank_updates_are_empty_and_blank_optional_summaries_are_nothing() -> None:
    with pytest.raises(InvalidInputError, match="is empty"):
        validate_text("\u3164\n\u200b", what="update")
    assert validate_text("\u2800", what="summary", required=False) == ""


def test_lengths_are_counted_after_normalization() -> None:
    hidden = "\u200b" * 500
    assert validate_title(hidden + "x" * MAX_TITLE_LENGTH + hidden) == "x" * MAX_TITLE_LENGTH
    assert validate_title("e\u0301" * MAX_TITLE_LENGTH) == "é" * MAX_TITLE_LENGTH  # composed: 1 each
    with pytest.raises(InvalidInputError, match=f"{MAX_TITLE_LENGTH + 1} characters"):
        validate_title("x" * (MAX_TITLE_LENGTH + 1))
    assert len(validate_text("\ufeff" * 100 + "y" * MAX_TEXT_LENGTH, what="note")) == MAX_TEXT_LENGTH
    with pytest.raises(InvalidInputError, match=f"{MAX_TEXT_LENGTH + 1} characters"):
        validate_text("y" * (MAX_TEXT_LENGTH + 1), what="note")


def test_words_fold_for_matching() -> None:
    assert fold("\uff35\uff30\uff24\uff21\uff34\uff25") == "update"  # full-width
    assert fold("Re\u200bsolve") == "resolve"
    assert fold("up\x00date") != "update"


@pytest.mark.parametrize(
    "typed",
    ["<!channel>", "<!here>", "<!subteam^S123|@oncall>", "<@U0EVE>", "<#C0SECRET>", "<https://evil|label>"],
)
def test_echo_makes_markup_inert_and_short(typed: str) -> None:
    shown = echo(typed * 10, 30)
    assert "<" not in shown and ">" not in shown and shown.startswith(escape_mrkdwn(typed)[:5])
    assert len(shown) <= 30


def test_echo_never_raises_and_keeps_one_line_without_backticks() -> None:
    assert echo("a\x00b\ud800") == "a\ufffdb\ufffd"
    assert echo("`x`\nnew line") == "'x' new line"
    assert echo("") == "nothing" and echo("\u200b", empty="nobody") == "nobody"


# -- properties over anything that may be typed or submitted ---------------------------------------------

HOSTILE_PIECES = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<@U0EVE>",
        "<#C0X>",
        "<http://evil|x>",
        "<mailto:a@b.c|m>",
        "&",
        "<",
        ">",
        "`",
        "\n",
        "\r",
        "\u202e",
        "\u3164",
        "\u0301",
        "\x00",
        "\ud800",
        "\U000e0041",
        "👩\u200d💻",
    ]
)
TYPED = st.lists(st.one_of(HOSTILE_PIECES, st.text(max_size=20)), max_size=12).map("".join)
FAST = settings(max_examples=300, deadline=None)


@FAST
@given(TYPED)
def test_normalizing_anything_either_works_or_says_why_and_is_stable(text: str) -> None:
    try:
        cleaned = normalize(text)
    except InvalidInputError as exc:
        assert "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text)
        assert "can't store" in exc.user_text
        return
    assert normalize(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert "\r" not in cleaned and not any(c in cleaned for c in "\u200b\u202e\ufeff\U000e0041\x7f")
    cleaned.encode("utf-8")  # what PostgreSQL will be given


@FAST
@given(TYPED)
def test_titles_and_texts_either_pass_or_raise_the_friendly_error(text: str) -> None:
    for check in (validate_title, lambda t: validate_text(t, what="update")):
        try:
            result = check(text)
        except InvalidInputError:
            continue
        assert not is_blank(result)
    with contextlib.suppress(InvalidInputError):
        assert "\n" not in validate_title(text)


@FAST
@given(TYPED, st.integers(min_value=1, max_value=60))
def test_echo_is_inert_short_and_one_line(text: str, limit: int) -> None:
    shown = echo(text, limit)
    assert not any(c in shown for c in "<>`\n")
    assert len(shown) <= max(limit, len("nothing"))
    shown.encode("utf-8")
