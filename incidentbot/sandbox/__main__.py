"""`python -m incidentbot.sandbox`: run a sandbox until Ctrl-C and print how to point a bot at it."""

from __future__ import annotations

import argparse

from .listening import run_until_stopped
from .server import SandboxServer, serve


def _announce(server: SandboxServer) -> None:
    print(f"Slack sandbox running at {server.url}", flush=True)
    print(f"  SLACK_API_URL={server.api_url}")
    print(f"  SLACK_BOT_TOKEN={server.bot_token}")
    print(f"  SLACK_APP_TOKEN={server.app_token}")
    print(f"  control API: {server.url}_sandbox/  (see docs/SANDBOX.md)")
    print("Press Ctrl-C to stop.", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m incidentbot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port to bind, 0 for any (default 3000)")
    parser.add_argument("--ack-timeout", type=float, default=3.0, help="seconds before redelivery")
    parser.add_argument("--max-retries", type=int, default=3, help="redeliveries of an unacked envelope")
    parser.add_argument("--trigger-ttl", type=float, default=3.0, help="seconds a trigger_id stays valid")
    parser.add_argument("--rate-limits", action="store_true", help="enforce Slack's rate-limit tiers")
    parser.add_argument("--bot-token", help="fixed bot token instead of a random one")
    parser.add_argument("--app-token", help="fixed app-level token instead of a random one")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every call")
    args = parser.parse_args(argv)
    return run_until_stopped(
        lambda: serve(
            args.host,
            args.port,
            ready=_announce,
            ack_timeout=args.ack_timeout,
            max_retries=args.max_retries,
            trigger_ttl=args.trigger_ttl,
            rate_limits=args.rate_limits,
            bot_token=args.bot_token,
            app_token=args.app_token,
        ),
        verbose=args.verbose,
    )


if __name__ == "__main__":
    raise SystemExit(main())
