"""Every shipped generator under one protocol, in one process: the zoo's tables (docs/results.md).

    python bench/evaluate_zoo.py [--dataset mnist] [--samples 10000]
                                 [--extra runs/flow-fashion-mnist ...]
                                 [--sweep 5,10,20,50 --sweep-samples 2000] [--json F]

The shipped repos are imported from this project's hub/ into a temporary HF cache; each
generator draws `--samples` images (seed 0, balanced classes when conditional) and is
compared with the test split on its dataset's evaluator's features (`genzoo evaluate`'s
protocol; the real images are embedded once for all). `--extra` adds repo folders (runs
not yet shipped); iterative ones are also measured at each `--sweep` step count on
`--sweep-samples` images. Prints one row per model and setting, with FD's 95% bootstrap
interval and KID's spread.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HUB = Path(__file__).resolve().parents[1] / "hub"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="fashion-mnist", help="whose models to evaluate")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--extra", nargs="*", default=[], help="repo folders to add")
    parser.add_argument("--only", nargs="*", help="only these registered models")
    parser.add_argument("--sweep", default="", help="step counts for iterative models: 5,10")
    parser.add_argument("--sweep-samples", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="write the rows here too")
    parser.add_argument(
        "--write", action="store_true", help="store the metrics in the --extra folders' cards"
    )
    args = parser.parse_args()
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="genzoo-bench-zoo-")
    os.environ["HF_HUB_OFFLINE"] = "1"

    import genzoo
    from genzoo.core.interfaces import sampler
    from genzoo.core.lazy import resolve
    from genzoo.core.metric import Metric
    from genzoo.metrics.evaluate import evaluate, load_evaluator
    from genzoo.recording import store_metrics
    from genzoo.zoo.card import task_of
    from genzoo.zoo.load import load
    from genzoo.zoo.offline import import_repo
    from genzoo.zoo.source import LocalRepo, registered

    registry = genzoo.registry()
    dataset = registry.dataset(args.dataset)
    shipped = [
        model.name
        for model in registry.models.values()
        if (HUB / model.repo_id / "config.json").is_file()
        and model.dataset == dataset.name
        and (not args.only or model.name in args.only)
    ]
    for name in {*shipped, dataset.evaluator}:
        import_repo(registered(name, registry), HUB)
    evaluator = load_evaluator(registered(dataset.evaluator, registry), registry, "cpu")
    load_split = resolve(dataset.loader)
    train, test = load_split(None, "train"), load_split(None, "test")
    rows: list[dict[str, Any]] = []
    sources = [(name, registered(name, registry)) for name in shipped]
    sources += [(folder, LocalRepo(folder, Path(folder))) for folder in args.extra]
    sweep = [int(steps) for steps in args.sweep.split(",") if steps]
    for label, source in sources:
        model = load(source, registry, device="cpu")
        generator = sampler(model)
        if generator is None:
            continue
        settings: list[tuple[int, dict[str, Any]]] = [(args.samples, {})]
        if "steps" in generator.sampling_options:
            settings += [(args.sweep_samples, {"steps": steps}) for steps in sweep]
        stored: list[Metric] = []
        for samples, options in settings:
            start = time.perf_counter()
            metrics = evaluate(model, train, test, evaluator, samples, 0, sampling=options)
            if options:  # a sweep point: its FD, named by its step count, joins the card
                fd = next(m for m in metrics if m.name == "frechet_distance")
                stored.append(replace(fd, name=f"frechet_distance_{options['steps']}_steps"))
            else:
                stored += metrics
            row = {
                "model": label,
                "samples": samples,
                "options": {**generator.sampling_options, **options},
                "seconds": round(time.perf_counter() - start, 1),
                **{m.name: {"value": m.value, "interval": m.interval} for m in metrics},
            }
            rows.append(row)
            print(_line(row), flush=True)
        if args.write and isinstance(source, LocalRepo):
            conditional = generator.num_classes > 0
            task = task_of(list(model), conditional)
            store_metrics(source.folder, stored, dataset.name, task, [], dataset.hub_id)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


def _line(row: dict[str, Any]) -> str:
    fd, kid = row["frechet_distance"], row["kernel_distance"]
    low, high = fd["interval"]
    cas = row.get("classification_accuracy_score", {}).get("value")
    options = " ".join(f"{k}={v}" for k, v in row["options"].items())
    return (
        f"{row['model']:<32} {row['samples']:>6} {options:<36} FD {fd['value']:7.3f} "
        f"[{low:.3f}, {high:.3f}]  KID {1000 * kid['value']:7.2f}e-3  "
        f"P {row['precision']['value']:.3f} R {row['recall']['value']:.3f} "
        f"D {row['density']['value']:.3f} C {row['coverage']['value']:.3f}"
        + (f"  CAS {cas:.3f}" if cas is not None else "")
        + f"  ({row['seconds']:.0f} s)"
    )


if __name__ == "__main__":
    main()
