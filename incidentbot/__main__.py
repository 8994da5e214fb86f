"""The ``incidentbot`` command: parse arguments, load settings from the environment, hand off.

This is the only module that reads ``os.environ`` (plus an optional ``.env`` file).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentbot import __version__
from incidentbot.settings import ConfigError, Settings

if TYPE_CHECKING:
    from incidentbot.runtime import Signals

__all__ = ["main"]

logger = logging.getLogger("incidentbot")

EXIT_CONFIG = 2

DESCRIPTION = """\
incidentbot: a self-hosted Slack incident-management bot.

It holds a Socket Mode WebSocket to Slack (no public endpoint needed), keeps its state in
PostgreSQL, and serves /health, /ready and /metrics on HTTP_HOST:HTTP_PORT.

Configuration comes from environment variables, and from a .env file in the current directory
when there is one (real environment variables win). See docs/CONFIGURATION.md.

New here? Try `incidentbot demo`: it needs no Slack workspace and no database.
"""


def _environment(env_file: str | None) -> dict[str, str]:
    """The process environment over the .env file: the file fills gaps, never overrides."""
    from dotenv import dotenv_values

    path = Path(env_file) if env_file else Path(".env")
    values: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    elif env_file:
        print(f"incidentbot: --env-file {env_file}: no such file", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    return {**values, **os.environ}


def _load_settings(env: Mapping[str, str], *, slack: bool = True) -> Settings:
    try:
        return Settings.from_env(env, slack=slack)
    except ConfigError as exc:
        print("incidentbot: the configuration has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("See docs/CONFIGURATION.md, or run `incidentbot check-config`.", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def _configure_logs(settings: Settings) -> None:
    from incidentbot.logs import configure_logging

    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=settings.secrets())


def _install_signal_handlers(signals: Signals) -> None:
    loop = asyncio.get_running_loop()

    def on_signal(name: str) -> None:
        if not signals.stop.is_set():
            logger.info("received %s: shutting down gracefully (send it again to stop at once)", name)
            signals.stop.set()
        else:
            logger.warning("received %s again: stopping at once", name)
            signals.force.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig.name)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _load_settings(_environment(args.env_file))
    _configure_logs(settings)
    from incidentbot.runtime import Signals, run

    async def main() -> int:
        signals = Signals.create()
        _install_signal_handlers(signals)
        return int(await run(settings, signals))

    return _guarded(main)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _load_settings(_environment(args.env_file), slack=False)
    _configure_logs(settings)
    from incidentbot.runtime import migrate_only

    async def main() -> int:
        return int(await migrate_only(settings))

    return _guarded(main)


def _guarded(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run the async entry point; an unexpected crash is logged with its traceback, exit 1."""
    try:
        return asyncio.run(main())
    except Exception:
        logger.exception("incidentbot stopped because of an unexpected error")
        return 1


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _load_settings(_environment(args.env_file), slack=not args.database_only)
    print("Configuration OK:")
    for name, value in settings.redacted().items():
        print(f"  {name} = {value!r}" if not isinstance(value, str) else f"  {name} = {value}")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from incidentbot.sandbox import SandboxServer, serve

    def ready(server: SandboxServer) -> None:
        print(f"Slack sandbox listening on {server.url}")
        print("Point incidentbot at it with:")
        print(f"  export SLACK_API_URL={server.api_url}")
        print(f"  export SLACK_BOT_TOKEN={server.bot_token}")
        print(f"  export SLACK_APP_TOKEN={server.app_token}")
        print(f"Act as a user through its control API, e.g.:\n  curl -s {server.url}_sandbox/ | python -m json.tool")
        print("See docs/SANDBOX.md. Ctrl-C stops it.", flush=True)

    options = {"rate_limits": args.rate_limits, "bot_token": args.bot_token, "app_token": args.app_token}
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, ready=ready, **options))
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    settings = _load_settings(_environment(args.env_file), slack=False)
    from incidentbot.admin import templates

    if args.action == "add":
        return templates.add(
            settings,
            name=args.name,
            title=args.title,
            severity=args.severity,
            service=args.service,
            description=args.description,
        )
    if args.action == "remove":
        return templates.remove(settings, name=args.name)
    return templates.list_all(settings)


