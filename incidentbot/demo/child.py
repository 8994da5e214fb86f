"""The real daemon as a child process (``python -m incidentbot run``): the production code path.

The demo, the benchmarks and the integration tests all run the daemon this way and meet it only as
Slack does (through the sandbox) and as an operator does (its side server, signals, exit code and
JSON log).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from incidentbot.sandbox import SandboxServer


class DaemonError(RuntimeError):
    """The daemon exited or never became ready; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def daemon_env(
    *, sandbox: SandboxServer | None, database_url: str | None, port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A clean environment: nothing from the caller's shell leaks in (proxies, DATABASE_URL, tokens)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", tempfile.gettempdir()),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
        "SLACK_PING_INTERVAL_SECONDS": "1",
        "SHUTDOWN_TIMEOUT_SECONDS": "10",
    }
    if sandbox is not None:
        env |= {
            "SLACK_API_URL": sandbox.api_url,
            "SLACK_BOT_TOKEN": sandbox.bot_token,
            "SLACK_APP_TOKEN": sandbox.app_token,
        }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env | dict(extra or {})


class DaemonChild:
    def __init__(self, env: Mapping[str, str], log_path: Path, *, args: tuple[str, ...] = ("run",)) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.args = args
        port = self.env.get("HTTP_PORT", "")
        self.port = int(port) if port.isdigit() else 0
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> DaemonChild:
        self._log = self.log_path.open("wb")
        self.started_at = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "incidentbot", *self.args, env=self.env, stdout=self._log, stderr=self._log
        )
        return self

    async def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        self._log.close()
        return code

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def stop(self, timeout: float = 30) -> int:
        if self.proc is None:
            return 0
        if self.proc.returncode is not None:
            return self.proc.returncode
        self.signal(signal.SIGTERM)
        try:
            return await self.wait_exit(timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"message": raw, "not_json": True})
        return lines

    async def get(self, path: str) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as http, http.get(self.url + path) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def wait_ready(self, timeout: float = 20) -> float:
        """Poll /ready until 200; return seconds since start. Fails with the daemon's log if it never gets there."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if not self.alive():
                code = self.proc.returncode if self.proc else "?"
                raise DaemonError(f"daemon exited early (exit code {code}):\n{self.log_text()[-4000:]}")
            try:
                status, body = await self.get("/ready")
                last = body
                if status == 200:
                    return time.monotonic() - self.started_at
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise DaemonError(f"not ready after {timeout}s: {last}\n{self.log_text()[-4000:]}")

    async def metrics(self) -> str:
        status, body = await self.get("/metrics")
        if status != 200:
            raise DaemonError(f"/metrics answered {status}")
        return str(body)
