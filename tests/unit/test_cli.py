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


SENTINELS = {
    "SLACK_BOT_TOKEN": "xoxb-1-S3NTINEL-BOT",
    "SLACK_APP_TOKEN": "xapp-1-S3NTINEL-APP",
    "SLACK_API_URL": "https://bot:S3NTINEL-URLPW@slack.example/api/",
    "DATABASE_URL": "postgresql://bot:S3NTINEL-DBPW@db.example/incidents",
    "STATUSPAGE_API_KEY": "S3NTINEL-SPKEY",
    "STATUSPAGE_PAGE_ID": "page1",
    "STATUSPAGE_API_URL": "https://api.example/v1/?api_key=S3NTINEL-QUERY#S3NTINEL-FRAG",
}


def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from incidentbot.settings import SETTINGS

    monkeypatch.chdir(str(tmp_path))  # no .env here
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


def test_check_config_prints_no_credential_of_any_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    _clean_env(monkeypatch, tmp_path)
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "slack_api_url = https://***@slack.example/api/" in out
    assert "statuspage_api_url = https://api.example/v1/?***#***" in out
    assert "S3NTINEL" not in out


def test_check_config_problems_show_no_credential(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    _clean_env(monkeypatch, tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-1-S3NTINEL-USER")  # a user token where the bot token goes
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-S3NTINEL-APP")
    monkeypatch.setenv("SLACK_API_URL", "http://bot:S3NTINEL-URLPW@slack.example/api/")
    monkeypatch.setenv("STATUSPAGE_API_URL", "ftp://api.example/v1/?api_key=S3NTINEL-QUERY")
    with pytest.raises(SystemExit) as exited:
        main(["check-config"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN: expected a bot token starting with 'xoxb-', got what looks like a user token" in err
    assert "SLACK_API_URL: refusing 'http://***@slack.example/api/'" in err and "use https://" in err
    assert "STATUSPAGE_API_URL: expected an http(s) URL" in err
    assert "S3NTINEL" not in err
