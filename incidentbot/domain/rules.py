"""The rules: who may do what, which states follow which, where news goes, how channels are named."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from incidentbot.domain.errors import InvalidInputError, InvalidTransitionError, PermissionDeniedError
from incidentbot.domain.models import Account, Incident, Role, Severity, Status
from incidentbot.domain.text import echo, fold, is_blank, normalize, one_line, user_reference

__all__ = [
    "DM_THROTTLE",
    "MAX_TITLE_LENGTH",
    "Action",
    "Route",
    "RoutingConfig",
    "archive_due",
    "archive_warning_due",
    "authorize",
    "channel_name",
    "check_assignable",
    "check_transition",
    "dm_allowed",
    "job_retry_delay",
    "may_see",
    "parse_role",
    "parse_severity",
    "parse_status",
    "private_refusal",
    "reminder_due",
    "route_for",
    "validate_text",
    "validate_title",
]

MAX_TITLE_LENGTH = 100
MAX_TEXT_LENGTH = 3000
MAX_CHANNEL_NAME = 80
DM_THROTTLE = timedelta(minutes=5)


class Action(enum.StrEnum):
    """Things people do to an incident. Commander-only ones are marked in ``_COMMANDER_ONLY``."""

    STATUS = "change the status"
    UPDATE = "post an update"
    SEVERITY = "change the severity"
    COMMANDER = "hand off the commander role"
    ROLE = "assign a role"
    NOTE = "add a note"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    SNOOZE_REMINDERS = "snooze the update reminders"


_COMMANDER_ONLY = frozenset({Action.STATUS, Action.SEVERITY, Action.ROLE, Action.RESOLVE, Action.REOPEN})
# The people running the response (commander, comms, scribe); a bystander must not silence the nudges.
_RESPONDERS_ONLY = frozenset({Action.SNOOZE_REMINDERS})


def authorize(action: Action, *, actor: str, incident: Incident, admins: Collection[str]) -> None:
    """Raise PermissionDeniedError, naming who can, unless ``actor`` may do ``action`` now."""
    if actor in admins:
        return
    commander = incident.commander_id
    who = f"the incident commander (<@{commander}>)" if commander else "the incident commander"
    if action is Action.COMMANDER:
        if commander is None or actor == commander:
            return
    elif action in _RESPONDERS_ONLY:
        if actor in (commander, incident.comms_id, incident.scribe_id):
            return
        who = f"{who}, the comms and scribe roles"
    elif action not in _COMMANDER_ONLY or actor == commander:
        return
    raise PermissionDeniedError(
        f"Only {who} or an incident admin can {action.value} on {incident.reference}.", action=action.name.lower()
    )


def check_assignable(account: Account, *, user_id: str, role: str) -> None:
    """Only a person in the workspace can lead or help: never a bot, Slackbot or a deactivated user."""
    if account is Account.BOT:
        raise InvalidInputError(
            f"{user_reference(user_id)} is a bot, and a bot cannot be the {role}. Mention a person instead."
        )
    if account is not Account.PERSON:
        raise InvalidInputError(
            f"I can't find {user_reference(user_id)} in this workspace. Mention someone who is, for the {role}."
        )


def may_see(
    incident: Incident, *, actor: str, admins: Collection[str], asked_in: str | None = None, member: bool = False
) -> bool:
    """Whether ``actor`` may see ``incident`` at all (in lists, info, timeline, or to act on it).

    A private incident shows only to its commander, incident admins and the members of its channel:
    ``member`` is Slack's answer, and a command typed in the channel itself (``asked_in``) comes from
    a member, since Slack lets only members type in a private channel. Before the channel exists,
    its members-to-be are the declarer and the commander.
    """
    if not incident.private or actor in admins or actor == incident.commander_id:
        return True
    if incident.channel_id is None:
        return actor == incident.declared_by
    return member or asked_in == incident.channel_id


def private_refusal(incident: Incident) -> PermissionDeniedError:
    """What a non-member hears about a private incident: that it is private and whom to ask, nothing else."""
    who = f"its commander, <@{incident.commander_id}>," if incident.commander_id else "an incident admin"
    return PermissionDeniedError(
        f"{incident.reference} is a private incident. Ask {who} to add you to its channel if you need to follow it.",
        action="see_private",
    )


def check_transition(current: Status, new: Status) -> None:
    """Forward, skipping states if need be; never back (reopen is its own action)."""
    if new is current:
        raise InvalidTransitionError(f"The incident is already *{current.value}*.")
    if current is Status.RESOLVED:
        raise InvalidTransitionError("The incident is resolved. Use `/incident reopen` first.")
    if new is Status.DECLARED or new.order < current.order:
        raise InvalidTransitionError(
            f"An incident cannot go back from *{current.value}* to *{new.value}*. "
            f"Next states: {', '.join(s.value for s in Status if s.order > current.order)}."
        )


def parse_severity(text: str) -> Severity:
    word = fold(normalize(text)).upper()
    try:
        return Severity(word)
    except ValueError:
        raise InvalidInputError(
            f"`{echo(text, 10)}` is not a severity. Use P1, P2, P3 or P4 (P1 is the most severe)."
        ) from None


def parse_status(text: str) -> Status:
    word = fold(normalize(text))
    try:
        return Status(word)
    except ValueError:
        choices = ", ".join(s.value for s in Status if s is not Status.DECLARED)
        raise InvalidInputError(f"`{echo(text, 20)}` is not a status. Use one of: {choices}.") from None


def parse_role(text: str) -> Role:
    """A supporting role by name; the commander role is handed off with its own command."""
    word = fold(normalize(text))
    try:
        role = Role(word)
    except ValueError:
        role = None
    if role is None:
        raise InvalidInputError(f"`{echo(text, 20)}` is not a role. Use comms or scribe.")
    if role is Role.COMMANDER:
        raise InvalidInputError("Use `/incident commander @someone` to hand off the commander role.")
    return role


def validate_title(text: str) -> str:
    """One line, something visible in it, at most MAX_TITLE_LENGTH characters once normalized."""
    if not normalize(text):
        raise InvalidInputError("An incident needs a title, e.g. `/incident declare P2 Checkout errors`.")
    title = one_line(text)
    if is_blank(title):
        raise InvalidInputError(
            "That title has nothing visible in it (only blank or invisible characters). "
            "Type a title people can read, e.g. `/incident declare P2 Checkout errors`."
        )
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInputError(
            f"That title is {len(title)} characters; keep it to {MAX_TITLE_LENGTH} and put details in the description."
        )
    return title


def validate_text(text: str, *, what: str, required: bool = True) -> str:
    """An update, note or summary: line breaks kept; "" when optional and nothing visible was typed."""
    cleaned = normalize(text)
    if is_blank(cleaned):
        if not required:
            return ""
        raise InvalidInputError(f"The {what} is empty. Type it after the command.")
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise InvalidInputError(f"That {what} is {len(cleaned)} characters; keep it under {MAX_TEXT_LENGTH}.")
    return cleaned


def _slug(title: str, budget: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:budget].rstrip("-")


def channel_name(*, day: date, number: int, title: str, attempt: int = 0) -> str:
    """``inc-YYYYMMDD-N-slug``, valid under Slack's rules for any title; ``attempt`` adds a suffix after name_taken."""
    base = f"inc-{day:%Y%m%d}-{number}"
    suffix = f"-{attempt + 1}" if attempt else ""
    budget = MAX_CHANNEL_NAME - len(base) - len(suffix) - 1
    slug = _slug(title, budget)
    return f"{base}-{slug}{suffix}" if slug else f"{base}{suffix}"


