"""Golden files: the full text (e-mail subject, then body) of every scenario's letter.

A wording change shows as a French-text diff in tests/letters/golden/ that a jurist can
review. To accept a deliberate change, regenerate the files:

    LANTERNE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/letters/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.letters.scenarios import scenarios
from workflow.letters.rendering import render_text

GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = scenarios()


def golden_text(name: str) -> str:
    subject, body = render_text(SCENARIOS[name])
    return f"{subject}\n\n{body}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_letter_matches_its_golden_file(name):
    path = GOLDEN / f"{name}.txt"
    text = golden_text(name)
    if os.environ.get("LANTERNE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def test_every_golden_file_has_a_scenario():
    assert {path.name.removesuffix(".txt") for path in GOLDEN.glob("*.txt")} == set(SCENARIOS)


def test_every_letter_kind_has_scenarios():
    from workflow.letters.rendering import LETTER_KINDS

    assert {name.split(".")[1] for name in SCENARIOS} == set(LETTER_KINDS)
