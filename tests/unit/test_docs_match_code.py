"""Docs change with the code: every setting and metric that exists is documented, and nothing else is."""

import re
from pathlib import Path

from incidentbot.metrics import Metrics
from incidentbot.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_exactly_the_settings() -> None:
    text = (ROOT / ".env.example").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)
    assert sorted(names) == sorted(s.env for s in SETTINGS)


def test_configuration_doc_lists_exactly_the_settings() -> None:
    text = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, flags=re.MULTILINE))
    assert documented == {s.env for s in SETTINGS}


def test_every_metric_is_documented() -> None:
    text = (ROOT / "docs" / "OPERATIONS.md").read_text()
    # On the wire an Info metric gets an `_info` suffix; the docs use the name an operator queries.
    names = {m.name + "_info" if m.type == "info" else m.name for m in Metrics().registry.collect()}
    documented = set(re.findall(r"`(incidentbot_[a-z_]+)`", text))
    assert names <= documented, f"undocumented metrics: {sorted(names - documented)}"
    assert documented <= names | {n + "_total" for n in names}, f"documented but missing: {sorted(documented - names)}"
