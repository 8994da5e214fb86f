"""Binding a fake's aiohttp app to a port and working out the URL clients should use."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

__all__ = ["listen", "run_until_stopped"]


async def listen(app: web.Application, host: str, port: int, **runner_options: Any) -> tuple[web.AppRunner, int, str]:
    """Serve ``app``; returns the runner, the bound port (port 0 picks one) and the base URL."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0, **runner_options)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = int(runner.addresses[0][1])
    name = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    name = f"[{name}]" if ":" in name else name
    return runner, bound, f"http://{name}:{bound}/"


def run_until_stopped(serve: Callable[[], Awaitable[None]], *, verbose: bool) -> int:
    """A fake's ``python -m`` entry point: serve until Ctrl-C or SIGTERM, either stopping it cleanly."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")

    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await serve()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
