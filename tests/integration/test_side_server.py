"""What the side server tells anyone who can reach it (it listens on 0.0.0.0 by default)."""

from __future__ import annotations

import json

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, BOB, CAROL, DAVE, ERIN, GENERAL, INCIDENTS, SRE, Workspace
from tests.integration.conftest import declare, eventually

TITLE = "Quokka ledger meltdown"
UPDATE = "zanzibar failover rehearsed"


async def test_metrics_and_ready_name_no_person_channel_or_incident(bot: DaemonChild, ws: Workspace) -> None:
    """Labels and check details are fixed vocabularies; any id, name or title there would leak to scrapers."""
    channel = await declare(ws, f"P1 {TITLE}", user=ALICE)  # from #general: announced in #sre, pages on-call
    await ws.message_with(SRE, TITLE)
    await ws.run(f"update {UPDATE}", user=ALICE, channel=channel["id"])
    await ws.message_with(channel["id"], UPDATE)

    async def update_counted() -> str | None:
        metrics = await bot.metrics()
        return metrics if 'command="command:update",outcome="ok"' in metrics else None

    metrics = await eventually(update_counted)
    status, ready = await bot.get("/ready")
    assert status == 200
    exposed = metrics + json.dumps(ready)

    people = [ALICE, BOB, CAROL, DAVE, ERIN, "U0BOT"]
    channels = [GENERAL, INCIDENTS, SRE, channel["id"], channel["name"], channel["name"].split("-", 3)[-1]]
    words = [TITLE, TITLE.lower(), "quokka", "Quokka", UPDATE, "zanzibar"]
    leaked = [value for value in people + channels + words if value in exposed]
    assert leaked == [], f"/metrics or /ready exposes {leaked}"
