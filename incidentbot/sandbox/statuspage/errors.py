"""The one error shape the fake answers with, on the v1 API and the control API alike."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web


class HttpError(Exception):
    """An answer other than success, rendered as Statuspage renders errors: `{"error": message}`."""

    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        return web.json_response({"error": self.message}, status=self.status, headers=self.headers)


def not_found() -> HttpError:
    return HttpError(404, "Not found")
