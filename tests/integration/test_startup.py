"""Start-up as an operator meets it: clear refusals with the documented exit codes, and a clean embedded DB."""

from __future__ import annotations

from pathlib import Path

import psutil
import psycopg

from incidentbot.sandbox import SandboxServer
from tests.integration.conftest import DaemonFactory, eventually

CONFIG_ERROR = 2
SCHEMA_TOO_NEW = 3
SLACK_REJECTED = 5


async def test_bad_configuration_lists_every_problem_and_exits_2(start_daemon: DaemonFactory) -> None:
    daemon = await start_daemon(
        sandbox=None,
        database_url=None,
        extra={"SLACK_APP_TOKEN": "xoxb-1-2-TOPSECRETVALUE", "HTTP_PORT": "abc", "SHUTDOWN_TIMEOUT_SECONDS": "-3"},
    )
    assert await daemon.wait_exit() == CONFIG_ERROR
    output = daemon.log_text()
    assert "SLACK_BOT_TOKEN is not set" in output
    assert "SLACK_APP_TOKEN: expected an app-level token starting with 'xapp-'" in output
    assert "HTTP_PORT: expected a port number between 0 and 65535, got 'abc'" in output
    assert "SHUTDOWN_TIMEOUT_SECONDS: expected a number of seconds greater than 0" in output
    assert "Traceback" not in output
    assert "TOPSECRETVALUE" not in output


async def test_check_config_prints_settings_with_secrets_masked(start_daemon: DaemonFactory) -> None:
    daemon = await start_daemon(
        sandbox=None,
        database_url="postgresql://bot:hunter2@db.internal/incidents",
        extra={"SLACK_BOT_TOKEN": "xoxb-1-2-TOPSECRET", "SLACK_APP_TOKEN": "xapp-1-A-2-TOPSECRET"},
        args=("check-config",),
    )
    assert await daemon.wait_exit() == 0
    output = daemon.log_text()
    assert "Configuration OK" in output and "log_format = json" in output and "http_port = " in output
    assert "TOPSECRET" not in output and "hunter2" not in output


async def test_a_rejected_token_stops_start_up_with_exit_5(
    start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str
) -> None:
    daemon = await start_daemon(
        sandbox=sandbox, database_url=database_url, extra={"SLACK_BOT_TOKEN": "xoxb-0-0-not-the-sandbox-token"}
    )
    assert await daemon.wait_exit() == SLACK_REJECTED
    lines = daemon.log_lines()
    assert any("Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in line["message"] for line in lines)
    assert "not-the-sandbox-token" not in daemon.log_text()


async def test_migrate_is_idempotent(start_daemon: DaemonFactory, database_url: str) -> None:
    for _ in range(2):
        daemon = await start_daemon(sandbox=None, database_url=database_url, args=("migrate",))
        assert await daemon.wait_exit() == 0
    with psycopg.connect(database_url) as conn:
        ids = [row[0] for row in conn.execute("SELECT migration_id FROM _yoyo_migration")]
    assert ids == sorted(set(ids)) and "0001.baseline" in ids


async def test_refuses_a_schema_newer_than_the_code(
    start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str
) -> None:
    migrate = await start_daemon(sandbox=None, database_url=database_url, args=("migrate",))
    assert await migrate.wait_exit() == 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc) "
            "VALUES ('f' || md5('future'), '9999.from-the-future', now())"
        )
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url)
    assert await daemon.wait_exit() == SCHEMA_TOO_NEW
    messages = " ".join(line["message"] for line in daemon.log_lines())
    assert "schema is newer than this version of incidentbot" in messages and "9999.from-the-future" in messages


async def test_embedded_database_starts_and_stops_with_the_daemon(
    start_daemon: DaemonFactory, sandbox: SandboxServer, short_tmp: Path
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=None, extra={"INCIDENTBOT_DATA_DIR": str(short_tmp)})
    await daemon.wait_ready(timeout=30)
    pgdata = short_tmp / "pgdata"
    assert (pgdata / "PG_VERSION").exists()
    assert _postgres_running_in(pgdata)
    assert await daemon.stop() == 0

    async def stopped() -> bool:
        return not _postgres_running_in(pgdata)

    await eventually(stopped, timeout=5)


def _postgres_running_in(pgdata: Path) -> bool:
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            return True
    return False


async def test_templates_can_be_listed_added_and_removed(start_daemon: DaemonFactory, database_url: str) -> None:
    async def templates(*args: str) -> tuple[int, str]:
        daemon = await start_daemon(sandbox=None, database_url=database_url, args=("templates", *args))
        code = await daemon.wait_exit()
        return code, daemon.log_text()

    code, listing = await templates("list")
    assert code == 0 and "Database outage" in listing and "P1" in listing  # seeded with the schema
    code, _ = await templates("add", "Payments down", "--title", "Payments failing", "--severity", "p1")
    assert code == 0
    code, listing = await templates("list")
    assert "Payments down" in listing and "Payments failing" in listing
    code, output = await templates("add", "Bad", "--title", "x", "--severity", "P9")
    assert code == 2 and "not a severity" in output
    code, _ = await templates("remove", "Payments down")
    assert code == 0
    code, output = await templates("remove", "Payments down")
    assert code == 1 and "no template named" in output
    with psycopg.connect(database_url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM incident_templates")]
    assert "Payments down" not in names and "Bad" not in names
