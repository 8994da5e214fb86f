"""A local Slack for tests and demos: Web API, Socket Mode and a control API, on aiohttp alone.

The bot reaches it through ordinary configuration (`AsyncWebClient(base_url=server.api_url)` and
the tokens below); nothing here imports the rest of incidentbot.
"""

from .client import SandboxClient, SandboxControlError
from .server import SandboxServer, serve

__all__ = ["SandboxClient", "SandboxControlError", "SandboxServer", "serve"]
