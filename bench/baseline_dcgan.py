"""Train the plain-loop DCGAN baseline for whole epochs and write it as a repo folder.

    python bench/baseline_dcgan.py --epochs 10 --seed 0 --out runs/baseline-dcgan
    genzoo evaluate runs/baseline-dcgan          # the same protocol as the zoo's cards
    python bench/baseline_dcgan.py --report runs/baseline-dcgan

    python bench/baseline_dcgan.py --dataset mnist --out runs/baseline-dcgan-mnist
    genzoo evaluate runs/baseline-dcgan-mnist --evaluator resnet18-mnist

The zoo's generators must beat what the textbook loop makes in the same number of
epochs (issue 5); `--report` prints each published generator's Fréchet distance
beside the baseline's and the floor, with the ratio zoo / baseline (lower is better).
"""

from __future__ import annotations

import argparse
import copy
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch

from genzoo.core.lazy import resolve
from genzoo.core.model import ZooModel
from genzoo.plugins import installed
from genzoo.plugins.dcgan.model import DCGANDiscriminator, DCGANGenerator
from genzoo.train.budget import process_age
from genzoo.zoo.card import CardInfo, card_metadata
from genzoo.zoo.repo import CARD_FILE
from genzoo.zoo.weights import write_repo
from plain_dcgan import plain_steps


def train_baseline(
    dataset: str,
    epochs: int,
    batch_size: int,
    seed: int,
    device: str,
    out: Path,
    snapshots: list[float] | None = None,
) -> None:
    """The textbook loop for `epochs`, or for as long as the largest of `snapshots` (seconds
    of wall-clock time from the process's start), writing a repo at each one into
    OUT/<seconds>s. The loop's rate is constant (nothing to anneal), so a snapshot at t is
    what a run with a budget of t would have written; the time spent writing one is not
    charged to the next."""
    registry = installed().registry
    data = resolve(registry.dataset(dataset).loader)(None, "train")
    torch.manual_seed(seed)
    generator, discriminator = DCGANGenerator().to(device), DCGANDiscriminator().to(device)
    steps = epochs * (len(data) // batch_size)
    loop = plain_steps(generator, discriminator, data.images, batch_size, device)
    start = time.perf_counter()
    due = sorted(snapshots or [])
    origin = time.monotonic() - process_age()  # budgets count from the process's start
    paused = 0.0
    if due:
        steps = 10**12  # the clock ends it
    for step in range(1, steps + 1):
        while due and time.monotonic() - origin - paused >= due[0] - 1.5:  # ~1 s to write
            began = time.monotonic()
            folder = out / f"{due.pop(0):g}s"
            _write(generator, discriminator, dataset, data, step - 1, batch_size, seed, device,
                   folder, time.monotonic() - origin - paused)  # fmt: skip
            paused += time.monotonic() - began
        if snapshots and not due:
            break
        losses = next(loop)
        if step % 200 == 0 or step == steps:
            rate = step * batch_size / (time.perf_counter() - start - paused)
            shown = ", ".join(f"{k} {v.item():.3f}" for k, v in losses.items())
            print(f"step {step:,}: {shown}, {rate:.0f} img/s", file=sys.stderr)
    if not snapshots:
        _write(generator, discriminator, dataset, data, steps, batch_size, seed, device, out,
               time.perf_counter() - start)  # fmt: skip


def _write(
    generator: torch.nn.Module,
    discriminator: torch.nn.Module,
    dataset: str,
    data: Any,
    steps: int,
    batch_size: int,
    seed: int,
    device: str,
    out: Path,
    seconds: float,
) -> None:
    registry = installed().registry
    model = ZooModel(
        f"baseline-dcgan-{dataset}",
        "dcgan",
        dict(registry.architecture("dcgan").config),
        {"generator": copy.deepcopy(generator).cpu(),
         "discriminator": copy.deepcopy(discriminator).cpu()},
    )  # fmt: skip
    command = " ".join(["python", *sys.argv])
    card = CardInfo(
        description="The plain hand-written PyTorch DCGAN loop (bench/plain_dcgan.py): the "
        "baseline the zoo's generators are compared with. Not a zoo model.",
        dataset=dataset,
        dataset_id=registry.dataset(dataset).hub_id,
        data_license=registry.dataset(dataset).license,
        family="gan",
        parameters=sum(p.numel() for p in model.parameters()),
        training={
            "command": f"`{command}`",
            "seed": str(seed),
            "data": f"{dataset}, train split, {len(data):,} images ({data.source})",
            "schedule": f"{steps:,} steps of batch {batch_size} "
            f"({steps * batch_size / len(data):.2f} epochs)",
            "hardware": f"{device}: {platform.processor() or platform.machine()}, "
            f"torch {torch.__version__}, {torch.get_num_threads()} threads",
            "time": f"{seconds / 60:.1f} min of training",
        },
    )
    write_repo(model.eval(), out, card)
    print(f"wrote {out} after {seconds:.0f} s; next: genzoo evaluate {out}", file=sys.stderr)


def report(baseline: Path) -> None:
    """Each published generator of the baseline's dataset: its Fréchet distance beside
    the baseline's."""
    metadata = card_metadata((baseline / CARD_FILE).read_text())
    fd = _frechet(metadata)
    if fd is None:
        sys.exit(f"{baseline} has no frechet_distance yet: run genzoo evaluate {baseline}")
    print(f"{'model':28} {'epochs':>6} {'FD':>8} {'/ baseline':>10}")
    print(f"{'baseline (plain loop)':28} {'':>6} {fd:8.3f} {1:10.2f}")
    registry = installed().registry
    hub_ids = {d.hub_id: d.name for d in registry.datasets.values() if d.hub_id}
    datasets = {hub_ids.get(d, d) for d in metadata.get("datasets") or []}
    for entry in registry.models.values():
        value = entry.metrics.get("frechet_distance")
        if entry.dataset not in datasets:
            continue
        if value is not None:
            epochs = entry.recipe.get("epochs", "")
            print(f"{entry.name:28} {epochs:>6} {value:8.3f} {value / fd:10.2f}")


def _frechet(metadata: dict[str, Any]) -> float | None:
    for model in metadata.get("model-index") or []:
        for result in model.get("results", []):
            for metric in result.get("metrics", []):
                if metric.get("type") == "frechet_distance":
                    return float(metric["value"])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=Path("runs/baseline-dcgan"))
    parser.add_argument(
        "--snapshots",
        help="instead of epochs: seconds from the process's start at which to write a repo "
        "into OUT/<seconds>s, comma-separated (60,120,240)",
    )
    parser.add_argument("--report", type=Path, help="print FD ratios against this baseline")
    args = parser.parse_args()
    if args.report:
        report(args.report)
    else:
        train_baseline(
            args.dataset, args.epochs, args.batch_size, args.seed, args.device, args.out,
            [float(part) for part in args.snapshots.split(",")] if args.snapshots else None,
        )  # fmt: skip


if __name__ == "__main__":
    main()