def cmd_jobs(args: argparse.Namespace) -> int:
    settings = _load_settings(_environment(args.env_file), slack=False)
    from incidentbot.admin import jobs

    if args.action == "retry":
        if args.job_id is None and not args.all_dead:
            print("incidentbot: give a job id, or --all-dead", file=sys.stderr)
            return EXIT_CONFIG
        return jobs.retry(settings, job_id=args.job_id)
    if args.action == "drop":
        return jobs.drop(settings, job_id=args.job_id)
    return jobs.list_all(settings, status=getattr(args, "status", None), limit=getattr(args, "limit", 50))


def cmd_statuspage(args: argparse.Namespace) -> int:
    settings = _load_settings(_environment(args.env_file), slack=False)
    from incidentbot.admin import statuspage

    if args.action == "map":
        return statuspage.map_service(
            settings, service=args.service, component_id=args.component_id, page_components=_page_components
        )
    if args.action == "unmap":
        return statuspage.unmap(settings, service=args.service)
    return statuspage.list_all(settings)


async def _page_components(settings: Settings) -> dict[str, str]:
    """The components the configured Statuspage page has (id → name), to refuse a mapping to none."""
    import aiohttp

    from incidentbot.integrations.statuspage import StatuspageClient
    from incidentbot.integrations.statuspage_port import StatuspageAdapter

    assert settings.statuspage_api_key is not None
    async with aiohttp.ClientSession() as session:
        client = StatuspageClient(
            api_url=settings.statuspage_api_url,
            page_id=settings.statuspage_page_id,
            api_key=settings.statuspage_api_key.reveal(),
            session=session,
        )
        return await StatuspageAdapter(client).component_names()


