"""``incidentbot statuspage map|unmap|list``: which Statuspage component stands for each service."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from incidentbot.admin.jobs import database
from incidentbot.db import statuspage
from incidentbot.settings import Settings

__all__ = ["list_all", "map_service", "unmap"]


def _run(settings: Settings, action: Any) -> int:
    async def main() -> int:
        async with database(settings) as conn:
            return int(await action(conn))

    return asyncio.run(main())


def map_service(settings: Settings, *, service: str, component_id: str) -> int:
    if settings.services and service not in settings.services:
        print(f"incidentbot: {service!r} is not in SERVICES ({', '.join(settings.services)})")
        return 2
    if not component_id.strip() or len(component_id) > 64:
        print("incidentbot: give the component's id, as Statuspage shows it (e.g. `8kbf7d35c070`)")
        return 2

    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        await statuspage.map_component(conn, service=service, component_id=component_id.strip())
        print(f"{service} → Statuspage component {component_id.strip()}")
        return 0

    return _run(settings, action)


def unmap(settings: Settings, *, service: str) -> int:
    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        if not await statuspage.unmap(conn, service=service):
            print(f"incidentbot: {service!r} is not mapped; `incidentbot statuspage list` shows the mapping")
            return 1
        print(f"{service} is no longer mapped to a Statuspage component")
        return 0

    return _run(settings, action)


def list_all(settings: Settings) -> int:
    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        mapping = await statuspage.list_components(conn)
        if not mapping:
            print("No services are mapped. `incidentbot statuspage map SERVICE COMPONENT_ID` adds one.")
        for service, component in mapping:
            print(f"{service} → {component}")
        return 0

    return _run(settings, action)
