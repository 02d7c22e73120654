"""Write the label-free space's FD that `bench/two_spaces.py` measured into shipped cards.

    python scripts/record_label_free.py bench/results/2026-12-07-two-spaces-fashion-mnist.json \\
        pixelrnn-fashion-mnist pixelrnn-fashion-mnist-small

For models whose sampling is too slow to evaluate again (`genzoo evaluate` records both
spaces itself): the bench drew the same samples (seed 0) and measured them with
`genzoo evaluate`'s function, so the figure joins the card's others, its protocol naming
the bench and its results file. A card that has the figure already is left as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cards import HUB, Card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="bench/two_spaces.py's --json file")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()

    from genzoo.core.files import write_text
    from genzoo.core.metric import Metric
    from genzoo.plugins import installed
    from genzoo.zoo.card import card_metrics, with_metrics

    results = json.loads(args.results.read_text())
    registry = installed().registry
    dataset = registry.dataset(results["dataset"])
    space = dataset.label_free_evaluator
    floor = results["sensitivity"]["clean"][space]
    for name in args.models:
        card = Card(HUB / name)
        if "frechet_distance_label_free" in card.metrics:
            print(f"{name}: has it already")
            continue
        measured = results["fd"][name][space]
        protocol = (
            f"{space} features; {results['samples']:,} samples, seed 0, vs 10,000 test images; "
            "95% interval at this sample count (normal, 100 bootstrap resamples); measured by "
            f"bench/two_spaces.py ({args.results.name}); "
            f"floor ({results.get('images', 2000):,} train vs test) {floor:.3g}"
        )
        metric = Metric(
            "frechet_distance_label_free", measured["fd"], protocol,
            interval=tuple(measured["interval"]),
        )  # fmt: skip
        metrics = card_metrics(card.text)
        text = with_metrics(card.text, [*metrics, metric], dataset.name, card.pipeline,
                            [], dataset.hub_id)  # fmt: skip
        write_text(card.folder / "README.md", text)
        print(f"{name}: frechet_distance_label_free {metric.shown()}")


if __name__ == "__main__":
    main()
