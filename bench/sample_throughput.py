"""Sampling images/s of `Generator.sample` beside a plain generator loop, same process.

    python bench/sample_throughput.py [--runs 5] [--images 2048] [--device cpu] [--json F]

Both run the 28x28 DCGAN generator with the same weights in batches of 256: the
plain loop is what a user writes (the tutorial's `nn.Sequential` generator from
`plain_dcgan.py`, `torch.no_grad()`, `G(torch.randn(256, 100))` per batch);
genzoo's is the zoo's `DCGANGenerator.sample(n, batch_size=256)`. Timed alternately after a
warm-up. Target: >= 1.5x on the CPU (issue 30); on a GPU both are reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from genzoo.plugins.dcgan.model import DCGANGenerator
from plain_dcgan import PlainGenerator
from timing import Figure, bench_parser, report

BATCH = 256
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def _rate(run: Callable[[], None], images: int, device: str) -> float:
    start = time.perf_counter()
    run()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return images / (time.perf_counter() - start)


def figures(runs: int = 5, images: int = 2048, device: str = DEVICE) -> list[Figure]:
    torch.manual_seed(0)
    ours = DCGANGenerator().to(device)
    plain_generator = PlainGenerator().to(device).eval()
    plain_generator.load_state_dict(ours.state_dict())

    def plain() -> None:
        with torch.no_grad():
            for _ in range(images // BATCH):
                plain_generator(torch.randn(BATCH, 100, device=device))

    def genzoo() -> None:
        ours.sample(images, seed=0, batch_size=BATCH)

    plain(), genzoo()  # warm-up: allocator, kernels, thread pools
    plain_rates, our_rates = [], []
    for _ in range(runs):
        plain_rates.append(_rate(plain, images, device))
        our_rates.append(_rate(genzoo, images, device))
    target = ">= 1.5x" if device == "cpu" else ""
    name = f"sample images/s, DCGAN batch {BATCH}, {device}"
    return [Figure(name, "img/s", our_rates, plain_rates, "plain no_grad loop", target)]


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--device", default=DEVICE)
    args = parser.parse_args()
    results = figures(args.runs, args.images, args.device)
    report(results, args.json)


if __name__ == "__main__":
    main()
