"""Every Slack identifier the bot registers or builds: used both to build views and to route them."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ActionId", "BlockId", "CallbackId", "SlashCommand", "SubCommand"]


class SlashCommand(StrEnum):
    INCIDENT = "/incident"
    INC = "/inc"


class SubCommand(StrEnum):
    DECLARE = "declare"
    STATUS = "status"
    UPDATE = "update"
    SEVERITY = "severity"
    COMMANDER = "commander"
    ROLE = "role"
    NOTE = "note"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    TIMELINE = "timeline"
    INFO = "info"
    LIST = "list"
    HELP = "help"
    STATUSPAGE = "statuspage"
    PRIVATE = "private"


class CallbackId(StrEnum):
    """Modal ``callback_id``s."""

    DECLARE = "incident_declare"
    UPDATE = "incident_update"
    SEVERITY = "incident_severity"
    RESOLVE = "incident_resolve"
    STATUSPAGE = "statuspage_publish"
    STATUSPAGE_CONFIRM = "statuspage_confirm"


class ActionId(StrEnum):
    """``action_id``s of buttons and interactive inputs. Button values carry the incident id."""

    SUMMARY_UPDATE = "summary_post_update"
    SUMMARY_SEVERITY = "summary_change_severity"
    SUMMARY_RESOLVE = "summary_resolve"
    REMINDER_SNOOZE = "reminder_snooze"
    TEMPLATE = "declare_template"
    TITLE = "title"
    SEVERITY = "severity"
    SERVICE = "service"
    DESCRIPTION = "description"
    COMMANDER = "commander"
    UPDATE_TEXT = "update_text"
    STATUS = "status"
    RESOLUTION = "resolution"
    PUBLIC = "public"
    STATUSPAGE_OPEN = "statuspage_open"
    PUBLIC_TITLE = "public_title"
    PUBLIC_STATUS = "public_status"
    PUBLIC_MESSAGE = "public_message"
    COMPONENT_STATUS = "component_status"
    PRIVATE = "private"


class BlockId(StrEnum):
    """``block_id``s of modal inputs, so submissions and validation errors name the same blocks."""

    TEMPLATE = "template"
    TITLE = "title"
    SEVERITY = "severity"
    SERVICE = "service"
    DESCRIPTION = "description"
    COMMANDER = "commander"
    UPDATE_TEXT = "update_text"
    STATUS = "status"
    RESOLUTION = "resolution"
    PUBLIC = "public"
    PUBLIC_TITLE = "public_title"
    PUBLIC_STATUS = "public_status"
    PUBLIC_MESSAGE = "public_message"
    COMPONENT_PREFIX = "component:"
    PRIVATE = "private"
