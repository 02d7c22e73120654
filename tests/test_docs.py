"""The documentation a user reads: a short README whose figures come from the cards, and
links that lead somewhere."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_zoo_table_is_the_one_the_cards_make():
    made = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "zoo_table.py")],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert made in (ROOT / "README.md").read_text(), "run scripts/zoo_table.py --write"


def test_each_card_says_what_its_model_is_as_the_registry_does():
    sys.path.insert(0, str(ROOT / "scripts"))
    from cards import cards
    from genzoo.plugins import installed

    registry = installed().registry
    shipped = cards()
    assert {card.name for card in shipped} == {
        name for name, entry in registry.models.items() if entry.repo_id.startswith("genzoo/")
    }
    for card in shipped:
        assert card.description == registry.models[card.name].description, card.name


def test_the_registry_s_figures_are_the_cards():
    """A shipped model's figures are written in its card; the registry's copy (what `genzoo
    info` shows without the card) must say the same, to the card's precision."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from cards import cards
    from genzoo.plugins import installed

    registry = installed().registry
    for card in cards():
        for name, value in registry.models[card.name].metrics.items():
            assert name in card.metrics, (card.name, name)
            recorded = card.metrics[name].value  # type: ignore[attr-defined]
            assert value == pytest.approx(recorded, rel=5e-3, abs=1e-3), (card.name, name)


def test_the_readme_is_short_and_its_links_exist():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_the_readme_has_the_two_commands_ci_runs():
    text = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "    .venv/bin/python -m pytest\n" in text and ".venv/bin/python -m pytest" in ci
    assert "genzoo pull dcgan-mnist --from hub" in text and "pull dcgan-mnist --from hub" in ci


GENERATED = ("zoo/", "cli-reference.md")  # made by scripts/site_hooks.py when the site builds


def test_the_docs_link_to_files_that_exist():
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)\)", page.read_text()):
            assert target.startswith(GENERATED) or (page.parent / target).exists(), (page, target)
