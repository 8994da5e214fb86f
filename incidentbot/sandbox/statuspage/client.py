"""StatuspageControl: the fake's control API from Python, for tests and the demo."""

from __future__ import annotations

from typing import Any

from ..control_client import ControlClient, ControlError

Json = dict[str, Any]


class StatuspageControlError(ControlError):
    """The fake's control API refused a request (HTTP 4xx): ``status`` and the fake's ``message``."""


class StatuspageControl(ControlClient):
    """One aiohttp session to a fake's `_statuspage/` routes; every method returns parsed JSON."""

    prefix = "_statuspage/"
    error = StatuspageControlError

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        super().__init__(base_url, timeout=timeout)

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
