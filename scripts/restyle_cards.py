"""Bring the model cards shipped under hub/ to the current card spec, figures unchanged.

    python scripts/restyle_cards.py [--check]

Cards written before 2026-12 lack the Hub's pipeline_tag, name the dataset by genzoo's
name rather than its Hub id, put each metric's protocol in its name, and show this
machine's paths in the training command. `genzoo.zoo.card.restyle` fixes all four; the
weights and config.json (and so every pin) stay as they are. `--check` lists the cards
that would change and exits 1 if any would.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import genzoo
from genzoo.zoo.card import restyle, task_of
from genzoo.zoo.repo import CARD_FILE, read_config

HUB = Path(__file__).resolve().parents[1] / "hub"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args()
    registry = genzoo.registry()
    stale = []
    for model in registry.models.values():
        folder = HUB / model.repo_id
        if not (folder / CARD_FILE).is_file():
            continue
        dataset = registry.datasets.get(model.dataset)
        text = (folder / CARD_FILE).read_text()
        new = restyle(
            text, task_of(list(read_config(folder).sha256)), dataset.hub_id if dataset else ""
        )
        if new != text:
            stale.append(model.name)
            if not args.check:
                (folder / CARD_FILE).write_text(new)
    verb = "stale" if args.check else "restyled"
    print(f"{verb}: {', '.join(stale) or 'none'}")
    if args.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
