"""Block Kit limits, checked the way Slack reports them: one `[ERROR] … [json-pointer:…]` line each."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .models import Json

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_ID = 255

KNOWN_BLOCKS = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "section",
        "video",
        "rich_text",
        "markdown",
        "call",
        "table",
        "context_actions",
    }
)
SELECTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
INPUT_ONLY = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
    }
)
INTERACTIVE = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "overflow",
        "radio_buttons",
        "timepicker",
        "workflow_button",
        *SELECTS,
        *INPUT_ONLY,
    }
)


class BlockChecker:
    """Collects every Block Kit problem in a list of blocks, so the caller can report them all."""

    def __init__(self, surface: str, pointer: str = "/blocks") -> None:
        self.surface = surface
        self.pointer = pointer
        self.errors: list[str] = []
        self._block_ids: set[str] = set()

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def check(self, blocks: Any) -> list[str]:
        if not isinstance(blocks, list):
            self.fail("must be an array", self.pointer)
            return self.errors
        limit = MAX_BLOCKS.get(self.surface, 50)
        if len(blocks) > limit:
            self.fail(f"must provide less than or equal to {limit} items", self.pointer)
        for index, block in enumerate(blocks):
            self._block(block, f"{self.pointer}/{index}")
        return self.errors

    # -- blocks -------------------------------------------------------------------------------------
    def _block(self, block: Any, at: str) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.fail("missing required field: type", at)
            return
        kind = block["type"]
        if kind not in KNOWN_BLOCKS:
            self.fail(f"unsupported type: {kind}", f"{at}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 0 < len(block_id) <= MAX_ID:
                self.fail(f"must be a string of 1 to {MAX_ID} characters", f"{at}/block_id")
            elif block_id in self._block_ids:
                self.fail(f"duplicate block_id: {block_id}", f"{at}/block_id")
            else:
                self._block_ids.add(block_id)
        check = self._block_checks().get(kind)
        if check is not None:
            check(block, at)

    def _block_checks(self) -> dict[str, Callable[[Json, str], None]]:
        return {
            "section": self._section,
            "header": self._header,
            "context": self._context,
            "actions": self._actions,
            "input": self._input,
            "image": self._image_block,
        }

    def _section(self, block: Json, at: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            self.fail("must provide either text or fields", at)
        if text is not None:
            self._text(text, f"{at}/text", max_len=3000)
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.fail("must be a non-empty array", f"{at}/fields")
            else:
                if len(fields) > 10:
                    self.fail("must provide less than or equal to 10 items", f"{at}/fields")
                for index, field in enumerate(fields):
                    self._text(field, f"{at}/fields/{index}", max_len=2000)
        accessory = block.get("accessory")
        if accessory is not None:
            self._element(accessory, f"{at}/accessory", in_input=False, images=True)
        self._action_ids([accessory] if accessory is not None else [], at)

    def _header(self, block: Json, at: str) -> None:
        self._text(block.get("text"), f"{at}/text", max_len=150, plain=True)

    def _context(self, block: Json, at: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.fail("must be a non-empty array", f"{at}/elements")
            return
        if len(elements) > 10:
            self.fail("must provide less than or equal to 10 items", f"{at}/elements")
        for index, element in enumerate(elements):
            where = f"{at}/elements/{index}"
            if isinstance(element, dict) and element.get("type") == "image":
                self._image(element, where)
            else:
                self._text(element, where, max_len=3000)

    def _actions(self, block: Json, at: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.fail("must be a non-empty array", f"{at}/elements")
            return
        if len(elements) > 25:
            self.fail("must provide less than or equal to 25 items", f"{at}/elements")
        for index, element in enumerate(elements):
            self._element(element, f"{at}/elements/{index}", in_input=False, images=False)
        self._action_ids(elements, at)

    def _input(self, block: Json, at: str) -> None:
        self._text(block.get("label"), f"{at}/label", max_len=2000, plain=True)
        if block.get("hint") is not None:
            self._text(block["hint"], f"{at}/hint", max_len=2000, plain=True)
        element = block.get("element")
        if element is None:
            self.fail("missing required field: element", at)
        else:
            self._element(element, f"{at}/element", in_input=True, images=False)
            self._action_ids([element], at)

    def _image_block(self, block: Json, at: str) -> None:
        self._image(block, at)
        if block.get("title") is not None:
            self._text(block["title"], f"{at}/title", max_len=2000, plain=True)

    # -- elements and composition objects ----------------------------------------------------------
    def _element(self, element: Any, at: str, *, in_input: bool, images: bool) -> None:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            self.fail("missing required field: type", at)
            return
        kind = element["type"]
        if kind == "image" and images:
            self._image(element, at)
            return
        if kind not in INTERACTIVE:
            self.fail(f"unsupported type: {kind}", f"{at}/type")
            return
        if kind in INPUT_ONLY and not in_input:
            self.fail(f"{kind} is only allowed in input blocks", f"{at}/type")
        action_id = element.get("action_id")
        if action_id is not None and (not isinstance(action_id, str) or not 0 < len(action_id) <= MAX_ID):
            self.fail(f"must be a string of 1 to {MAX_ID} characters", f"{at}/action_id")
        if element.get("placeholder") is not None:
            self._text(element["placeholder"], f"{at}/placeholder", max_len=150, plain=True)
        if kind == "button":
            self._button(element, at)
        elif kind == "plain_text_input":
            self._text_input(element, at)
        elif kind in SELECTS or kind in {"overflow", "checkboxes", "radio_buttons"}:
            self._options_of(element, at, kind)

    def _button(self, element: Json, at: str) -> None:
        self._text(element.get("text"), f"{at}/text", max_len=75, plain=True)
        self._max_str(element, "value", 2000, at)
        self._max_str(element, "url", 3000, at)
        style = element.get("style")
        if style is not None and style not in ("primary", "danger"):
            self.fail("must be one of primary, danger", f"{at}/style")

    def _text_input(self, element: Json, at: str) -> None:
        bounds = {}
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3000:
                self.fail("must be an integer from 0 to 3000", f"{at}/{key}")
            else:
                bounds[key] = value
        if bounds.get("min_length", 0) > bounds.get("max_length", 3000):
            self.fail("min_length must not be greater than max_length", f"{at}/min_length")
        self._max_str(element, "initial_value", 3000, at)

    def _options_of(self, element: Json, at: str, kind: str) -> None:
        limit = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}.get(kind, 100)
        options = element.get("options")
        if options is not None:
            self._options(options, f"{at}/options", limit)
        groups = element.get("option_groups")
        if isinstance(groups, list):
            if len(groups) > 100:
                self.fail("must provide less than or equal to 100 items", f"{at}/option_groups")
            for index, group in enumerate(groups):
                where = f"{at}/option_groups/{index}"
                if isinstance(group, dict):
                    self._text(group.get("label"), f"{where}/label", max_len=75, plain=True)
                    self._options(group.get("options"), f"{where}/options", 100)
        elif options is None and kind in {"static_select", "multi_static_select", "overflow"}:
            self.fail("must provide options or option_groups", at)

    def _options(self, options: Any, at: str, limit: int) -> None:
        if not isinstance(options, list):
            self.fail("must be an array", at)
            return
        if len(options) > limit:
            self.fail(f"must provide less than or equal to {limit} items", at)
        for index, option in enumerate(options):
            where = f"{at}/{index}"
            if not isinstance(option, dict):
                self.fail("must be an object", where)
                continue
            self._text(option.get("text"), f"{where}/text", max_len=75)
            value = option.get("value")
            if not isinstance(value, str) or len(value) > 150:
                self.fail("must be a string of at most 150 characters", f"{where}/value")

    def _image(self, element: Json, at: str) -> None:
        if not element.get("image_url") and not element.get("slack_file"):
            self.fail("must provide image_url or slack_file", at)
        alt = element.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.fail("missing required field: alt_text", f"{at}/alt_text")
        elif len(alt) > 2000:
            self.fail("must be less than 2001 characters", f"{at}/alt_text")

    def _text(self, obj: Any, at: str, *, max_len: int, plain: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail("must be a text object", at)
            return
        allowed = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}", f"{at}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail("must be more than 0 characters", f"{at}/text")
        elif len(text) > max_len:
            self.fail(f"must be less than {max_len + 1} characters", f"{at}/text")

    def _max_str(self, obj: Json, key: str, limit: int, at: str) -> None:
        value = obj.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            self.fail(f"must be a string of at most {limit} characters", f"{at}/{key}")

    def _action_ids(self, elements: list[Any], at: str) -> None:
        seen: set[str] = set()
        for element in elements:
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in seen:
                    self.fail(f"duplicate action_id: {action_id}", at)
                seen.add(action_id)


def block_errors(blocks: Any, *, surface: str = "message", pointer: str = "/blocks") -> list[str]:
    """Every Block Kit problem in `blocks`, empty when Slack would accept them."""
    return BlockChecker(surface, pointer).check(blocks)


def with_ids(blocks: list[Json], new_id: Callable[[], str]) -> list[Json]:
    """A copy of `blocks` with the `block_id`s and `action_id`s that Slack fills in when missing."""
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", new_id())
        for element in interactive_elements(block):
            element.setdefault("action_id", new_id())
    return filled


def interactive_elements(block: Json) -> list[Json]:
    """The elements of a block a user can act on."""
    found: list[Any] = []
    if block.get("type") == "actions":
        found = list(block.get("elements") or [])
    elif block.get("type") == "input":
        found = [block.get("element")]
    elif block.get("type") == "section":
        found = [block.get("accessory")]
    return [e for e in found if isinstance(e, dict) and e.get("type") in INTERACTIVE]
