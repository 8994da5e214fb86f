"""The sandbox's shared parts, kept on the aiohttp application under one typed key."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from .faults import FaultInjector
from .ids import IdFactory
from .ratelimit import RateLimiter
from .socket import SocketHub
from .state import Workspace

DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:manage",
    "channels:read",
    "channels:join",
    "channels:history",
    "groups:write",
    "groups:read",
    "im:write",
    "pins:write",
    "pins:read",
    "reactions:write",
    "users:read",
    "bookmarks:write",
)


@dataclass(frozen=True)
class SandboxConfig:
    bot_token: str
    app_token: str
    verification_token: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    ack_timeout: float = 3.0
    max_retries: int = 3
    trigger_ttl: float = 3.0
    rate_limits: bool = False
    disconnect_delay: float = 2.0
    max_connections: int = 10
    response_url_ttl: float = 1800.0
    response_url_uses: int = 5


class Sandbox:
    """Workspace, Socket Mode hub, faults and rate limits of one running sandbox."""

    def __init__(self, config: SandboxConfig, ids: IdFactory) -> None:
        self.config = config
        self.ids = ids
        self.base_url = ""
        self.workspace = Workspace(ids)
        self.faults = FaultInjector()
        self.limiter = RateLimiter(enabled=config.rate_limits)
        self.hub = SocketHub(
            app_id=self.workspace.app_id,
            ids=ids,
            ack_timeout=config.ack_timeout,
            max_retries=config.max_retries,
            disconnect_delay=config.disconnect_delay,
            max_connections=config.max_connections,
            faults=self.faults,
        )

    def reset(self) -> None:
        """Back to the seed workspace; sockets stay open, statistics and faults are cleared."""
        self.workspace.reset()
        self.faults.clear()
        self.limiter.reset()
        self.hub.reset_stats()
        self.hub.opened_total = len(self.hub.open_connections())


SANDBOX = web.AppKey("sandbox", Sandbox)
