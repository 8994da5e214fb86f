"""Errors a user can cause, each carrying the friendly text the Slack edge shows them."""

from __future__ import annotations

__all__ = [
    "AfterCommitError",
    "InvalidInputError",
    "InvalidTransitionError",
    "NotFoundError",
    "PermissionDeniedError",
    "UserFacingError",
]


class UserFacingError(Exception):
    """A problem the user can fix; ``user_text`` says how, in words fit for an ephemeral message."""

    def __init__(self, user_text: str) -> None:
        self.user_text = user_text
        super().__init__(user_text)


class InvalidInputError(UserFacingError):
    """What was typed cannot be used; the text says what to type instead."""


class NotFoundError(UserFacingError):
    """The incident (or user, or template) referred to does not exist."""


class InvalidTransitionError(UserFacingError):
    """The incident cannot move to that state from where it is."""


class PermissionDeniedError(UserFacingError):
    """The actor may not do this; the text says who can."""

    def __init__(self, user_text: str, *, action: str) -> None:
        self.action = action
        super().__init__(user_text)


class AfterCommitError(Exception):
    """Something failed after the change was committed: the answer must say it was saved, not that
    nothing changed. ``reference`` names the incident (``#42``); the cause is chained."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"{reference}: failed after the change was committed")
