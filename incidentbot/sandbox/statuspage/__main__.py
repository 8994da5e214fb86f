"""`python -m incidentbot.sandbox.statuspage`: run the fake until Ctrl-C and print how to point a bot at it."""

from __future__ import annotations

import argparse

from ..listening import run_until_stopped
from .server import StatuspageServer, serve


def _announce(server: StatuspageServer) -> None:
    print(f"Statuspage fake running at {server.url}", flush=True)
    print(f"  STATUSPAGE_API_URL={server.api_url}")
    print(f"  STATUSPAGE_API_KEY={server.api_key}")
    print(f"  STATUSPAGE_PAGE_ID={server.page_id}")
    for component in server.fake.state.components.values():
        print(f"  component {component.id}  {component.name}")
    print(f"  control API: {server.url}_statuspage/  (see docs/STATUSPAGE.md)")
    print("Press Ctrl-C to stop.", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m incidentbot.sandbox.statuspage", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3001, help="port to bind, 0 for any (default 3001)")
    parser.add_argument("--api-key", help="fixed API key instead of a random one")
    parser.add_argument("--page-id", help="fixed page id instead of a random one")
    parser.add_argument("--rate-limit", action="store_true", help="refuse more than 1 request/second with 420")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    args = parser.parse_args(argv)
    return run_until_stopped(
        lambda: serve(
            args.host,
            args.port,
            ready=_announce,
            api_key=args.api_key,
            page_id=args.page_id,
            rate_limit=args.rate_limit,
        ),
        verbose=args.verbose,
    )


if __name__ == "__main__":
    raise SystemExit(main())
