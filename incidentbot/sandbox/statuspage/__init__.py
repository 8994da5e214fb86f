"""A local Statuspage.io for tests and demos: the v1 API's shapes, faults and a control API, on aiohttp alone.

The bot reaches it through ordinary configuration (STATUSPAGE_API_URL, STATUSPAGE_API_KEY,
STATUSPAGE_PAGE_ID); nothing here imports the rest of incidentbot, and of the Slack sandbox it shares
only the control-client base (`incidentbot.sandbox.control_client`).
"""

from .client import StatuspageControl, StatuspageControlError
from .server import StatuspageServer, serve

__all__ = ["StatuspageControl", "StatuspageControlError", "StatuspageServer", "serve"]
