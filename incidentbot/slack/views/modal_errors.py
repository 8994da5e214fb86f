"""A modal submission the user must correct, answered in the ack so Slack shows each message under its field."""

from __future__ import annotations

__all__ = ["ModalValidationError"]


class ModalValidationError(Exception):
    """``errors`` maps the block_id of each input to correct to a message fit to show the user.

    The handler acks with ``response_action="errors"`` and these errors; Slack refuses keys that are not
    input blocks of the view, so parse functions only name blocks their modal builds.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{block}: {text}" for block, text in self.errors.items()))
