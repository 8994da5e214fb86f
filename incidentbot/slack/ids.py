"""Every Slack identifier the bot registers or builds: used both to build views and to route them."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SlashCommand", "SubCommand"]


class SlashCommand(StrEnum):
    INCIDENT = "/incident"
    INC = "/inc"


class SubCommand(StrEnum):
    HELP = "help"
