"""One person's flood is limited with a friendly answer, and does not keep others waiting."""

from __future__ import annotations

import asyncio

import pytest

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, BOB, GENERAL, visible_text
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import DaemonFactory, eventually

pytestmark = pytest.mark.resilience


async def test_a_flood_from_one_person_is_limited_and_everyone_is_still_answered_once(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon: DaemonChild = await start_daemon(
        sandbox=sandbox, database_url=database_url, extra={"RATE_LIMIT_PER_MINUTE": "10"}
    )
    await daemon.wait_ready()
    flood = [slack.slash("help", user=BOB, channel=GENERAL) for _ in range(15)]
    acks = await asyncio.gather(*flood, slack.slash("help", user=ALICE, channel=GENERAL))
    assert all(a["attempts"] == 1 for a in acks)  # every envelope acked at once, limited or not

    async def answers(user: str, count: int) -> list[str]:
        texts = [visible_text(m) for m in await slack.ephemerals(user)]
        return texts if len(texts) >= count else []

    bob = await eventually(lambda: answers(BOB, 15))
    limited = [t for t in bob if "my limit per person" in t]
    assert len(bob) == 15 and len(limited) == 5  # one answer each: 10 served, 5 told why not
    assert "10 commands in the last minute" in limited[0]
    (alice,) = await eventually(lambda: answers(ALICE, 1))
    assert "my limit" not in alice  # someone else is not held back
    metrics = await daemon.metrics()
    assert 'incidentbot_commands_total{command="command:help",outcome="rate_limited"} 5.0' in metrics
    assert "incidentbot_work_waiting 0.0" in metrics
