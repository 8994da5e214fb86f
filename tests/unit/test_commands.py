import pytest

from incidentbot.slack.commands import parse_command, suggest_sub_command
from incidentbot.slack.ids import SubCommand
from incidentbot.slack.views.help import help_message


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", " help  ", "?", "--help", "\u200bhelp"])
def test_help_is_understood_however_it_is_typed(text: str) -> None:
    assert parse_command(text).sub is SubCommand.HELP


def test_unknown_sub_command_is_kept_for_the_hint() -> None:
    request = parse_command("hlep me   please")
    assert request.sub is None and request.unknown == "hlep" and request.args == "me please"
    assert suggest_sub_command("hlep") == "help"
    assert suggest_sub_command("xyzzy") is None


def test_help_escapes_what_the_user_typed_and_stays_within_block_limits() -> None:
    message = help_message([("help", "show this help")], unknown="<script>&" + "x" * 500)
    intro = message["blocks"][0]["text"]["text"]
    assert "<script>" not in intro and "&lt;script&gt;&amp;" in intro
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
    assert message["text"]  # a fallback for notifications and screen readers


def test_help_suggests_the_closest_command() -> None:
    message = help_message([("help", "show this help")], command="/inc", unknown="hepl", suggestion="help")
    assert "Did you mean `/inc help`?" in message["blocks"][0]["text"]["text"]
