from pathlib import Path

import pytest

from incidentbot.settings import SETTINGS, ConfigError, Secret, Settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-123-456-abcdef", "SLACK_APP_TOKEN": "xapp-1-A1-2-abcdef"}


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    return caught.value.problems


def test_defaults_are_the_documented_ones() -> None:
    settings = Settings.from_env(GOOD)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url is None
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8080)
    assert settings.shutdown_timeout_seconds == 25
    assert settings.log_format == "json"
    assert settings.log_level == "INFO"
    assert settings.data_dir.name == "incidentbot"
    assert settings.job_lease_seconds == Settings.job_lease_seconds == 30  # parsed and declared defaults agree


def test_every_problem_is_reported_at_once_naming_the_variable() -> None:
    problems = problems_of({"SLACK_APP_TOKEN": "xoxb-wrong-kind", "HTTP_PORT": "abc", "LOG_FORMAT": "xml"})
    joined = "\n".join(problems)
    assert len(problems) == 4
    assert "SLACK_BOT_TOKEN is not set" in joined
    assert "SLACK_APP_TOKEN: expected an app-level token starting with 'xapp-'" in joined
    assert "HTTP_PORT: expected a port number between 0 and 65535, got 'abc'" in joined
    assert "LOG_FORMAT: expected one of json, text, got 'xml'" in joined


def test_a_token_never_appears_in_an_error_message() -> None:
    secret_part = "SUPERSECRETVALUE123"
    problems = problems_of({"SLACK_BOT_TOKEN": f"xapp-1-{secret_part}", "SLACK_APP_TOKEN": f"bogus{secret_part}"})
    assert secret_part not in "\n".join(problems)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("xoxp-1-S3NTINELUSER", "got what looks like a user token (xoxp-)"),
        ("xapp-1-S3NTINELAPP", "got what looks like an app-level token (xapp-) (are the two tokens swapped?)"),
        ("xoxe.xoxb-1-S3NTINELROT", "got what looks like a rotating bot token (xoxe.xoxb-)"),
        ("S3NTINELxoxb-", "got a value that does not start with it"),
        ("xoxS3NTINEL", "got a value that does not start with it"),
    ],
)
def test_a_wrong_token_is_named_by_its_kind_and_none_of_its_characters(value: str, expected: str) -> None:
    (problem,) = problems_of({"SLACK_BOT_TOKEN": value, "SLACK_APP_TOKEN": GOOD["SLACK_APP_TOKEN"]})
    assert problem.startswith("SLACK_BOT_TOKEN: expected a bot token starting with 'xoxb-', ") and expected in problem
    assert "S3NTINEL" not in problem and "1-" not in problem


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("SLACK_API_URL", "https://bot:S3NTINEL-PW@slack.example/api/", "S3NTINEL-PW"),
        ("SLACK_API_URL", "https://S3NTINEL-USER@slack.example/api/", "S3NTINEL-USER"),
        ("STATUSPAGE_API_URL", "https://api.example/v1/?api_key=S3NTINEL-KEY", "S3NTINEL-KEY"),
        ("STATUSPAGE_API_URL", "https://api.example/v1/#S3NTINEL-FRAG", "S3NTINEL-FRAG"),
    ],
)
def test_credentials_in_a_url_setting_are_masked_in_repr_but_used(name: str, value: str, secret: str) -> None:
    settings = Settings.from_env(GOOD | {name: value})
    url = getattr(settings, name.lower())
    assert secret in url  # the client still gets the URL as given
    assert secret not in repr(settings) and secret not in str(settings.redacted())
    shown = settings.redacted()[name.lower()]
    assert isinstance(shown, str) and "***" in shown and "example/" in shown
    assert any(secret in s for s in settings.secrets())  # so the log redactor scrubs it too


