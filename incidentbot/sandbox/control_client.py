"""The base of the fakes' control clients: one aiohttp session, JSON in and out, errors as exceptions."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import aiohttp

__all__ = ["ControlClient", "ControlError"]

Json = dict[str, Any]


class ControlError(Exception):
    """The control API refused a request (HTTP 4xx): ``status`` and the fake's ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ControlClient:
    """One session to a fake's control routes under ``prefix`` (e.g. ``_sandbox/``)."""

    prefix = ""
    error: type[ControlError] = ControlError

    def __init__(self, base_url: str, *, timeout: float) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, verb: str, path: str, body: Json | None = None, *, query: Json | None = None) -> Any:
        if self._session is None:
            # Created on first use so the client can be built outside a running event loop.
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        url = self.base_url + self.prefix + path
        async with self._session.request(verb, url, json=body, params=params) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                message = (data.get("message") or data.get("error")) if isinstance(data, dict) else data
                raise self.error(response.status, str(message))
            return data
