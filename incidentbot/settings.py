"""Configuration: every setting declared once, read once, validated all at once.

Only the CLI touches ``os.environ``; everything else receives a frozen :class:`Settings`. A bad
environment raises one :class:`ConfigError` listing every problem, each naming the variable, what
was wrong and what is expected, so an operator can fix them all in one go. Secrets never appear in
a message or a ``repr``: not a character of a token (a wrong one is named by its public prefix), nor
the credential parts of a URL (userinfo, query, fragment are shown as ``***``).
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

__all__ = ["SETTINGS", "ConfigError", "Secret", "Setting", "Settings", "default_data_dir"]


class Secret:
    """A string that never shows itself in logs, reprs or error messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class ConfigError(Exception):
    """Raised with every configuration problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Invalid(ValueError):
    """A parser's complaint about one value; the caller adds the variable name."""


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("incidentbot", appauthor=False))


# Slack's published token prefixes (api.slack.com/authentication/token-types). A prefix names a kind of
# token and is the same for everyone, so naming it reveals nothing; the characters after it are the
# secret, and none of them is ever shown.
_SLACK_TOKEN_KINDS: Final = (
    ("xoxe.xoxb-", "a rotating bot token (xoxe.xoxb-), which expires after 12 hours"),
    ("xoxe.xoxp-", "a rotating user token (xoxe.xoxp-), which expires after 12 hours"),
    ("xoxe-", "a refresh token (xoxe-)"),
    ("xoxb-", "a bot token (xoxb-)"),
    ("xoxp-", "a user token (xoxp-)"),
    ("xapp-", "an app-level token (xapp-)"),
    ("xoxa-", "a legacy workspace token (xoxa-)"),
    ("xoxc-", "a browser session token (xoxc-)"),
    ("xoxs-", "a legacy session token (xoxs-)"),
)
_OTHER_TOKEN: Final = {"xoxb-": "xapp-", "xapp-": "xoxb-"}


def _token(prefix: str, kind: str) -> Callable[[str], Secret]:
    def parse(raw: str) -> Secret:
        if not raw.startswith(prefix):
            found = next((name for known, name in _SLACK_TOKEN_KINDS if raw.startswith(known)), None)
            if found is None:
                raise _Invalid(f"expected {kind} starting with '{prefix}', got a value that does not start with it")
            other = _OTHER_TOKEN.get(prefix)
            swapped = " (are the two tokens swapped?)" if other and raw.startswith(other) else ""
            raise _Invalid(f"expected {kind} starting with '{prefix}', got what looks like {found}{swapped}")
        if len(raw) <= len(prefix) or any(c.isspace() for c in raw):
            raise _Invalid(f"expected {kind} starting with '{prefix}' with no spaces")
        return Secret(raw)

    return parse


_MASK: Final = "***"


def _mask_url(raw: str) -> str | None:
    """``raw`` with its userinfo, query and fragment masked, or None when it is not a URL one can mask.

    Those are the parts of a URL that carry credentials (``https://user:pw@host/``, ``?api_key=…``).
    """
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - parsing the port raises ValueError for a malformed authority
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{_MASK}@{host}" if "@" in parts.netloc else host
    query = _MASK if parts.query else ""
    fragment = _MASK if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _url_secrets(raw: str) -> list[str]:
    """The parts of a URL that may be credentials, for the log redactor."""
    try:
        parts = urlsplit(raw)
    except ValueError:
        return []
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return [p for p in (userinfo, parts.password, parts.query, parts.fragment) if p]


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_url(raw: str) -> str:
    """An https URL (plain http only to this machine, for the sandbox), always ending in a slash."""
    shown = _mask_url(raw)  # never the raw value: it may hold a password or an API key
    parts = urlsplit(raw) if shown is not None else None
    if parts is None or parts.scheme not in ("http", "https"):
        got = f", got {shown!r}" if shown is not None else ""
        raise _Invalid(f"expected an http(s) URL such as https://slack.com/api/{got}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise _Invalid(
            f"refusing {shown!r}: plain http:// would send credentials unencrypted; use https:// "
            "(http:// is accepted only for this machine: 127.0.0.1, ::1 or localhost)"
        )
    # The client appends method names to the path, so it must end in a slash (after the path, not the query).
    return raw if parts.path.endswith("/") else urlunsplit(parts._replace(path=parts.path + "/"))


def _database_url(raw: str) -> Secret | None:
    if raw == "":
        return None
    scheme = urlsplit(raw).scheme
    if scheme not in ("postgresql", "postgres"):
        raise _Invalid("expected a URL such as postgresql://user:password@host:5432/dbname, or leave it unset")
    return Secret(raw)