@dataclass(frozen=True)
class RoutingConfig:
    notify_channels: Mapping[Severity, Sequence[str]]
    p1_users: Sequence[str]


@dataclass(frozen=True)
class Route:
    """Where news of an incident goes besides its own channel."""

    channels: tuple[str, ...]
    dm_users: tuple[str, ...]


def route_for(severity: Severity, config: RoutingConfig, *, private: bool = False) -> Route:
    """A private incident is announced nowhere; its P1 pages still go out (and say nothing of it)."""
    channels = () if private else tuple(dict.fromkeys(config.notify_channels.get(severity, ())))
    users = tuple(dict.fromkeys(config.p1_users)) if severity is Severity.P1 else ()
    return Route(channels=channels, dm_users=users)


def dm_allowed(last_sent: datetime | None, now: datetime) -> bool:
    """At most one DM per person per incident in DM_THROTTLE."""
    return last_sent is None or now - last_sent >= DM_THROTTLE


JOB_RETRY_BASE = timedelta(seconds=2)
JOB_RETRY_CAP = timedelta(minutes=10)


def job_retry_delay(attempt: int, *, jitter: float) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s… capped at 10 minutes, scaled by ``jitter`` in [0.5, 1].

    The jitter spreads retries of jobs that failed together (a Slack outage) so they do not return
    together.
    """
    exponent = min(max(attempt - 1, 0), 20)
    delay: timedelta = min(JOB_RETRY_BASE * (2**exponent), JOB_RETRY_CAP)
    return delay * min(max(jitter, 0.5), 1.0)


def _archive_time(incident: Incident, after_days: int) -> datetime | None:
    if after_days <= 0 or incident.status.is_open or incident.resolved_at is None or incident.archived_at:
        return None
    return incident.resolved_at + timedelta(days=after_days)


def archive_due(incident: Incident, *, now: datetime, after_days: int) -> bool:
    """Resolved more than ``after_days`` ago and not archived yet (never an open or reopened incident)."""
    when = _archive_time(incident, after_days)
    return when is not None and now >= when


def archive_warning_due(incident: Incident, *, now: datetime, after_days: int, warning_hours: float) -> bool:
    """Inside the heads-up window before archiving, and not warned yet."""
    when = _archive_time(incident, after_days)
    if when is None or warning_hours <= 0 or incident.archive_warned_at is not None:
        return False
    return when - timedelta(hours=warning_hours) <= now < when


def reminder_due(incident: Incident, *, now: datetime, minutes: int) -> bool:
    """An open incident with no update for ``minutes``, not reminded in that time, not snoozed."""
    if minutes <= 0 or not incident.status.is_open:
        return False
    if incident.snoozed_until is not None and now < incident.snoozed_until:
        return False
    quiet_since = max(incident.last_update_at, incident.reminded_at or incident.last_update_at)
    return now - quiet_since >= timedelta(minutes=minutes)
