"""Training images/s of genzoo's loop beside a plain hand-written DCGAN loop, same run.

    python bench/train_throughput.py [--steps 60] [--batch-size 128] [--device cpu] [--json F]

Both train the identical architecture (genzoo's 28x28 DCGAN) with the same
objective, optimizers and batch size on Fashion-MNIST, data loading included:
the plain loop is the usual PyTorch recipe (a DataLoader over a TensorDataset,
per-batch conversion), genzoo's is `genzoo.train.loop.train`. Each is timed
after a few warm-up steps, alternating, several rounds; the ratio is
genzoo / plain (target: >= 1.3 on the CPU, issue 30; >= 2 on a GPU via bf16 and channels_last).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch

from genzoo.data.images import ImageData
from genzoo.plugins import installed
from genzoo.plugins.datasets import load_fashion_mnist
from genzoo.train.loop import RunSettings, train
from genzoo.train.recipe import fit_to_data, make_recipe
from plain_dcgan import PlainDiscriminator, PlainGenerator, plain_steps
from timing import Figure, bench_parser, report

WARMUP = 5
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def plain_loop(images: torch.Tensor, steps: int, batch_size: int, device: str) -> float:
    """Images/s of the textbook loop (`plain_dcgan.plain_steps`) after WARMUP steps."""
    torch.manual_seed(0)
    generator, discriminator = PlainGenerator().to(device), PlainDiscriminator().to(device)
    loop = plain_steps(generator, discriminator, images, batch_size, device)
    for _ in range(WARMUP):
        next(loop)
    start = time.perf_counter()
    for _ in range(steps):
        next(loop)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps * batch_size / (time.perf_counter() - start)


def genzoo_loop(data: ImageData, steps: int, batch_size: int, device: str) -> float:
    """Images/s of `genzoo.train.loop.train`: two runs, WARMUP and WARMUP + steps long, timed
    whole; their difference is the timed steps alone (start-up and writing cancel out)."""
    recipe = make_recipe("dcgan", installed().registry, "fashion-mnist", {"ema": 0.0})
    recipe = fit_to_data(recipe, data.image_shape, ())
    seconds = {}
    with tempfile.TemporaryDirectory() as out:
        for total in (WARMUP, steps + WARMUP):
            settings = RunSettings(
                Path(out) / str(total), epochs=1000, batch_size=batch_size, device=device,
                max_steps=total, checkpoint_every=10**9, sample_every=10**9, progress=False,
            )  # fmt: skip
            start = time.perf_counter()
            train(recipe, data, settings)
            seconds[total] = time.perf_counter() - start
    return steps * batch_size / (seconds[steps + WARMUP] - seconds[WARMUP])


def figures(
    runs: int = 3, steps: int = 60, batch_size: int = 128, device: str = DEVICE
) -> list[Figure]:
    data = load_fashion_mnist(None, "train")
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # alternating, so that both meet the same machine
        plain.append(plain_loop(data.images, steps, batch_size, device))
        ours.append(genzoo_loop(data, steps, batch_size, device))
    target = ">= 1.3x" if device == "cpu" else ">= 2x"
    name = f"train images/s, DCGAN batch {batch_size}, {device}"
    return [Figure(name, "img/s", ours, plain, "plain PyTorch loop", target)]


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default=DEVICE)
    args = parser.parse_args()
    results = figures(args.rounds, args.steps, args.batch_size, args.device)
    report(results, args.json)


if __name__ == "__main__":
    main()
