"""The two kinds of failure the sandbox reports: Slack's and the control caller's."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Slack Web API error: `code` is Slack's own error string, `extra` joins the response body."""

    def __init__(self, code: str, *, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra: dict[str, Any] = dict(extra)
        if messages:
            self.extra["response_metadata"] = {"messages": list(messages)}

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would send for this error."""
        return {"ok": False, "error": self.code, **self.extra}


class BadRequest(Exception):
    """Control-API input that makes no sense; answered with HTTP 400 and this message."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
