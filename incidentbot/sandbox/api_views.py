"""Web API methods on views: views.open, views.push, views.update, views.publish."""

from __future__ import annotations

from . import rules
from .apicall import ApiCall, Method
from .blockkit import with_ids
from .errors import SlackError
from .models import Json, Trigger, View


def _definition(call: ApiCall, *, kind: str, current: View | None = None) -> Json:
    """The checked `view` argument, with Slack's generated block and action ids filled in."""
    view = rules.check_view(call.params.structured("view"), kind=kind)
    external_id = view.get("external_id")
    if external_id:
        holder = call.ws.view_by_external_id(str(external_id))
        if holder is not None and holder is not current:
            raise SlackError("duplicate_external_id")
    return {**view, "blocks": with_ids(view.get("blocks") or [], call.ws.ids.short_id)}


def _trigger(call: ApiCall) -> Trigger:
    trigger_id = call.params.text("trigger_id") or call.params.text("interactivity_pointer")
    if not trigger_id:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
    return call.ws.exchange_trigger(trigger_id, call.sandbox.config.trigger_ttl)


def open_view(call: ApiCall) -> Json:
    definition = _definition(call, kind="modal")
    trigger = _trigger(call)
    return {"view": call.ws.open_modal(trigger.user_id, definition).to_api()}


def push_view(call: ApiCall) -> Json:
    definition = _definition(call, kind="modal")
    trigger = _trigger(call)
    return {"view": call.ws.push_modal(trigger.user_id, definition).to_api()}


def update_view(call: ApiCall) -> Json:
    view_id, external_id = call.params.text("view_id"), call.params.text("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments", messages=["[ERROR] view_id or external_id is required"])
    view = call.ws.views.get(view_id) if view_id else call.ws.view_by_external_id(str(external_id))
    if view is None or not view.is_open:
        raise SlackError("not_found")
    expected = call.params.text("hash")
    if expected and expected != view.hash:
        raise SlackError("hash_conflict")
    definition = _definition(call, kind=view.type, current=view)
    if view.external_id and not definition.get("external_id"):
        definition["external_id"] = view.external_id  # kept unless the update names a new one
    return {"view": call.ws.replace_view(view, definition).to_api()}


def publish_view(call: ApiCall) -> Json:
    user = call.user("user_id")
    definition = _definition(call, kind="home")
    current = call.ws.home_views.get(user.id)
    expected = call.params.text("hash")
    if current is not None and expected and expected != call.ws.views[current].hash:
        raise SlackError("hash_conflict")
    return {"view": call.ws.publish_home(user.id, definition).to_api()}


METHODS: dict[str, Method] = {
    "views.open": Method(open_view, None, tier=4),
    "views.push": Method(push_view, None, tier=4),
    "views.update": Method(update_view, None, tier=4),
    "views.publish": Method(publish_view, None, tier=4),
}
