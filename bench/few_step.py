"""Few-step sampling at a GAN's cost: images/s and FD of the distilled flow beside the DCGAN
and the 20-step flow it was distilled from, in one process (issue 31).

    python bench/few_step.py [--samples 10000] [--rate-images 1024] [--runs 3]
                             [--extra runs/flow-distilled-fashion-mnist] [--json F]

The shipped repos are imported from this project's hub/ into a temporary HF cache (`--extra`
adds run folders not yet shipped). Speed: each model draws `--rate-images` images in
batches of 256 through `Generator.sample` as a user calls it (its default steps and
compilation), the models taking turns `--runs` times after a warm-up; the figure is the
median, and the advantage column is over the 20-step flow. Quality: `genzoo evaluate`'s
protocol on the same real features (`--samples` images, seed 0), FD with its 95% interval.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from timing import Figure, bench_parser, report

HUB = Path(__file__).resolve().parents[1] / "hub"
# the distilled flow's teacher is the converged flow (flow-distilled-fashion-mnist-5ep's is
# flow-fashion-mnist-5ep)
MODELS = ("dcgan-fashion-mnist", "flow-fashion-mnist", "flow-distilled-fashion-mnist")
BATCH = 256


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--samples", type=int, default=10_000, help="images for FD")
    parser.add_argument("--rate-images", type=int, default=1024, help="images per timing")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--extra", nargs="*", default=[], help="run folders to add")
    args = parser.parse_args()
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="genzoo-bench-few-step-")
    os.environ["HF_HUB_OFFLINE"] = "1"

    import genzoo
    from genzoo.core.interfaces import sampler
    from genzoo.core.lazy import resolve
    from genzoo.metrics.evaluate import evaluate, load_evaluator
    from genzoo.zoo.load import load
    from genzoo.zoo.offline import import_repo
    from genzoo.zoo.source import LocalRepo, registered

    registry = genzoo.registry()
    dataset = registry.dataset("fashion-mnist")
    sources = {}
    for name in MODELS:
        if (HUB / registry.models[name].repo_id / "config.json").is_file():
            import_repo(registered(name, registry), HUB)
            sources[name] = registered(name, registry)
    sources |= {folder: LocalRepo(folder, Path(folder)) for folder in args.extra}
    import_repo(registered(dataset.evaluator, registry), HUB)
    evaluator = load_evaluator(registered(dataset.evaluator, registry), registry, "cpu")
    load_split = resolve(dataset.loader)
    train, test = load_split(None, "train"), load_split(None, "test")

    models = {label: load(source, registry, device="cpu") for label, source in sources.items()}
    generators = {label: sampler(model) for label, model in models.items()}
    steps = {
        label: generator.sampling_options.get("steps", 1) for label, generator in generators.items()
    }
    labels = {
        label: f"{label} ({count} network evaluation{'s' * (count != 1)} per image)"
        for label, count in steps.items()
    }

    def draw(label: str) -> float:
        start = time.perf_counter()
        generators[label].sample(args.rate_images, seed=0, batch_size=BATCH)
        return args.rate_images / (time.perf_counter() - start)

    for label in generators:
        draw(label)  # warm-up, and the compilation of those that compile
    rates: dict[str, list[float]] = {label: [] for label in generators}
    for _ in range(args.runs):
        for label in generators:
            rates[label].append(draw(label))
    medians = ", ".join(f"{label} {statistics.median(rate):.0f}" for label, rate in rates.items())
    print(f"median images/s: {medians}", flush=True)
    teacher = next((label for label in rates if label.startswith("flow-fashion")), "")
    figures = [
        Figure(
            f"{labels[label]} images/s, batch {BATCH}, cpu",
            "img/s",
            rates[label],
            rates[teacher] if teacher and label != teacher else [],
            "the 20-step flow" if teacher and label != teacher else "",
        )
        for label in rates
    ]
    for label, model in models.items():
        metrics = evaluate(model, train, test, evaluator, args.samples, 0)
        fd = next(metric for metric in metrics if metric.name == "frechet_distance")
        low, high = fd.interval or (fd.value, fd.value)
        print(f"{labels[label]}: FD {fd.value:.3f} [{low:.3f}, {high:.3f}]", flush=True)
        figures.append(Figure(f"{labels[label]} FD, {args.samples:,} samples", "FD", [fd.value]))
    report(figures, args.json)


if __name__ == "__main__":
    main()
