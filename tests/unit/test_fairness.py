"""Work shared fairly between people: round-robin slots, a bounded backlog, a per-person limit."""

from __future__ import annotations

import asyncio

import pytest

from incidentbot.slack.fairness import BacklogFullError, FairSlots, PerUserRateLimit


async def test_waiting_work_is_served_round_robin_by_person() -> None:
    slots = FairSlots(1, max_waiting=100)
    order: list[str] = []
    gate = asyncio.Event()

    async def hold() -> None:
        async with slots.slot("bob"):
            await gate.wait()

    async def job(user: str, n: int) -> None:
        async with slots.slot(user):
            order.append(f"{user}{n}")

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    # Bob floods first, then Alice and Carol ask once each.
    tasks = [asyncio.create_task(job("bob", i)) for i in range(5)]
    tasks += [asyncio.create_task(job("alice", 0)), asyncio.create_task(job("carol", 0))]
    await asyncio.sleep(0)
    assert slots.waiting == 7
    gate.set()
    await asyncio.gather(holder, *tasks)
    assert order[:3] == ["bob0", "alice0", "carol0"]  # not behind bob's whole flood
    assert order[3:] == ["bob1", "bob2", "bob3", "bob4"]
    assert slots.waiting == 0


async def test_the_backlog_is_bounded() -> None:
    slots = FairSlots(1, max_waiting=2)
    gate = asyncio.Event()

    async def wait_in_line() -> None:
        async with slots.slot("bob"):
            await gate.wait()

    running = [asyncio.create_task(wait_in_line()) for _ in range(3)]  # one runs, two wait
    await asyncio.sleep(0)
    with pytest.raises(BacklogFullError):
        async with slots.slot("alice"):
            pass
    gate.set()
    await asyncio.gather(*running)
    async with slots.slot("alice"):  # room again
        assert slots.waiting == 0


async def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    slots = FairSlots(1, max_waiting=10)
    gate = asyncio.Event()
    served: list[str] = []

    async def hold() -> None:
        async with slots.slot("bob"):
            await gate.wait()

    async def job(user: str) -> None:
        async with slots.slot(user):
            served.append(user)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    doomed, alice = asyncio.create_task(job("carol")), asyncio.create_task(job("alice"))
    await asyncio.sleep(0)
    doomed.cancel()
    await asyncio.sleep(0)
    assert slots.waiting == 1
    gate.set()
    await asyncio.gather(holder, alice)
    assert served == ["alice"]
    async with slots.slot("dave"):  # the slot came back: nothing leaked
        pass


def test_each_person_may_send_the_limit_in_any_minute_and_no_more() -> None:
    now = [0.0]
    limit = PerUserRateLimit(3, clock=lambda: now[0])
    for moment in (0.0, 10.0, 20.0):
        now[0] = moment
        assert limit.allow("bob")
    assert not limit.allow("bob")  # the fourth within a minute
    assert limit.allow("alice")  # someone else is not held back
    now[0] = 59.9
    assert not limit.allow("bob")
    now[0] = 60.0  # the first one has left the window: room for exactly one
    assert limit.allow("bob") and not limit.allow("bob")


def test_zero_turns_the_limit_off() -> None:
    limit = PerUserRateLimit(0)
    assert all(limit.allow("bob") for _ in range(1000))