def _port(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _Invalid(f"expected a port number between 0 and 65535, got {raw!r}") from None
    if not 0 <= value <= 65535:
        raise _Invalid(f"expected a port number between 0 and 65535, got {value}")
    return value


def _whole(*, minimum: int, maximum: int | None = None, note: str = "") -> Callable[[str], int]:
    """A whole number of at least ``minimum`` (and at most ``maximum``); ``note`` explains a special value."""
    bound = f"of at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
    expected = f"a whole number {bound}{note}"

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _Invalid(f"expected {expected}, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise _Invalid(f"expected {expected}, got {value}")
        return value

    return parse


def _amount(unit: str, example: str, *, zero_allowed: bool = False) -> Callable[[str], float]:
    """A finite number of ``unit`` greater than 0 (or at least 0)."""
    bound = "of at least 0" if zero_allowed else "greater than 0"

    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise _Invalid(f"expected a number of {unit} such as {example}, got {raw!r}") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
            raise _Invalid(f"expected a number of {unit} {bound}, got {raw!r}")
        return value

    return parse


_positive_int = _whole(minimum=1)
_non_negative_int = _whole(minimum=0, note=" (0 turns it off)")
_seconds = _amount("seconds", "25 or 2.5")
_minutes = _amount("minutes", "15 or 0.5")
_hours = _amount("hours", "24 or 0.5", zero_allowed=True)


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise _Invalid(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def _level(raw: str) -> str:
    return _choice("debug", "info", "warning", "error")(raw).upper()


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def _id_list(pattern: re.Pattern[str], kind: str, example: str) -> Callable[[str], tuple[str, ...]]:
    def parse(raw: str) -> tuple[str, ...]:
        items = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
        bad = [i for i in items if not pattern.match(i)]
        if bad:
            shown = ", ".join(repr(b) for b in bad[:3])
            raise _Invalid(
                f"expected comma-separated Slack {kind} IDs such as {example}, got {shown}"
                f" (copy the ID from the {kind}'s profile or details in Slack)"
            )
        return items

    return parse


_user_ids = _id_list(_USER_ID, "user", "U012ABCDEF")
_channel_ids = _id_list(_CHANNEL_ID, "channel", "C012ABCDEF")


def _names(raw: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    bad = [i for i in items if len(i) > 75]
    if bad:
        raise _Invalid(f"expected comma-separated service names of at most 75 characters, got {bad[0][:20]!r}…")
    return items


def _public_text(limit: int) -> Callable[[str], str]:
    """Customer-facing wording: not empty, within what the publish form accepts."""

    def parse(raw: str) -> str:
        if not raw.strip():
            raise _Invalid("expected some text (unset it to keep the built-in wording)")
        if len(raw) > limit:
            raise _Invalid(f"expected at most {limit} characters, got {len(raw)}")
        return raw

    return parse


def _severity(raw: str) -> str:
    value = raw.strip().upper()
    if value not in ("P1", "P2", "P3", "P4"):
        raise _Invalid(f"expected P1, P2, P3 or P4, got {raw!r}")
    return value


def _service_owners(raw: str) -> dict[str, tuple[str, ...]]:
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _Invalid(f'expected a JSON object such as {{"checkout": ["U012ABCDEF"]}}: {exc.msg}') from None
    if not isinstance(data, dict):
        raise _Invalid('expected a JSON object such as {"checkout": ["U012ABCDEF"]}')
    owners: dict[str, tuple[str, ...]] = {}
    for service, users in data.items():
        if not isinstance(users, list) or not all(isinstance(u, str) and _USER_ID.match(u) for u in users):
            raise _Invalid(f'owners of {service!r} must be a list of Slack user IDs such as ["U012ABCDEF"]')
        owners[str(service)] = tuple(users)
    return owners


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the field it fills, how to parse it, and its doc line."""

    env: str
    field: str
    parse: Callable[[str], Any]
    help: str
    default: str | None = None
    secret: bool = False

    @property
    def required(self) -> bool:
        return self.default is None


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        "SLACK_BOT_TOKEN",
        "slack_bot_token",
        _token("xoxb-", "a bot token"),
        "Bot token of the Slack app (OAuth & Permissions page).",
        secret=True,
    ),
    Setting(
        "SLACK_APP_TOKEN",
        "slack_app_token",
        _token("xapp-", "an app-level token"),
        "App-level token with the connections:write scope, used to open the Socket Mode WebSocket.",
        secret=True,
    ),
    Setting(
        "SLACK_API_URL",
        "slack_api_url",
        _api_url,
        "Base URL of Slack's Web API, https:// (http:// only to this machine: the sandbox, to run without Slack).",
        default="https://slack.com/api/",
    ),
    Setting(
        "SLACK_PING_INTERVAL_SECONDS",
        "slack_ping_interval_seconds",
        _seconds,
        "Sets how fast a dead Socket Mode connection is noticed: pinged every tenth of it, "
        "replaced after 0.4 of it of silence.",
        default="10",
    ),
    Setting(
        "SLACK_SOCKET_CONNECTIONS",
        "slack_socket_connections",
        _whole(minimum=1, maximum=10),
        "Socket Mode connections the daemon keeps open, 1 to 10; Slack allows 10 per app in all, "
        "so replicas times this must stay at most 10.",
        default="2",
    ),
    Setting(
        "DATABASE_URL",
        "database_url",
        _database_url,
        "PostgreSQL URL. Unset or empty: an embedded PostgreSQL is started in INCIDENTBOT_DATA_DIR.",
        default="",
        secret=True,
    ),
    Setting(
        "DATABASE_POOL_SIZE",
        "database_pool_size",
        _positive_int,
        "Largest number of PostgreSQL connections the daemon keeps open; the work done at once behind "
        "acks is sized from it (this number less 6, at least 2).",
        default="20",
    ),
    Setting(
        "RATE_LIMIT_PER_MINUTE",
        "rate_limit_per_minute",
        _non_negative_int,
        "Slash commands one person may send in any minute, per replica; more get a friendly refusal (0: no limit).",
        default="20",
    ),
    Setting(
        "INCIDENTBOT_DATA_DIR",
        "data_dir",
        _path,
        "Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset "
        "(default: the per-user data directory, e.g. ~/.local/share/incidentbot).",
        default="",
    ),
    Setting("HTTP_HOST", "http_host", str, "Address of the health and metrics server.", default="0.0.0.0"),
    Setting(
        "HTTP_PORT",
        "http_port",
        _port,
        "Port of the health and metrics server (/health, /ready, /metrics); 0 picks a free port.",
        default="8080",
    ),
    Setting("LOG_LEVEL", "log_level", _level, "debug, info, warning or error.", default="info"),
    Setting(
        "LOG_FORMAT",
        "log_format",
        _choice("json", "text"),
        "json (one JSON object per line) or text (for a terminal).",
        default="json",
    ),
    Setting(
        "SHUTDOWN_TIMEOUT_SECONDS",
        "shutdown_timeout_seconds",
        _seconds,
        "On SIGTERM, how long in-flight work may run before it is cancelled.",
        default="25",
    ),
    Setting(
        "JOB_MAX_ATTEMPTS",
        "job_max_attempts",
        _positive_int,
        "Attempts of a queued job before it is marked dead; retries back off from 2 s to 10 minutes.",
        default="12",
    ),
    Setting(
        "JOB_LEASE_SECONDS",
        "job_lease_seconds",
        _seconds,
        "How long a job's lease lasts; renewed every third of it while the job runs, so a daemon "
        "killed mid-job frees its jobs within this.",
        default="30",
    ),
    Setting(
        "JOB_RETENTION_DAYS",
        "job_retention_days",
        _non_negative_int,
        "Days finished jobs and processed request keys are kept; 0 keeps them forever. Dead jobs are always kept.",
        default="14",
    ),
    Setting(
        "STATUSPAGE_API_KEY",
        "statuspage_api_key",
        lambda raw: Secret(raw) if raw else None,
        "Statuspage.io API key. With STATUSPAGE_PAGE_ID it turns publishing on the status page on; unset, it is off.",
        default="",
        secret=True,
    ),
    Setting(
        "STATUSPAGE_PAGE_ID", "statuspage_page_id", str, "The Statuspage page incidents are published to.", default=""
    ),
    Setting(
        "STATUSPAGE_API_URL",
        "statuspage_api_url",
        _api_url,
        "Base URL of Statuspage's API, https:// (http:// only to this machine: the local fake, to try it).",
        default="https://api.statuspage.io/v1/",
    ),
    Setting(
        "STATUSPAGE_MIN_SEVERITY",
        "statuspage_min_severity",
        _severity,
        "At this severity or worse the commander is asked (and reminded) to publish on the status page; "
        "nothing is ever published without a person deciding it.",
        default="P2",
    ),
    Setting(
        "STATUSPAGE_PUBLISHERS",
        "statuspage_publishers",
        _user_ids,
        "User IDs who may publish on the status page for any incident, besides its commander, "
        "its comms lead and the incident admins.",
        default="",
    ),
    Setting(
        "STATUSPAGE_DEFAULT_TITLE",
        "statuspage_default_title",
        _public_text(100),
        "The public title the publish form starts from (never the internal title).",
        default="Service disruption",
    ),
    Setting(
        "STATUSPAGE_MESSAGE_INVESTIGATING",
        "statuspage_message_investigating",
        _public_text(2000),
        "The customer message the publish form starts from for 'investigating'.",
        default="We are investigating reports of a problem and will post an update soon.",
    ),
    Setting(
        "STATUSPAGE_MESSAGE_IDENTIFIED",
        "statuspage_message_identified",
        _public_text(2000),
        "The same for 'identified'.",
        default="The cause has been identified and a fix is being worked on.",
    ),
    Setting(
        "STATUSPAGE_MESSAGE_MONITORING",
        "statuspage_message_monitoring",
        _public_text(2000),
        "The same for 'monitoring'.",
        default="A fix has been applied and we are monitoring the results.",
    ),
    Setting(
        "STATUSPAGE_MESSAGE_RESOLVED",
        "statuspage_message_resolved",
        _public_text(2000),
        "The same for 'resolved'.",
        default="This incident has been resolved. Thank you for your patience.",
    ),
    Setting(
        "ARCHIVE_AFTER_DAYS",
        "archive_after_days",
        _non_negative_int,
        "Days after resolution before an incident channel is archived; 0 never archives.",
        default="7",
    ),
    Setting(
        "ARCHIVE_WARNING_HOURS",
        "archive_warning_hours",
        _hours,
        "Hours before archiving that a heads-up is posted in the channel (0: no heads-up).",
        default="24",
    ),
    Setting(
        "ARCHIVE_SWEEP_MINUTES",
        "archive_sweep_minutes",
        _minutes,
        "How often the archival sweep runs, in minutes.",
        default="15",
    ),
    Setting(
        "REMINDER_SWEEP_SECONDS",
        "reminder_sweep_seconds",
        _seconds,
        "How often quiet incidents are checked for a reminder, in seconds.",
        default="30",
    ),
    Setting(
        "REMINDER_MINUTES_P1",
        "reminder_minutes_p1",
        _non_negative_int,
        "Nudge the commander of a P1 after this many minutes without an update; 0 turns it off.",
        default="15",
    ),
    Setting("REMINDER_MINUTES_P2", "reminder_minutes_p2", _non_negative_int, "The same for P2.", default="30"),
    Setting("REMINDER_MINUTES_P3", "reminder_minutes_p3", _non_negative_int, "The same for P3.", default="60"),
    Setting("REMINDER_MINUTES_P4", "reminder_minutes_p4", _non_negative_int, "The same for P4 (0: off).", default="0"),
    Setting(
        "SERVICES",
        "services",
        _names,
        "Comma-separated services offered in the declare modal, e.g. checkout,payments,search.",
        default="",
    ),
    Setting(
        "SERVICE_OWNERS",
        "service_owners",
        _service_owners,
        'JSON map of service to the user IDs invited to its incidents, e.g. {"checkout": ["U012ABCDEF"]}.',
        default="",
    ),
    Setting(
        "DEFAULT_SEVERITY", "default_severity", _severity, "Severity of a declaration that names none.", default="P3"
    ),
    Setting(
        "NOTIFY_CHANNELS_P1",
        "notify_channels_p1",
        _channel_ids,
        "Channel IDs where P1 declarations, escalations and resolutions are announced.",
        default="",
    ),
    Setting("NOTIFY_CHANNELS_P2", "notify_channels_p2", _channel_ids, "Channel IDs for P2 announcements.", default=""),
    Setting(
        "NOTIFY_CHANNELS_P3",
        "notify_channels_p3",
        _channel_ids,
        "Channel IDs for P3 announcements (default: the incident channel only).",
        default="",
    ),
    Setting(
        "NOTIFY_CHANNELS_P4",
        "notify_channels_p4",
        _channel_ids,
        "Channel IDs for P4 announcements (default: the incident channel only).",
        default="",
    ),
    Setting(
        "P1_USERS",
        "p1_users",
        _user_ids,
        "User IDs paged by DM for every P1 (at most one DM per person per incident in 5 minutes).",
        default="",
    ),
    Setting(
        "INCIDENT_ADMINS",
        "incident_admins",
        _user_ids,
        "User IDs who may do everything, in every incident (commander-only actions included).",
        default="",
    ),
)


_SLACK_TOKENS = frozenset({"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"})


@dataclass(frozen=True, kw_only=True, repr=False)
class Settings:
    """The daemon's whole configuration, validated; its repr is :meth:`redacted`."""

    slack_bot_token: Secret = field(default_factory=lambda: Secret(""))
    slack_app_token: Secret = field(default_factory=lambda: Secret(""))
    slack_api_url: str = "https://slack.com/api/"
    slack_ping_interval_seconds: float = 10.0
    slack_socket_connections: int = 2
    database_url: Secret | None = None
    database_pool_size: int = 20
    rate_limit_per_minute: int = 20
    data_dir: Path = Path()
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    log_level: str = "INFO"
    log_format: str = "json"
    shutdown_timeout_seconds: float = 25.0
    job_max_attempts: int = 12
    job_lease_seconds: float = 30.0
    job_retention_days: int = 14
    archive_after_days: int = 7
    archive_warning_hours: float = 24.0
    archive_sweep_minutes: float = 15.0
    reminder_sweep_seconds: float = 30.0
    reminder_minutes_p1: int = 15
    reminder_minutes_p2: int = 30
    reminder_minutes_p3: int = 60
    reminder_minutes_p4: int = 0
    statuspage_api_key: Secret | None = None
    statuspage_page_id: str = ""
    statuspage_api_url: str = "https://api.statuspage.io/v1/"
    statuspage_min_severity: str = "P2"
    statuspage_publishers: tuple[str, ...] = ()
    statuspage_default_title: str = "Service disruption"
    statuspage_message_investigating: str = "We are investigating reports of a problem and will post an update soon."
    statuspage_message_identified: str = "The cause has been identified and a fix is being worked on."
    statuspage_message_monitoring: str = "A fix has been applied and we are monitoring the results."
    statuspage_message_resolved: str = "This incident has been resolved. Thank you for your patience."
    services: tuple[str, ...] = ()
    service_owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_severity: str = "P3"
    notify_channels_p1: tuple[str, ...] = ()
    notify_channels_p2: tuple[str, ...] = ()
    notify_channels_p3: tuple[str, ...] = ()
    notify_channels_p4: tuple[str, ...] = ()
    p1_users: tuple[str, ...] = ()
    incident_admins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, slack: bool = True) -> Settings:
        """Build settings from environment variables, or raise ConfigError listing all problems.

        ``slack=False`` skips the Slack tokens, for commands that only touch the database (``migrate``).
        """
        values: dict[str, Any] = {}
        problems: list[str] = []
        for setting in SETTINGS:
            if not slack and setting.env in _SLACK_TOKENS:
                continue
            raw = env.get(setting.env)
            if raw is not None:
                raw = raw.strip()
            if raw is None or (raw == "" and setting.required):
                if setting.required:
                    problems.append(f"{setting.env} is not set: {setting.help}")
                    continue
                raw = setting.default or ""
            try:
                values[setting.field] = setting.parse(raw)
            except _Invalid as exc:
                problems.append(f"{setting.env}: {exc}")
        if bool(values.get("statuspage_api_key")) != bool(values.get("statuspage_page_id")):
            problems.append(
                "STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID go together: set both to sync to Statuspage, or neither"
            )
        owners = values.get("service_owners") or {}
        services = values.get("services") or ()
        unknown = [s for s in owners if services and s not in services]
        if unknown:
            problems.append(
                f"SERVICE_OWNERS: {', '.join(repr(u) for u in unknown)} not in SERVICES ({', '.join(services)})"
            )
        if problems:
            raise ConfigError(problems)
        if values.get("data_dir") in (None, Path()):
            values["data_dir"] = default_data_dir()
        return cls(**values)

    def redacted(self) -> dict[str, object]:
        """The settings as a dict fit for a log line or ``check-config``: secrets and URL credentials masked."""
        return {f.name: _shown(getattr(self, f.name)) for f in fields(self)}

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{name}={value!r}' for name, value in self.redacted().items())})"

    @property
    def statuspage_enabled(self) -> bool:
        return self.statuspage_api_key is not None and bool(self.statuspage_page_id)

    def secrets(self) -> list[str]:
        """The raw secret values, so the log redactor can scrub them if they ever leak into a message."""
        found = [v.reveal() for f in fields(self) if isinstance(v := getattr(self, f.name), Secret) and v.reveal()]
        if self.database_url is not None:
            password = urlsplit(self.database_url.reveal()).password
            if password:
                found.append(password)
        for url in (self.slack_api_url, self.statuspage_api_url):
            found.extend(_url_secrets(url))
        return found


def _shown(value: object) -> object:
    """A setting's value as check-config prints it: any URL with its credential parts masked."""
    if isinstance(value, str) and "://" in value:
        return _mask_url(value) or _MASK
    return value
