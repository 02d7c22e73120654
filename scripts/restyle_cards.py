"""Bring the model cards shipped under hub/ to the current card spec, figures unchanged.

    python scripts/restyle_cards.py [--check]

`genzoo.zoo.card_migration.restyle` brings an older card to the current spec: the Hub's pipeline_tag
(none for a class-conditional generator, tagged `class-conditional` instead), the family
tag, the dataset's Hub id, metric names that say what each is and on which features, each
metric's protocol in its model-index args, values rounded to what their intervals
support, KID's spread labelled a spread, no machine paths. The weights and config.json
(and so every pin) stay as they are. `--check` lists the cards that would change and
exits 1 if any would.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import genzoo
from genzoo.zoo.card import task_of
from genzoo.zoo.card_migration import restyle
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
        repo = read_config(folder)
        conditional = int(repo.config.get("num_classes", 0) or 0) > 0
        family = registry.architecture(model.architecture).family
        task = task_of(list(repo.sha256), conditional)
        new = restyle(text, task, dataset.hub_id if dataset else "", family, conditional)
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
