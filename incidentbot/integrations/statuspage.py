"""Statuspage.io's v1 API, only the calls incident sync needs.

A thin client: one attempt per call. Retrying belongs to the job queue, so every failure is a
StatuspageError that says whether the same call may succeed later. The API key stays out of
messages, logs and reprs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

__all__ = [
    "PublicIncident",
    "StatuspageClient",
    "StatuspageError",
]

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0
# 420 is what Statuspage answered when rate limiting before it moved to 429, and some accounts still get it.
RATE_LIMITED = frozenset({420, 429})
_REDACTED = "[redacted]"
_DETAIL_LIMIT = 200


@dataclass(frozen=True)
class PublicIncident:
    """The Statuspage incident a local incident is mirrored to."""

    id: str
    status: str
    shortlink: str | None


class StatuspageError(Exception):
    """A call that did not succeed; `retryable` says whether the same call may succeed later.

    `status` is the HTTP status, or None when no answer came (connection refused, timeout);
    `retry_after` is the server's Retry-After in seconds, when it sent one.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def is_retryable_status(status: int) -> bool:
    """Rate limits and server errors pass; every other 4xx (401, 404, 422…) would be refused again."""
    return status in RATE_LIMITED or status >= 500


class StatuspageClient:
    """One page of one Statuspage account, over a session the caller owns."""

    def __init__(
        self,
        *,
        api_url: str,
        page_id: str,
        api_key: str,
        session: aiohttp.ClientSession,
        timeout: float = 10.0,
    ) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.page_id = page_id
        self._page_url = f"{self.api_url}pages/{quote(page_id, safe='')}"
        self._api_key = api_key
        self._session = session
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"StatuspageClient(api_url={self.api_url!r}, page_id={self.page_id!r})"

    # -- incidents ----------------------------------------------------------------------------------------
    async def create_incident(
        self, *, name: str, status: str, body: str, component_status: Mapping[str, str]
    ) -> PublicIncident:
        """Open a public incident; `component_status` maps each affected component id to its status."""
        fields = {"name": name, "status": status, "body": body, **_components(component_status)}
        return _public_incident(await self._call("POST", "/incidents", {"incident": fields}))

    async def update_incident(
        self,
        incident_id: str,
        *,
        status: str,
        body: str,
        component_status: Mapping[str, str],
        name: str | None = None,
    ) -> PublicIncident:
        """Post an update (and rename it when ``name`` is given); components not listed keep their status."""
        fields = {"status": status, "body": body, **_components(component_status)}
        if name is not None:
            fields["name"] = name
        path = f"/incidents/{quote(incident_id, safe='')}"
        return _public_incident(await self._call("PATCH", path, {"incident": fields}))

    async def resolve_incident(self, incident_id: str, *, body: str, component_ids: Sequence[str]) -> PublicIncident:
        """Resolve the incident and set its components back to operational."""
        statuses = dict.fromkeys(component_ids, "operational")
        return await self.update_incident(incident_id, status="resolved", body=body, component_status=statuses)

    # -- reading ------------------------------------------------------------------------------------------
    async def unresolved_incidents(self) -> list[dict[str, Any]]:
        """Open incidents on the page, newest first, with their updates (``incident_updates``)."""
        data = await self._call("GET", "/incidents/unresolved")
        if not isinstance(data, list):
            raise StatuspageError("Statuspage GET /incidents/unresolved: expected a list", retryable=False)
        return [i for i in data if isinstance(i, dict)]

    async def incident(self, incident_id: str) -> dict[str, Any]:
        """One incident with its updates (``incident_updates``, newest first)."""
        data = await self._call("GET", f"/incidents/{quote(incident_id, safe='')}")
        if not isinstance(data, dict):
            raise StatuspageError("Statuspage GET /incidents/{id}: expected an incident", retryable=False)
        return data

    async def components(self) -> list[dict[str, Any]]:
        """The page's components as the API returns them (id, name, status, position, group_id, …)."""
        data = await self._call("GET", "/components")
        if not isinstance(data, list) or not all(isinstance(c, dict) for c in data):
            raise StatuspageError("Statuspage GET /components: expected a list of components", retryable=False)
        return data

    async def check(self) -> str:
        """Readiness probe: fetch the page with a short timeout; returns e.g. "page 'Acme Status' reachable"."""
        data = await self._call("GET", "", timeout=min(self._timeout, CHECK_TIMEOUT))
        name = data.get("name") if isinstance(data, dict) else None
        return f"page {name!r} reachable" if name else f"page {self.page_id} reachable"

    # -- transport ----------------------------------------------------------------------------------------
    async def _call(self, method: str, path: str, payload: Any = None, *, timeout: float | None = None) -> Any:
        """One request; the parsed JSON body of a 2xx answer, else StatuspageError."""
        what = f"Statuspage {method} {path or '/'}"
        seconds = timeout if timeout is not None else self._timeout
        started = time.monotonic()
        # Raised after the `try`, not inside `except`, so the library's exception is not kept as __context__:
        # aiohttp's exceptions can hold request details (headers, the Authorization among them).
        failure: StatuspageError | None = None
        try:
            async with self._session.request(
                method,
                self._page_url + path,
                json=payload,
                headers={"Authorization": f"OAuth {self._api_key}", "Accept": "application/json"},
                timeout=aiohttp.ClientTimeout(total=seconds),
            ) as response:
                status = response.status
                text = await response.text()
                retry_after = _seconds(response.headers.get("Retry-After"))
        except TimeoutError:
            failure = StatuspageError(f"{what}: no answer within {seconds:g}s", retryable=True)
        except aiohttp.ClientError as err:
            failure = StatuspageError(f"{what}: {self._redact(str(err)) or type(err).__name__}", retryable=True)
        if failure is not None:
            raise failure
        log.debug("%s answered %s in %.0f ms", what, status, (time.monotonic() - started) * 1000)
        if status >= 400:
            message = f"{what} answered {status}: {self._redact(_error_detail(text))}"
            raise StatuspageError(
                message, status=status, retryable=is_retryable_status(status), retry_after=retry_after
            )
        try:
            return json.loads(text)
        except ValueError:
            raise StatuspageError(f"{what} answered {status} without JSON", status=status, retryable=False) from None

    def _redact(self, text: str) -> str:
        """Defence in depth: no server or library message may carry the key into ours."""
        return text.replace(self._api_key, _REDACTED) if self._api_key else text


def _components(component_status: Mapping[str, str]) -> dict[str, Any]:
    """Both fields the API reads: `component_ids` (which are affected) and `components` (their statuses).

    Left out when empty, because an empty `component_ids` would clear the incident's affected components.
    """
    if not component_status:
        return {}
    return {"component_ids": list(component_status), "components": dict(component_status)}


def _public_incident(data: Any) -> PublicIncident:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("status"), str):
        raise StatuspageError("Statuspage answered without an incident id and status", retryable=False)
    shortlink = data.get("shortlink")
    return PublicIncident(id=data["id"], status=data["status"], shortlink=shortlink if shortlink else None)


def _error_detail(text: str) -> str:
    """Statuspage's `{"error": …}` (a string or a list of them), else the start of whatever came back."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, list):
        error = "; ".join(str(e) for e in error)
    detail = str(error) if error else " ".join(text.split())
    return detail[:_DETAIL_LIMIT] or "(empty body)"


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After as seconds; the HTTP-date form is not used by Statuspage and reads as None."""
    if retry_after is None:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        return None
