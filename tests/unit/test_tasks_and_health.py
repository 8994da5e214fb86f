import asyncio

import pytest

from incidentbot.health import CheckFailedError, Readiness
from incidentbot.tasks import TaskTracker, TrackerClosedError


async def test_drain_lets_running_work_finish() -> None:
    tracker = TaskTracker()
    finished: list[str] = []

    async def work() -> None:
        await asyncio.sleep(0.05)
        finished.append("done")

    tracker.spawn(work(), name="w")
    assert await tracker.drain(timeout=2) == 0
    assert finished == ["done"]


async def test_drain_cancels_what_outlives_the_budget_and_refuses_new_work() -> None:
    tracker = TaskTracker()
    tracker.spawn(asyncio.sleep(10), name="slow")
    assert await tracker.drain(timeout=0.05) == 1
    with pytest.raises(TrackerClosedError):
        tracker.spawn(asyncio.sleep(0), name="late")


async def test_readiness_names_each_failing_check() -> None:
    readiness = Readiness(timeout=0.05)

    async def ok() -> str:
        return "fine"

    async def down() -> str:
        raise CheckFailedError("no database connection within 1s")

    async def hangs() -> str:
        await asyncio.sleep(1)
        return "never"

    readiness.add("slack_socket", ok)
    readiness.add("database", down)
    readiness.add("slack_auth", hangs)
    readiness.starting = False
    report = (await readiness.report()).as_dict()
    assert report["status"] == "not ready"
    assert report["failing"] == ["database", "slack_auth"]
    checks = report["checks"]
    assert isinstance(checks, dict)
    assert checks["database"]["detail"] == "no database connection within 1s"
    assert checks["slack_auth"]["detail"].startswith("no answer within")
    assert checks["slack_socket"]["ok"] is True


async def test_draining_is_not_ready_even_when_checks_pass() -> None:
    readiness = Readiness()

    async def ok() -> str:
        return "fine"

    readiness.add("x", ok)
    assert (await readiness.report()).as_dict()["status"] == "starting"  # until start-up says it is done
    readiness.starting = False
    assert (await readiness.report()).ready
    readiness.draining = True
    report = await readiness.report()
    assert not report.ready and report.as_dict()["status"] == "draining"


async def test_a_probe_that_began_during_start_up_does_not_report_ready() -> None:
    """Start-up can finish while a probe waits on a slow check; that probe saw an incomplete list."""
    readiness = Readiness()

    async def slow() -> str:
        await asyncio.sleep(0.05)
        return "fine"

    readiness.add("database", slow)
    probe = asyncio.create_task(readiness.report())
    await asyncio.sleep(0.01)
    readiness.add("slack_socket", slow)
    readiness.starting = False
    report = await probe
    assert not report.ready and report.as_dict()["status"] == "starting"
    assert (await readiness.report()).ready


async def test_a_failing_optional_check_is_degraded_but_the_bot_stays_ready() -> None:
    """An outage of an optional integration (Statuspage) must not take the bot out of service."""
    readiness = Readiness()

    async def ok() -> str:
        return "fine"

    async def down() -> str:
        raise CheckFailedError("Statuspage not reachable: HTTP 503")

    readiness.add("database", ok)
    readiness.add("statuspage", down, optional=True)
    readiness.starting = False
    report = await readiness.report()
    body = report.as_dict()
    assert report.ready and body["status"] == "ready"
    assert body["failing"] == [] and body["degraded"] == ["statuspage"]
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["statuspage"] == {
        "ok": False,
        "optional": True,
        "latency_ms": checks["statuspage"]["latency_ms"],
        "detail": "Statuspage not reachable: HTTP 503",
    }
    assert checks["database"]["optional"] is False

    readiness.add("database", down)  # a required check failing still makes it not ready
    body = (await readiness.report()).as_dict()
    assert body["status"] == "not ready" and body["failing"] == ["database"] and body["degraded"] == ["statuspage"]
