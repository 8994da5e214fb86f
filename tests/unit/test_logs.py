import io
import json
import logging

import pytest

from incidentbot.logs import configure_logging, log_context


@pytest.fixture
def stream() -> io.StringIO:
    out = io.StringIO()
    yield out
    logging.getLogger().handlers.clear()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_level_logger_message_and_request_context(stream: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="json", stream=stream)
    with log_context(envelope_id="e-1", command="/incident", user="U1", incident_id=None):
        logging.getLogger("incidentbot.test").info("handled %s", "help")
    logging.getLogger("incidentbot.test").info("outside")
    first, second = lines(stream)
    assert first["level"] == "INFO" and first["logger"] == "incidentbot.test"
    assert first["message"] == "handled help"
    assert (first["envelope_id"], first["command"], first["user"]) == ("e-1", "/incident", "U1")
    assert "incident_id" not in first  # unknown fields are left out, not null
    assert "envelope_id" not in second
    assert "time" in first


def test_secrets_and_token_shaped_strings_are_scrubbed(stream: io.StringIO) -> None:
    configure_logging(level="INFO", fmt="json", secrets=["hunter2"], stream=stream)
    log = logging.getLogger("incidentbot.test")
    log.info("password is hunter2")
    log.info("token %s leaked", "xoxb-1234-5678-abcdEFGH")
    log.info("app token xapp-1-A0-99-ffff in text")
    try:
        raise RuntimeError("boom xoxb-9-9-secret")
    except RuntimeError:
        log.exception("failed")
    text = stream.getvalue()
    for leaked in ("hunter2", "xoxb-1234", "xapp-1-A0", "xoxb-9-9"):
        assert leaked not in text
    assert text.count("[REDACTED]") >= 4


def test_text_format_for_terminals(stream: io.StringIO) -> None:
    configure_logging(level="WARNING", fmt="text", stream=stream)
    with log_context(envelope_id="e-2"):
        logging.getLogger("incidentbot.x").warning("careful")
        logging.getLogger("incidentbot.x").info("hidden")
    out = stream.getvalue()
    assert "WARNING" in out and "careful" in out and "envelope_id=e-2" in out
    assert "hidden" not in out
