"""Injected faults and real rate limits, as slack_sdk's retry handlers meet them."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from incidentbot.sandbox import SandboxClient, SandboxControlError, SandboxServer

from .conftest import SocketFactory


async def test_429_with_retry_after_is_honoured_by_the_sdk(server: SandboxServer, control: SandboxClient) -> None:
    web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
    web.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    await control.fault("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    response = await web.chat_postMessage(channel="C0INCIDENTS", text="eventually")
    assert response["ok"] is True and time.monotonic() - started >= 1.0
    calls = await control.calls("chat.postMessage")
    assert [(c["status"], c["error"], c["fault"]) for c in calls] == [(429, "ratelimited", True), (200, None, False)]


async def test_429_without_a_retry_handler_surfaces_ratelimited(web: AsyncWebClient, control: SandboxClient) -> None:
    await control.fault("users.info", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as refused:
        await web.users_info(user="U0ALICE")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "7"
    assert refused.value.response["error"] == "ratelimited"


async def test_server_errors_are_retried_by_the_sdk_handler(server: SandboxServer, control: SandboxClient) -> None:
    web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
    quick = FixedValueRetryIntervalCalculator(0.05)
    web.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick))
    await control.fault("conversations.info", status=500, times=2)
    assert (await web.conversations_info(channel="C0INCIDENTS"))["channel"]["name"] == "incidents"
    statuses = [c["status"] for c in await control.calls("conversations.info")]
    assert statuses == [500, 500, 200]


async def test_error_faults_answer_with_a_slack_error_then_stop(web: AsyncWebClient, control: SandboxClient) -> None:
    await control.fault("*", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as refused:
            await web.auth_test()
        assert refused.value.response.status_code == 200 and refused.value.response["error"] == "fatal_error"
    assert (await web.auth_test())["ok"] is True
    assert await control.faults() == []


async def test_delay_faults_slow_a_call_down(web: AsyncWebClient, control: SandboxClient) -> None:
    await control.fault("auth.test", delay=0.3)
    started = time.monotonic()
    assert (await web.auth_test())["ok"] is True
    assert time.monotonic() - started >= 0.3


async def test_unlimited_faults_last_until_cleared(web: AsyncWebClient, control: SandboxClient) -> None:
    await control.fault("auth.test", status=503, times=0)
    for _ in range(3):
        with pytest.raises(SlackApiError):
            await web.auth_test()
    await control.clear_faults()
    assert (await web.auth_test())["ok"] is True


async def test_response_url_faults(control: SandboxClient, open_socket: SocketFactory) -> None:
    sock = await open_socket()
    sock.auto_ack()
    url = (await control.slash("x"))["response_url"]
    await control.fault("response_url", status=500)
    hook = AsyncWebhookClient(url)
    assert (await hook.send(text="a")).status_code == 500
    assert (await hook.send(text="b")).status_code == 200


async def test_bad_faults_are_refused(control: SandboxClient) -> None:
    for bad in [{"status": 200}, {"delay": -1}, {}]:
        with pytest.raises(SandboxControlError) as refused:
            await control.fault("auth.test", **bad)  # type: ignore[arg-type]
        assert refused.value.status == 400


async def test_real_rate_limits_per_channel_for_posting() -> None:
    async with SandboxServer(rate_limits=True) as server:
        web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
        for i in range(4):  # a short burst is allowed
            await web.chat_postMessage(channel="C0INCIDENTS", text=str(i))
        with pytest.raises(SlackApiError) as refused:
            await web.chat_postMessage(channel="C0INCIDENTS", text="one too many")
        assert refused.value.response.status_code == 429 and refused.value.response["error"] == "ratelimited"
        assert int(refused.value.response.headers["Retry-After"]) >= 1
        assert (await web.chat_postMessage(channel="C0SRE", text="other channel"))["ok"] is True


async def test_real_rate_limits_per_tier() -> None:
    async with SandboxServer(rate_limits=True) as server:
        web = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
        # conversations.create is tier 2: about 20 a minute, all of them allowed in one burst
        created = [await _try_create(web, f"inc-{i}") for i in range(21)]
        assert created[:20] == [True] * 20 and created[20] is False


async def _try_create(web: AsyncWebClient, name: str) -> bool:
    try:
        await web.conversations_create(name=name)
    except SlackApiError as err:
        assert err.response["error"] == "ratelimited"
        return False
    return True