@pytest.mark.parametrize(
    "value",
    [
        "ftp://bot:S3NTINEL-PW@slack.example/api/",
        "http://bot:S3NTINEL-PW@slack.example/api/",
        "https://bot:S3NTINEL-PW@slack.example:notaport/api/",
        "bot:S3NTINEL-PW@slack.example/api/",
        "http://slack.example/api/?token=S3NTINEL-PW",
    ],
)
def test_a_rejected_url_is_never_echoed_with_its_credentials(value: str) -> None:
    (problem,) = problems_of(GOOD | {"SLACK_API_URL": value})
    assert problem.startswith("SLACK_API_URL:") and "S3NTINEL" not in problem


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:3000/api/", "http://127.9.8.7/api/", "http://[::1]:3000/api/", "http://localhost:3000/api/"],
)
def test_plain_http_is_allowed_to_this_machine(url: str) -> None:
    settings = Settings.from_env(GOOD | {"SLACK_API_URL": url, "STATUSPAGE_API_URL": url})
    assert settings.slack_api_url == url and settings.statuspage_api_url == url


@pytest.mark.parametrize("name", ["SLACK_API_URL", "STATUSPAGE_API_URL"])
@pytest.mark.parametrize("url", ["http://slack.example/api/", "http://10.0.0.7:3000/api/", "http://128.0.0.1/api/"])
def test_plain_http_elsewhere_is_refused_naming_the_setting_and_the_fix(name: str, url: str) -> None:
    (problem,) = problems_of(GOOD | {name: url})
    assert problem.startswith(f"{name}: refusing ") and "use https://" in problem


def test_a_database_password_never_appears_in_repr_or_errors() -> None:
    settings = Settings.from_env(GOOD | {"DATABASE_URL": "postgresql://bot:hunter2@db:5432/incidents"})
    assert "hunter2" not in repr(settings)
    assert "hunter2" in settings.secrets()
    problems = problems_of(GOOD | {"DATABASE_URL": "mysql://bot:hunter2@db/x"})
    assert "hunter2" not in "\n".join(problems)


def test_secret_masks_itself() -> None:
    secret = Secret("xoxb-abc")
    assert "xoxb" not in repr(secret) and "xoxb" not in str(secret) and "xoxb" not in f"{secret}"
    assert secret.reveal() == "xoxb-abc"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HTTP_PORT", "70000", "between 0 and 65535"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "-1", "greater than 0"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "soon", "number of seconds"),
        ("SLACK_API_URL", "slack.com/api", "http(s) URL"),
        ("DATABASE_POOL_SIZE", "0", "at least 1"),
        ("LOG_LEVEL", "loud", "debug, info, warning, error"),
        ("SLACK_PING_INTERVAL_SECONDS", "nan", "greater than 0"),
    ],
)
def test_bad_values_say_what_is_expected(name: str, value: str, expected: str) -> None:
    (problem,) = problems_of(GOOD | {name: value})
    assert problem.startswith(f"{name}:") and expected in problem


@pytest.mark.parametrize("value", [1, 10])
def test_socket_connections_take_one_to_ten(value: int) -> None:
    assert Settings.from_env(GOOD | {"SLACK_SOCKET_CONNECTIONS": str(value)}).slack_socket_connections == value
    assert Settings.from_env(GOOD).slack_socket_connections == 2


@pytest.mark.parametrize("value", ["0", "11"])
def test_socket_connections_outside_one_to_ten_are_refused(value: str) -> None:
    (problem,) = problems_of(GOOD | {"SLACK_SOCKET_CONNECTIONS": value})
    assert problem == f"SLACK_SOCKET_CONNECTIONS: expected a whole number from 1 to 10, got {value}"


def test_values_are_parsed() -> None:
    settings = Settings.from_env(
        GOOD
        | {
            "SLACK_API_URL": "http://127.0.0.1:3000/api",
            "HTTP_PORT": "0",
            "LOG_LEVEL": "Debug",
            "LOG_FORMAT": "TEXT",
            "INCIDENTBOT_DATA_DIR": "/var/lib/ib",
            "DATABASE_URL": "postgres://u@h/db",
        }
    )
    assert settings.slack_api_url == "http://127.0.0.1:3000/api/"
    assert settings.http_port == 0
    assert (settings.log_level, settings.log_format) == ("DEBUG", "text")
    assert settings.data_dir == Path("/var/lib/ib")
    assert settings.database_url is not None and settings.database_url.reveal() == "postgres://u@h/db"


