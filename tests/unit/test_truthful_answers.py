"""The one error handler tells the truth: "nothing was changed" only when nothing was committed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from incidentbot.domain.errors import AfterCommitError, InvalidInputError
from incidentbot.metrics import Metrics
from incidentbot.services.committed import after_commit
from incidentbot.slack.handlers.runner import _run
from tests.unit.test_views_support import make_incident

INCIDENT = make_incident(id=42)


async def _answer(work: Any) -> tuple[str, str]:
    replies: list[dict[str, Any]] = []

    async def reply(message: dict[str, Any]) -> None:
        replies.append(message)

    metrics = Metrics()
    await _run("command:test", work, reply, metrics)
    (answer,) = replies
    outcomes = [s for s in metrics.commands.collect()[0].samples if s.name.endswith("_total") and s.value]
    return str(answer["text"]), str(outcomes[0].labels["outcome"])


async def test_a_failure_after_the_commit_says_the_change_was_saved() -> None:
    async def work() -> str | None:
        async with after_commit(INCIDENT):
            raise ConnectionError("database went away while telling Slack")
        return None

    text, outcome = await _answer(work)
    assert "Your change to #42 was saved" in text and "Nothing was changed" not in text
    assert outcome == "error_after_commit"


async def test_a_failure_before_any_commit_says_nothing_was_changed() -> None:
    async def work() -> str | None:
        raise ConnectionError("database went away before the transaction")

    text, outcome = await _answer(work)
    assert "Nothing was changed" in text and outcome == "error"


async def test_a_refusal_found_after_the_commit_is_still_a_refusal() -> None:
    with pytest.raises(InvalidInputError):
        async with after_commit(replace(INCIDENT, id=7)):
            raise InvalidInputError("no")
    with pytest.raises(AfterCommitError) as wrapped:
        async with after_commit(replace(INCIDENT, id=7)):
            raise RuntimeError("boom")
    assert wrapped.value.reference == "#7" and isinstance(wrapped.value.__cause__, RuntimeError)


def test_a_delayed_channel_is_explained_by_what_really_happened() -> None:
    from incidentbot.services.declare import _delay_notice
    from incidentbot.services.ports import ChatError

    assert "Slack is not answering" in _delay_notice([ChatError("internal_error", "conversations.create")])
    assert "Slack" not in _delay_notice([ConnectionError("database")])  # not Slack's fault: not blamed on it
    assert "being opened" in _delay_notice([])  # another worker took it: nothing failed at all
