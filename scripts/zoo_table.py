"""The README's one-screen summary of the zoo, generated from the model cards in hub/.

    python scripts/zoo_table.py            # print the table
    python scripts/zoo_table.py --write    # put it into README.md between its markers

A figure is written once, in the card of the model it measures; `tests/test_docs.py`
fails when the README's table is not what this script makes from the cards.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- zoo table: scripts/zoo_table.py -->", "<!-- end of zoo table -->"


def rows() -> list[str]:
    from genzoo.zoo.card import card_metadata, card_metrics

    lines = [
        "| model | dataset | FD [95% CI] | other |",
        "| --- | --- | --- | --- |",
    ]
    found = []
    for card in (ROOT / "hub" / "genzoo").glob("*/README.md"):
        text = card.read_text()
        datasets = card_metadata(text).get("datasets") or [""]
        found.append((str(datasets[0]).split("/")[-1].replace("_", "-"), card, text))
    for dataset, card, text in sorted(found, key=lambda item: (item[0], item[1].parent.name)):
        metrics = {m.name: m for m in card_metrics(text)}
        fd = metrics.get("frechet_distance")
        other = []
        for name, label in (("accuracy", "accuracy"), ("knn_accuracy", "k-NN accuracy, no labels"),
                            ("bits_per_dim", "bits/dim"),
                            ("classification_accuracy_score", "CAS"),
                            ("negative_elbo", "-ELBO (nats)")):  # fmt: skip
            if name in metrics:
                other.append(f"{label} {metrics[name].shown()}")
        lines.append(
            f"| [`{card.parent.name}`](hub/genzoo/{card.parent.name}/README.md) | {dataset} | "
            f"{fd.shown() if fd else ''} | {', '.join(other)} |"
        )
    return lines


def table() -> str:
    return "\n".join([START, *rows(), END])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args()
    if not args.write:
        print(table())
        return
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} ... {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + table() + after)


if __name__ == "__main__":
    main()
