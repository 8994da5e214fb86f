"""Shared wording and formatting: how severities, states, people, times and durations read in Slack."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidentbot.domain.models import Severity, Status
from incidentbot.domain.text import ELLIPSIS, escape_within, is_user_id
from incidentbot.domain.text import escape_mrkdwn as escape

__all__ = [
    "ELLIPSIS",
    "channel_mention",
    "escape",
    "escape_within",
    "format_duration",
    "format_when",
    "mention",
    "severity_label",
    "slack_date",
    "status_label",
    "truncate",
    "zone_label",
]

_SEVERITY_EMOJI = {
    Severity.P1: ":red_circle:",
    Severity.P2: ":large_orange_circle:",
    Severity.P3: ":large_yellow_circle:",
    Severity.P4: ":white_circle:",
}
# Fixed English names: strftime's %a/%b follow the process locale, and the bot's words should not.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Slack ids are upper-case letters and digits; anything else must not be wrapped in <#…> (nor <@…>,
# which also needs a user id's U or W: domain.text.is_user_id).
_SLACK_ID = re.compile(r"[A-Z0-9]+")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS if limit > 0 else ""


def mention(user_id: str | None) -> str:
    """A mention Slack renders as the person's name, or "nobody" in italics."""
    if not user_id:
        return "_nobody_"
    return f"<@{user_id}>" if is_user_id(user_id) else escape(user_id)


def channel_mention(channel_id: str) -> str:
    """``<#C…>``, which Slack shows as the channel's current name, as a link."""
    return f"<#{channel_id}>" if _SLACK_ID.fullmatch(channel_id) else escape(channel_id)


def severity_label(sev: Severity) -> str:
    return f"{_SEVERITY_EMOJI[sev]} {sev.value}"


def status_label(status: Status) -> str:
    return status.value.capitalize()


def _zone(tz_name: str | None) -> ZoneInfo:
    if tz_name:
        try:
            return ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # a profile's zone we cannot load is shown as UTC rather than failing the command
    return ZoneInfo("UTC")


def zone_label(tz_name: str | None) -> str:
    """The name of the zone ``format_when`` will use for ``tz_name``: itself, or UTC when unusable."""
    return _zone(tz_name).key


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def format_when(dt: datetime, tz_name: str | None) -> str:
    """E.g. "Mon 23 Nov 14:05 EST", in the reader's IANA zone (UTC when unknown or invalid)."""
    local = _aware(dt).astimezone(_zone(tz_name))
    zone = local.tzname() or "UTC"
    return f"{_DAYS[local.weekday()]} {local.day:02d} {_MONTHS[local.month - 1]} {local:%H:%M} {zone}"


def slack_date(dt: datetime) -> str:
    """A date Slack shows in each reader's own timezone; the fallback (UTC) is for old clients."""
    aware = _aware(dt)
    fallback = format_when(aware, None)
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def format_duration(delta: timedelta) -> str:
    """The two largest units that are not zero: "1h 23m", "45s", "2d 3h"; negative reads as "0s"."""
    seconds = max(int(delta.total_seconds()), 0)
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount or parts:
            parts.append(f"{amount}{unit}")
    kept = [part for part in parts[:2] if not part.startswith("0")]
    return " ".join(kept) or "0s"
