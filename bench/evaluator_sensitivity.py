"""Which feature space sees what people see: real images degraded, scored by each evaluator.

    python bench/evaluator_sensitivity.py [--images 2000] [--json F]

Real Fashion-MNIST train images, clean and degraded (`genzoo.metrics.degrade`: Gaussian
blur of sigma 0.5, 1.0, 1.5 pixels, additive noise, two patches swapped), against as many
test images, on each candidate evaluator's features (the zoo's lenet5 and resnet18, loaded
from this project's hub/). An evaluator fit to judge generators puts every degraded set
further from the test set than the clean one; the figures are FD and KID (x1000), and the
'advantage' of resnet18 is its FD ratio (degraded / clean) over lenet5's: how much more of
the degradation it sees.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from timing import Figure, bench_parser, report

HUB = Path(__file__).resolve().parents[1] / "hub"
EVALUATORS = ("lenet5-fashion-mnist", "resnet18-fashion-mnist")


def figures(images: int) -> list[Figure]:
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="genzoo-bench-eval-")
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch

    import genzoo
    from genzoo.data.images import to_float
    from genzoo.metrics import frechet_distance, kernel_distance
    from genzoo.metrics.degrade import DEGRADATIONS
    from genzoo.metrics.evaluate import load_evaluator
    from genzoo.plugins.datasets import load_fashion_mnist
    from genzoo.zoo.offline import import_repo
    from genzoo.zoo.source import registered

    registry = genzoo.registry()
    train, test = load_fashion_mnist(None, "train"), load_fashion_mnist(None, "test")
    rng = torch.Generator().manual_seed(0)
    clean = to_float(train.images[torch.randperm(len(train), generator=rng)[:images]])
    reference = to_float(test.images[torch.randperm(len(test), generator=rng)[:images]])
    sets = {"clean": clean, **{name: degrade(clean) for name, degrade in DEGRADATIONS.items()}}
    results: dict[str, dict[str, float]] = {}
    rows = []
    for name in EVALUATORS:
        import_repo(registered(name, registry), HUB)
        evaluator = load_evaluator(registered(name, registry), registry, "cpu")
        real, _ = evaluator.embed(reference)
        scores = {}
        for label, batch in sets.items():
            fake, _ = evaluator.embed(batch)
            fd = frechet_distance(fake, real)
            kid, _ = kernel_distance(fake, real, subsets=20)
            scores[label] = fd
            rows.append((name, label, fd, 1000 * kid))
        results[name] = scores
    print(f"{'evaluator':<24} {'images':<16} {'FD':>9} {'x clean':>8} {'KID x1000':>10}")
    for name, label, fd, kid in rows:
        ratio = fd / results[name]["clean"]
        print(f"{name:<24} {label:<16} {fd:9.3f} {ratio:8.1f} {kid:10.3f}")
    lenet, resnet = (results[name] for name in EVALUATORS)
    return [
        Figure(
            f"FD of '{label}' / FD of clean images, resnet18 features",
            "x clean",
            [resnet[label] / resnet["clean"]],
            [lenet[label] / lenet["clean"]],
            "lenet5 features",
        )
        for label in DEGRADATIONS
    ]


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--images", type=int, default=2000, help="images per set")
    args = parser.parse_args()
    report(figures(args.images), args.json)


if __name__ == "__main__":
    main()