def cmd_demo(args: argparse.Namespace) -> int:
    from incidentbot.demo import run_demo

    return int(asyncio.run(run_demo(keep_logs=args.keep_logs)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incidentbot", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"incidentbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    def add(name: str, help_: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, help=help_, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        p.add_argument("--env-file", metavar="PATH", help="read settings from this file (default: ./.env if present)")
        return p

    p = add(
        "run",
        "run the bot (the long-running daemon)",
        "Run the bot: connect to Slack over Socket Mode, apply pending database migrations, and\n"
        "serve /health, /ready and /metrics. Stops gracefully on SIGTERM or SIGINT (a second signal\n"
        "stops at once).\n\nExit codes: 0 stopped cleanly; 1 unexpected error; 2 bad configuration;\n"
        "3 database schema newer than this version; 4 database unreachable; 5 Slack rejected a token.",
    )
    p.set_defaults(func=cmd_run)
    p = add(
        "migrate",
        "apply pending database migrations and exit",
        "Apply pending database migrations and exit. Safe to run twice, and while a daemon runs:\n"
        "migrations take a lock. Needs only DATABASE_URL (or the embedded database).\n"
        "Exit codes as for `run`.",
    )
    p.set_defaults(func=cmd_migrate)
    p = add(
        "check-config",
        "validate the configuration and print it (secrets masked)",
        "Read the configuration from the environment (and .env), print every problem at once and\n"
        "exit 2, or print the effective settings with secrets masked and exit 0.",
    )
    p.add_argument("--database-only", action="store_true", help="check only what `migrate` needs")
    p.set_defaults(func=cmd_check_config)
    p = add(
        "templates",
        "list, add or remove incident templates",
        "Incident templates prefill the declare modal's title, severity and service. A handful of\n"
        "common ones (database outage, API degradation, security incident…) come with the database.\n\n"
        "  incidentbot templates list\n"
        '  incidentbot templates add "Payments down" --title "Payments failing" --severity P1 --service payments\n'
        '  incidentbot templates remove "Payments down"',
    )
    actions = p.add_subparsers(dest="action", metavar="<action>")
    actions.add_parser("list", help="list the templates")
    add_p = actions.add_parser("add", help="add a template (or replace one of the same name)")
    add_p.add_argument("name", help="the name shown in the template picker")
    add_p.add_argument("--title", required=True, help="incident title it prefills (at most 100 characters)")
    add_p.add_argument("--severity", default="P3", help="P1, P2, P3 or P4 (default P3)")
    add_p.add_argument("--service", help="service it prefills (one of SERVICES)")
    add_p.add_argument("--description", default="", help="description it prefills")
    remove_p = actions.add_parser("remove", help="remove a template")
    remove_p.add_argument("name", help="the template's name")
    p.set_defaults(func=cmd_templates)
    p = add(
        "jobs",
        "list the durable job queue, retry dead jobs, drop jobs",
        "Work that must not be lost waits in PostgreSQL as jobs; failures are retried with backoff up\n"
        "to JOB_MAX_ATTEMPTS, then the job is dead and waits for you.\n\n"
        "  incidentbot jobs list [--status queued|running|done|dead] [--limit N]\n"
        "  incidentbot jobs retry ID | --all-dead\n"
        "  incidentbot jobs drop ID",
    )
    job_actions = p.add_subparsers(dest="action", metavar="<action>")
    list_p = job_actions.add_parser("list", help="the newest jobs")
    list_p.add_argument("--status", choices=["queued", "running", "done", "dead"], help="only jobs in this state")
    list_p.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    retry_p = job_actions.add_parser("retry", help="queue a dead job again with fresh attempts")
    retry_p.add_argument("job_id", type=int, nargs="?", help="the job's id")
    retry_p.add_argument("--all-dead", action="store_true", help="every dead job")
    drop_p = job_actions.add_parser("drop", help="delete a queued or dead job")
    drop_p.add_argument("job_id", type=int, help="the job's id")
    p.set_defaults(func=cmd_jobs)
    p = add(
        "statuspage",
        "map services to Statuspage components",
        "The publish form offers each mapped component, with a status by severity (P1 major_outage,\n"
        "P2 partial_outage, P3/P4 degraded_performance) for the incident's own service. `map` checks\n"
        "the component exists on the page (STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID must be set).\n\n"
        "  incidentbot statuspage map checkout 8kbf7d35c070\n"
        "  incidentbot statuspage unmap checkout\n"
        "  incidentbot statuspage list",
    )
    sp_actions = p.add_subparsers(dest="action", metavar="<action>")
    map_p = sp_actions.add_parser("map", help="map a service to a component (replaces an earlier mapping)")
    map_p.add_argument("service", help="one of SERVICES")
    map_p.add_argument("component_id", help="the Statuspage component's id")
    unmap_p = sp_actions.add_parser("unmap", help="remove a service's mapping")
    unmap_p.add_argument("service")
    sp_actions.add_parser("list", help="show the mapping")
    p.set_defaults(func=cmd_statuspage)
    p = sub.add_parser(
        "sandbox",
        help="run a local fake Slack to try the bot without a workspace",
        description="Start the Slack sandbox alone: a local server that speaks Slack's Web API and Socket\n"
        "Mode. It prints its URL and the tokens to give the bot, and a control API to act as a user.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000; 0 picks one)")
    p.add_argument("--rate-limits", action="store_true", help="enforce Slack's per-method rate limits (HTTP 429)")
    p.add_argument("--bot-token", metavar="XOXB", help="use this bot token instead of a random one")
    p.add_argument("--app-token", metavar="XAPP", help="use this app-level token instead of a random one")
    p.set_defaults(func=cmd_sandbox)
    p = sub.add_parser(
        "demo",
        help="see the bot work end to end, with no Slack workspace and no database",
        description="Start the Slack sandbox, an embedded PostgreSQL and the real daemon, play a scripted\n"
        "session through the sandbox as a user would, print what each person sees, then stop it all.\n"
        "Needs no Slack workspace and no database; exits 0 when every step showed what it should.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--keep-logs", action="store_true", help="print where the daemon's log was kept")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
