"""StatuspageControl: the fake's control API from Python, for tests and the demo."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import aiohttp

Json = dict[str, Any]


class StatuspageControlError(Exception):
    """The control API refused a request (HTTP 4xx): `status` and the fake's `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class StatuspageControl:
    """One aiohttp session to a fake's `_statuspage/` routes; every method returns parsed JSON."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> StatuspageControl:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, verb: str, path: str, body: Json | None = None) -> Any:
        if self._session is None:
            # Created on first use so the client can be built outside a running event loop.
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.request(verb, self.base_url + "_statuspage/" + path, json=body) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                message = data.get("error") if isinstance(data, dict) else data
                raise StatuspageControlError(response.status, str(message))
            return data

    async def info(self) -> Json:
        """url, api_url, api_key, page_id, page_name, rate_limit, components and live faults."""
        result: Json = await self._request("GET", "")
        return result

    async def incidents(self) -> list[Json]:
        """Every incident, oldest first, with `updates` in the order they were received."""
        result: list[Json] = await self._request("GET", "incidents")
        return result

    async def components(self) -> list[Json]:
        result: list[Json] = await self._request("GET", "components")
        return result

    async def requests(self) -> list[Json]:
        """The v1 API requests so far: method, path, status, fault, time."""
        result: list[Json] = await self._request("GET", "requests")
        return result

    async def clear_requests(self) -> Json:
        result: Json = await self._request("DELETE", "requests")
        return result

    async def fault(
        self,
        *,
        status: int | None = None,
        times: int | None = None,
        seconds: float | None = None,
        delay: float | None = None,
        retry_after: int | None = None,
    ) -> Json:
        """Fail (`status`) and/or slow (`delay`) the next `times` API requests, or every one for `seconds`."""
        fields = {"status": status, "times": times, "seconds": seconds, "delay": delay, "retry_after": retry_after}
        result: Json = await self._request("POST", "faults", {k: v for k, v in fields.items() if v is not None})
        return result

    async def faults(self) -> list[Json]:
        result: list[Json] = await self._request("GET", "faults")
        return result

    async def clear_faults(self) -> Json:
        result: Json = await self._request("DELETE", "faults")
        return result

    async def reset(self) -> Json:
        result: Json = await self._request("POST", "reset")
        return result
