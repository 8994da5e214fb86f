"""The scripted incident the demo plays, through the sandbox, as the people in the workspace would."""

from __future__ import annotations

from typing import Any

from incidentbot.demo.render import render_message, render_text
from incidentbot.demo.workspace import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    GENERAL,
    INCIDENTS,
    SRE,
    StepFailedError,
    Workspace,
    visible_text,
)
from incidentbot.sandbox.statuspage import StatuspageControl

__all__ = ["DEMO_SETTINGS", "play"]

NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave"}

# How the demo's incidentbot is configured: who is paged and where news goes.
DEMO_SETTINGS = {
    "NOTIFY_CHANNELS_P1": SRE,
    "NOTIFY_CHANNELS_P2": INCIDENTS,
    "P1_USERS": f"{CAROL},{DAVE}",
    "SERVICES": "checkout,payments,search",
    "SERVICE_OWNERS": '{"checkout": ["U0BOB"]}',
}


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _names(ws: Workspace) -> dict[str, str]:
    """User and channel ids to the names people see."""
    info = await ws.slack.info()
    names = {str(u["id"]): str(u["name"]) for u in info.get("users", [])} | {"U0BOT": "incidentbot"}
    names |= {str(c["id"]): str(c["name"]) for c in await ws.slack.channels()}
    return names


def _show(title: str, messages: list[dict[str, Any]], names: dict[str, str]) -> None:
    _say(f"  ┌ {title}")
    for message in messages:
        who = names.get(str(message.get("user")), "someone")
        thread = " (in thread)" if message.get("thread_ts") and message.get("thread_ts") != message.get("ts") else ""
        _say(f"  │ {who}{thread}:")
        _say(render_message(message, width_indent="  │   ", names=names))
    _say("  └")


async def _declare_with_the_modal(ws: Workspace) -> dict[str, Any]:
    _say("▶ alice types `/incident declare` in #general; the declare form opens")
    await ws.run("declare", user=ALICE, channel=GENERAL)

    async def open_view() -> dict[str, Any] | None:
        views = await ws.slack.views(ALICE, open_only=True)
        return views[-1] if views else None

    view = await ws.wait(open_view, what="the declare modal")
    _say(f"  the form: {view['title']['text']!r} with {len(view['blocks'])} fields")
    _say("▶ alice fills it in (title, P2, service checkout) and presses Declare")
    result = await ws.slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": "Checkout errors after deploy"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "P2"}}},
            "service": {"service": {"type": "static_select", "selected_option": {"value": "checkout"}}},
            "description": {"description": {"type": "plain_text_input", "value": "5xx on /checkout since 14:02"}},
        },
    )
    if not result.get("acked"):
        raise StepFailedError(f"the form submission was not acked: {result}")
    channel = await ws.incident_channel(1)
    reply = await ws.reply_to(ALICE, "#1")
    _say(f"  alice is told: {render_text(visible_text(reply).splitlines()[0], await _names(ws))}")
    return channel


async def _open_view(ws: Workspace, user: str, callback: str) -> dict[str, Any] | None:
    for view in reversed(await ws.slack.views(user, open_only=True)):
        if view.get("callback_id") == callback:
            return dict(view)
    return None


async def _publish(ws: Workspace, *, user: str, channel: str, title: str, message: str, opened_by: str) -> None:
    """Open the status page form, write for customers, look at the preview, press Publish."""
    if opened_by == "command":
        await ws.run("statuspage", user=user, channel=channel)
    form = await ws.wait(lambda: _open_view(ws, user, "statuspage_publish"), what="the status page form")
    message_block = next(b["block_id"] for b in form["blocks"] if str(b.get("block_id")).startswith("public_message:"))
    start = next(b for b in form["blocks"] if b.get("block_id") == message_block)["element"]["initial_value"]
    _say(f"  the form starts from neutral wording: “{start}”")
    await ws.slack.submit_view(
        user=user,
        view_id=form["id"],
        values={
            "public_title": {"public_title": {"type": "plain_text_input", "value": title}},
            message_block: {"public_message": {"type": "plain_text_input", "value": message}},
        },
    )
    preview = await ws.wait(lambda: _open_view(ws, user, "statuspage_confirm"), what="the preview")
    _say("  the preview shows exactly what customers will read; Publish sends it")
    await ws.slack.submit_view(user=user, view_id=preview["id"])


