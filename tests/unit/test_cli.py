import pytest

from incidentbot.__main__ import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "incidentbot demo"),
        (["run"], "Exit codes"),
        (["migrate"], "Safe to run twice"),
        (["check-config"], "every problem"),
        (["sandbox"], "--rate-limits"),
        (["demo"], "no Slack workspace"),
    ],
)
def test_help_explains_each_command(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    assert expected in capsys.readouterr().out


def test_check_config_exits_2_and_lists_problems(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.chdir(str(tmp_path))  # no .env here
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PORT", "abc")
    with pytest.raises(SystemExit) as exited:
        main(["check-config"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is not set" in err and "SLACK_APP_TOKEN is not set" in err and "HTTP_PORT:" in err


def test_env_file_fills_gaps_but_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    env_file = Path(str(tmp_path)) / "bot.env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_APP_TOKEN=xapp-from-file\nHTTP_PORT=9000\n")
    monkeypatch.setenv("HTTP_PORT", "9100")
    assert main(["check-config", "--env-file", str(env_file)]) == 0
    out = capsys.readouterr().out
    assert "http_port = 9100" in out and "xoxb-from-file" not in out
