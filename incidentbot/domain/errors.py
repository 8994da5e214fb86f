"""Errors a user can cause, each carrying the friendly text the Slack edge shows them."""

from __future__ import annotations

__all__ = ["UserFacingError"]


class UserFacingError(Exception):
    """A problem the user can fix; ``user_text`` says how, in words fit for an ephemeral message."""

    def __init__(self, user_text: str) -> None:
        self.user_text = user_text
        super().__init__(user_text)
