"""Reading ``view.state.values``: the value of one input, whatever kind of element it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incidentbot.domain.errors import InvalidInputError
from incidentbot.domain.text import normalize, one_line

__all__ = ["input_text", "input_value"]

_SELECTS = frozenset({"static_select", "external_select", "radio_buttons"})


def input_value(values: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """The text, selected option value or selected user of one input; None when empty or absent."""
    block = values.get(block_id)
    element = block.get(action_id) if isinstance(block, Mapping) else None
    if not isinstance(element, Mapping):
        return None
    kind = element.get("type")
    if kind in _SELECTS:
        selected = element.get("selected_option")
        value = selected.get("value") if isinstance(selected, Mapping) else None
    elif kind == "users_select":
        value = element.get("selected_user")
    else:
        value = element.get("value")
    return value if isinstance(value, str) and value else None


def input_text(
    values: Mapping[str, Any], block_id: str, action_id: str, errors: dict[str, str], *, single_line: bool = False
) -> str:
    """A typed value through the one normalizer; a refused character becomes an error under its field."""
    try:
        raw = input_value(values, block_id, action_id)
        return one_line(raw) if single_line else normalize(raw)
    except InvalidInputError as exc:
        errors[block_id] = exc.user_text
        return ""
