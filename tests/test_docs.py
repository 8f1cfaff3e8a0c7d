"""Docs are a contract: every table and setting is documented where users look."""
from __future__ import annotations

import re
from pathlib import Path

from chokepoint import settings
from chokepoint.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]


def test_every_reference_table_has_a_section_in_data_docs():
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    headings = " ".join(re.findall(r"^##+ (.+)$", text, flags=re.M))
    missing = [t for t in TABLES if t != "country" and not re.search(rf"\b{re.escape(t)}\b", headings)]
    assert not missing, f"docs/data.md lacks sections for {missing}"


def test_readme_names_the_two_commands_and_every_setting():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    for s in settings.SETTINGS.values():
        assert s.env in text, f"README does not mention {s.env}"
