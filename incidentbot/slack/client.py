"""The Web API client: pointed at SLACK_API_URL, retrying what Slack says to retry, and metered.

All our calls go through one instrumented client, so the metrics see every method and error code.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from incidentbot.metrics import Metrics

__all__ = ["InstrumentedWebClient", "build_web_client"]

logger = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 2


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1]


class _CountingRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (sleeps for Retry-After), plus a metric and a log line per retry."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=RATE_LIMIT_RETRIES)
        self._metrics = metrics

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        method = _method_of(request)
        self._metrics.rate_limit_retries.labels(method).inc()
        retry_after = response.headers.get("retry-after", response.headers.get("Retry-After")) if response else None
        logger.warning("Slack rate-limited %s; retrying after %s s", method, retry_after)
        await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)


class InstrumentedWebClient(AsyncWebClient):
    """AsyncWebClient that counts calls and failures by method and Slack error code."""

    metrics: Metrics

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        self.metrics.api_calls.labels(api_method).inc()
        start = time.perf_counter()
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown")) if exc.response is not None else "unknown"
            self.metrics.api_errors.labels(api_method, error).inc()
            logger.info("Slack %s failed: %s (%.0f ms)", api_method, error, (time.perf_counter() - start) * 1000)
            raise
        except Exception as exc:
            self.metrics.api_errors.labels(api_method, type(exc).__name__).inc()
            raise
        return response


def build_web_client(
    *, token: str | None, base_url: str, session: aiohttp.ClientSession, metrics: Metrics, timeout: int = 10
) -> InstrumentedWebClient:
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_ERROR_RETRIES),
        _CountingRateLimitHandler(metrics),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]
    client = InstrumentedWebClient(
        token=token, base_url=base_url, session=session, timeout=timeout, retry_handlers=handlers
    )
    client.metrics = metrics
    return client