def test_database_only_commands_need_no_slack_tokens() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u@h/db"}, slack=False)
    assert settings.database_url is not None
    with pytest.raises(ConfigError):
        Settings.from_env({"DATABASE_URL": "postgresql://u@h/db"})


def test_every_setting_fills_a_field() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {s.field for s in SETTINGS} == fields


def test_incident_routing_settings_are_parsed() -> None:
    settings = Settings.from_env(
        GOOD
        | {
            "SERVICES": "checkout, payments ,search,checkout",
            "SERVICE_OWNERS": '{"checkout": ["U0ALICE", "U0BOB"]}',
            "DEFAULT_SEVERITY": "p2",
            "NOTIFY_CHANNELS_P1": "C0SRE,C0INCIDENTS",
            "P1_USERS": "U0CAROL",
            "INCIDENT_ADMINS": "U0DAVE,W0ENTERPRISE",
        }
    )
    assert settings.services == ("checkout", "payments", "search")
    assert settings.service_owners == {"checkout": ("U0ALICE", "U0BOB")}
    assert settings.default_severity == "P2"
    assert settings.notify_channels_p1 == ("C0SRE", "C0INCIDENTS") and settings.notify_channels_p2 == ()
    assert settings.p1_users == ("U0CAROL",) and settings.incident_admins == ("U0DAVE", "W0ENTERPRISE")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"NOTIFY_CHANNELS_P1": "#incidents"}, "NOTIFY_CHANNELS_P1: expected comma-separated Slack channel IDs"),
        ({"P1_USERS": "@alice"}, "P1_USERS: expected comma-separated Slack user IDs"),
        ({"SERVICE_OWNERS": "{not json"}, "SERVICE_OWNERS: expected a JSON object"),
        ({"SERVICE_OWNERS": '{"checkout": "U0ALICE"}'}, "owners of 'checkout' must be a list"),
        ({"SERVICES": "a", "SERVICE_OWNERS": '{"b": ["U0ALICE"]}'}, "SERVICE_OWNERS: 'b' not in SERVICES"),
        ({"DEFAULT_SEVERITY": "P9"}, "DEFAULT_SEVERITY: expected P1, P2, P3 or P4, got 'P9'"),
    ],
)
def test_bad_routing_settings_say_what_is_expected(env: dict[str, str], expected: str) -> None:
    (problem,) = problems_of(GOOD | env)
    assert expected in problem


def test_statuspage_needs_both_the_key_and_the_page() -> None:
    assert not Settings.from_env(GOOD).statuspage_enabled
    enabled = Settings.from_env(GOOD | {"STATUSPAGE_API_KEY": "k-123456", "STATUSPAGE_PAGE_ID": "page1"})
    assert enabled.statuspage_enabled and "k-123456" in enabled.secrets() and "k-123456" not in repr(enabled)
    (problem,) = problems_of(GOOD | {"STATUSPAGE_API_KEY": "k-123456"})
    assert "STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID go together" in problem and "k-123456" not in problem


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ARCHIVE_AFTER_DAYS", "-1", "at least 0 (0 turns it off)"),
        ("ARCHIVE_WARNING_HOURS", "soon", "number of hours"),
        ("ARCHIVE_SWEEP_MINUTES", "0", "greater than 0"),
        ("REMINDER_MINUTES_P2", "half", "whole number"),
        ("JOB_MAX_ATTEMPTS", "0", "at least 1"),
    ],
)
def test_timer_settings_say_what_is_expected(name: str, value: str, expected: str) -> None:
    (problem,) = problems_of(GOOD | {name: value})
    assert problem.startswith(f"{name}:") and expected in problem


def test_timer_defaults() -> None:
    settings = Settings.from_env(GOOD)
    assert (settings.archive_after_days, settings.archive_warning_hours, settings.archive_sweep_minutes) == (7, 24, 15)
    assert (settings.reminder_minutes_p1, settings.reminder_minutes_p4) == (15, 0)
    assert settings.job_max_attempts == 12 and settings.statuspage_min_severity == "P2"
