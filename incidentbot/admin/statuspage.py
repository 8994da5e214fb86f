"""``incidentbot statuspage map|unmap|list``: which Statuspage component stands for each service."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import psycopg

from incidentbot.admin.jobs import database
from incidentbot.db import statuspage
from incidentbot.services.ports import StatusPageError
from incidentbot.settings import Settings

__all__ = ["list_all", "map_service", "unmap"]


def _run(settings: Settings, action: Any) -> int:
    async def main() -> int:
        async with database(settings) as conn:
            return int(await action(conn))

    return asyncio.run(main())


PageComponents = Callable[[Settings], Coroutine[Any, Any, dict[str, str]]]


def map_service(settings: Settings, *, service: str, component_id: str, page_components: PageComponents) -> int:
    """Map a service to a component the page really has (``page_components`` asks the page)."""
    component_id = component_id.strip()
    if settings.services and service not in settings.services:
        print(f"incidentbot: {service!r} is not in SERVICES ({', '.join(settings.services)})")
        return 2
    if not component_id or len(component_id) > 64:
        print("incidentbot: give the component's id, as Statuspage shows it (e.g. `8kbf7d35c070`)")
        return 2
    if not settings.statuspage_enabled:
        print("incidentbot: Statuspage is not configured: set STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID first")
        return 2
    try:
        components = asyncio.run(page_components(settings))
    except StatusPageError as exc:
        print(f"incidentbot: could not read the page's components to check the id: {exc.detail}")
        return 1
    if component_id not in components:
        known = ", ".join(f"{cid} ({name})" for cid, name in sorted(components.items())) or "none"
        print(f"incidentbot: the page has no component {component_id!r}. Its components: {known}")
        return 2
    name = components[component_id]

    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        await statuspage.map_component(conn, service=service, component_id=component_id, name=name)
        print(f"{service} → Statuspage component {component_id} ({name})")
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
