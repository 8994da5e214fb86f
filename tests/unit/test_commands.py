import pytest

from incidentbot.slack.commands import parse_command, suggest_sub_command
from incidentbot.slack.ids import SubCommand
from incidentbot.slack.views.help import help_message


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", " help  ", "?", "--help", "\u200bhelp"])
def test_help_is_understood_however_it_is_typed(text: str) -> None:
    assert parse_command(text).sub is SubCommand.HELP


def test_unknown_sub_command_is_kept_for_the_hint() -> None:
    request = parse_command("hlep me   please")
    assert request.sub is None and request.unknown == "hlep" and request.args == "me   please"
    assert suggest_sub_command("hlep") == "help"
    assert suggest_sub_command("xyzzy") is None


@pytest.mark.parametrize(
    ("text", "sub", "args"),
    [
        ("update line one\nline two", SubCommand.UPDATE, "line one\nline two"),
        ("update\nline one\r\nline two", SubCommand.UPDATE, "line one\r\nline two"),
        ("note\tfirst\n\n- second", SubCommand.NOTE, "first\n\n- second"),
        ("\u200b \u202e UPDATE  #4 text", SubCommand.UPDATE, "#4 text"),
        ("\uff55\uff50\uff44\uff41\uff54\uff45 wide letters", SubCommand.UPDATE, "wide letters"),
        ("up\u200bdate hidden joiner", SubCommand.UPDATE, "hidden joiner"),
    ],
)
def test_the_sub_command_word_is_split_off_and_the_rest_keeps_its_line_breaks(
    text: str, sub: SubCommand, args: str
) -> None:
    request = parse_command(text)
    assert (request.sub, request.args) == (sub, args)


def test_a_sub_command_word_with_a_nul_is_not_silently_read_as_another() -> None:
    request = parse_command("up\x00date x")
    assert request.sub is None and request.unknown == "up\x00date"


def test_help_escapes_what_the_user_typed_and_stays_within_block_limits() -> None:
    message = help_message([("help", "show this help")], unknown="<script>&" + "x" * 500)
    intro = message["blocks"][0]["text"]["text"]
    assert "<script>" not in intro and "&lt;script&gt;&amp;" in intro
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
    assert message["text"]  # a fallback for notifications and screen readers


def test_help_suggests_the_closest_command() -> None:
    message = help_message([("help", "show this help")], command="/inc", unknown="hepl", suggestion="help")
    assert "Did you mean `/inc help`?" in message["blocks"][0]["text"]["text"]