async def _customers_see(page: StatuspageControl, updates: int) -> list[dict[str, Any]] | None:
    incidents = await page.incidents()
    return incidents if incidents and len(incidents[0]["updates"]) >= updates else None


async def play(ws: Workspace, public_page: StatuspageControl) -> None:
    """Declare, update, publish, escalate, hand off, note, resolve, timeline; print what people see."""
    channel = await _declare_with_the_modal(ws)
    cid = channel["id"]
    await ws.message_with(INCIDENTS, "Checkout errors")
    _say(f"  channel #{channel['name']} created; members: {len(channel['members'])}")
    await ws.message_with(cid, "Customers see nothing until someone")
    _say("  the bot asks alice, the commander, to decide what customers are told (P2 meets the threshold)")

    _say("▶ alice opens `/incident statuspage` and writes for customers")
    await _publish(
        ws,
        user=ALICE,
        channel=cid,
        title="Checkout errors",
        message="Some customers cannot complete checkout. We are working on a fix.",
        opened_by="command",
    )
    await ws.message_with(cid, "Published on the status page by")

    _say("▶ bob (owner of checkout) posts an update in the incident channel")
    await ws.run("update rolling back release 2026.11.23-3", user=BOB, channel=cid)
    await ws.message_with(cid, "rolling back")

    _say("▶ alice escalates to P1: #sre-leads is told and the on-call people are paged")
    await ws.run("severity P1", user=ALICE, channel=cid)
    await ws.message_with(SRE, "Checkout errors")
    await ws.wait(lambda: ws.dms(CAROL), what="carol's page")

    _say("▶ alice hands the commander role to bob")
    await ws.run(f"commander <@{BOB}>", user=ALICE, channel=cid)
    await ws.wait(lambda: ws.dms(BOB), what="bob told he is commander")

    _say("▶ carol, paged, joins the channel and adds a note")
    await ws.slack.join(cid, user=CAROL)
    await ws.run("note error rate back under 0.1% after rollback", user=CAROL, channel=cid)
    await ws.message_with(cid, "error rate back")

    _say("▶ bob resolves it; the bot offers (does not perform) the public resolution")
    await ws.run("resolve rolled back; fix forward tomorrow", user=BOB, channel=cid)
    await ws.message_with(INCIDENTS, "rolled back; fix forward")
    offer = await ws.message_with(cid, "customers still see it as")
    button = next(e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])
    _say("▶ bob presses Publish the resolution")
    await ws.slack.click(user=BOB, channel=cid, message_ts=offer["ts"], action_id=button["action_id"])
    await _publish(
        ws,
        user=BOB,
        channel=cid,
        title="Checkout errors",
        message="Checkout works normally again. We are sorry for the trouble.",
        opened_by="button",
    )
    (public,) = await ws.wait(lambda: _customers_see(public_page, 2), what="the public resolution")

    _say("▶ alice asks for the timeline (shown in her timezone, America/New_York)")
    await ws.run("timeline", user=ALICE, channel=cid)
    timeline = await ws.reply_to(ALICE, "resolve")
    _say()

    names = await _names(ws)
    channel = await ws.channel(cid)
    _say(f"#{channel['name']}  (topic: {render_text(channel['topic'], names)})")
    _show("pinned summary", [await ws.summary(cid)], names)
    _show(f"#{channel['name']}", [m for m in await ws.messages(cid) if m["ts"] not in channel["pins"]], names)
    _show("#incidents", [m for m in await ws.messages(INCIDENTS) if "Checkout" in visible_text(m)], names)
    _show("#sre-leads", [m for m in await ws.messages(SRE) if "Checkout" in visible_text(m)], names)
    for user in (CAROL, DAVE, BOB, ALICE):
        dms = await ws.dms(user)
        if dms:
            _show(f"DM to {NAMES[user]}", dms, names)
    _show("alice's timeline (only visible to her)", [timeline], names)
    _say("  ┌ the public status page (what customers see)")
    _say(f"  │ {public['name']}: {public['status']}")
    for update in reversed(public["updates"]):
        _say(f"  │   {update['status']}: {update['body']}")
    _say("  └")
