"""Rankings in two feature spaces: each generator's samples embedded by the dataset's
classifier (resnet18) and by its label-free encoder (simclr), FD with intervals in both.

    python bench/two_spaces.py --dataset fashion-mnist --models dcgan-fashion-mnist,... \\
        [--samples 10000] [--json bench/results/two-spaces-fashion-mnist.json]

One draw of samples per model (seed 0; conditional models balanced over the classes),
embedded twice, against the same 10,000 test images: a ranking that holds in one space
only is a property of that network's features, not of the models. Also the sensitivity
of both spaces to the degradations of `genzoo.metrics.degrade` on real images (FD of the
degraded train images over the clean ones' FD, both against the test split), so that a
disagreement can be read against what each space sees. Models come from this project's
hub/ (no network).

The sensitivity is measured at the zoo's sample count (10,000 images a set) by default:
with fewer, FD's upward bias dominates in a space whose features spread over many
dimensions (simclr-mnist: train against test 3.67 at 2,000 images, 0.22 at 10,000), and a
mild degradation that narrows the features can come out "closer" than clean images.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

HUB = Path(__file__).resolve().parents[1] / "hub"


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument(
        "--label-free",
        help="a candidate second space (a model or run folder) instead of "
        "the dataset's label_free_evaluator",
    )
    parser.add_argument("--models", default="", help="comma-separated; none: sensitivity only")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument(
        "--images", type=int, default=10_000, help="per set, for sensitivity (the zoo's count)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="genzoo-two-spaces-"))
    os.environ["HF_HUB_OFFLINE"] = "1"

    import torch

    import genzoo
    from genzoo.core.interfaces import sampler
    from genzoo.core.lazy import resolve
    from genzoo.data.images import to_float
    from genzoo.metrics import frechet_distance
    from genzoo.metrics.degrade import DEGRADATIONS, drop_class
    from genzoo.metrics.evaluate import _frechet, load_evaluator
    from genzoo.zoo.offline import import_repo
    from genzoo.zoo.source import LocalRepo, locate

    registry = genzoo.registry()
    load = resolve(registry.dataset(args.dataset).loader)
    train, test = load(None, "train"), load(None, "test")
    entry = registry.dataset(args.dataset)
    spaces = {}
    for name in (entry.evaluator, args.label_free or entry.label_free_evaluator):
        if not name:
            raise SystemExit(f"{args.dataset} names no label-free evaluator: pass --label-free")
        source = locate(name, registry)
        if not isinstance(source, LocalRepo):
            import_repo(source, HUB)
        spaces[Path(name).name] = load_evaluator(source, registry, "cpu")
    real = {name: space.embed(to_float(test.images))[0] for name, space in spaces.items()}
    record: dict = {
        "dataset": args.dataset,
        "samples": args.samples,
        "images": args.images,
        "sensitivity": {},
        "fd": {},
    }

    rng = torch.Generator().manual_seed(0)
    pick = torch.randperm(len(train), generator=rng)[: args.images]
    clean, labels = to_float(train.images[pick]), train.labels[pick]
    sets = {"clean": clean, **{k: f(clean) for k, f in DEGRADATIONS.items()}}
    sets["class 0 dropped"] = drop_class(clean, labels, 0)
    subset = {name: r[: args.images] for name, r in real.items()}
    print(f"{'degradation':18}" + "".join(f"{name:>26}" for name in spaces))
    for label, images in sets.items():
        scores = {}
        for name, space in spaces.items():
            scores[name] = frechet_distance(space.embed(images)[0], subset[name])
        record["sensitivity"][label] = scores
        floor = record["sensitivity"]["clean"]
        shown = "".join(f"{scores[n]:12.3f} ({scores[n] / floor[n]:6.1f}x)   " for n in spaces)
        print(f"{label:18}{shown}", flush=True)

    for model_name in [m for m in args.models.split(",") if m]:
        import_repo(locate(model_name, registry), HUB)  # type: ignore[arg-type]
        model = genzoo.load(model_name, device="cpu")
        generator = sampler(model)
        y = torch.arange(args.samples) % generator.num_classes if generator.num_classes else None
        images = generator.sample(args.samples, y, seed=0, batch_size=500)
        row = {}
        for name, space in spaces.items():
            fd, interval, _ = _frechet(space.embed(images.cpu())[0], real[name])
            row[name] = {"fd": fd, "interval": list(interval) if interval else None}
        record["fd"][model_name] = row
        shown = "".join(
            f"{row[n]['fd']:10.3f} [{row[n]['interval'][0]:.2f}, {row[n]['interval'][1]:.2f}]"
            for n in spaces
        )
        print(f"{model_name:32}{shown}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
