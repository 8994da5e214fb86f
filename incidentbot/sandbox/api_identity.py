"""Web API methods about who is who: auth.test, apps.connections.open, users.*."""

from __future__ import annotations

from .apicall import ApiCall, Method
from .errors import SlackError
from .models import Json


def auth_test(call: ApiCall) -> Json:
    ws = call.ws
    return {
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def connections_open(call: ApiCall) -> Json:
    """A single-use WebSocket URL on whatever host the caller reached us by."""
    ticket = call.sandbox.hub.issue_ticket()
    return {"url": f"ws://{call.host}/socket?ticket={ticket}&app_id={call.ws.app_id}"}


def users_info(call: ApiCall) -> Json:
    user = call.user()
    body: Json = {"user": user.to_api(call.ws.team_id)}
    if call.params.flag("include_locale"):
        body["user"]["locale"] = "en-US"
    return body


def users_lookup_by_email(call: ApiCall) -> Json:
    user = call.ws.user_by_email(call.params.text("email") or "")
    if user is None or user.deleted:
        raise SlackError("users_not_found")
    return {"user": user.to_api(call.ws.team_id)}


METHODS: dict[str, Method] = {
    "auth.test": Method(auth_test, None, tier=4),
    "apps.connections.open": Method(connections_open, None, tier=1, for_app_token=True),
    "users.info": Method(users_info, "users:read", tier=4),
    "users.lookupByEmail": Method(users_lookup_by_email, "users:read.email", tier=3),
}
