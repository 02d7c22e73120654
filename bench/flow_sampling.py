"""Flow sampling images/s: `genzoo sample`'s path beside a plain Euler loop, same network.

    python bench/flow_sampling.py [--runs 3] [--images 512] [--steps 20] [--json F]

Both integrate the 28x28 flow U-Net (the flow-fashion-mnist architecture, one set of
random weights) from the same noise in batches of 256 with 20 Euler steps. The plain loop
is what a user writes: `torch.no_grad()`, `x = x + dt * net(x, t)` per step. genzoo's is
`FlowGenerator.sample(n, steps=20)` (inference mode, codes drawn on the CPU), eager and
compiled (`compile=True`, what `compile="auto"` picks for runs past
`COMPILE_PAYS_AFTER` network evaluations, e.g. `genzoo evaluate`); the compilation's own
cost is a figure of its own. Timed alternately after a warm-up. Issue 21's target is
>= 1.3x on the CPU.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

from timing import Figure, bench_parser, report

BATCH = 256


def _rate(run: Callable[[], None], images: int) -> float:
    start = time.perf_counter()
    run()
    return images / (time.perf_counter() - start)


def figures(runs: int = 3, images: int = 512, steps: int = 20) -> list[Figure]:
    import genzoo

    torch.manual_seed(0)
    generator = genzoo.build("flow").generator.eval()
    noise = torch.randn(images, 1, 28, 28, generator=torch.Generator().manual_seed(0))

    def plain() -> None:
        with torch.no_grad():
            for start in range(0, images, BATCH):
                x = noise[start : start + BATCH]
                for i in range(steps):
                    t = torch.full((len(x),), i / steps)
                    x = x + generator.unet(x, t) / steps

    def ours() -> None:
        generator.sample(images, seed=0, batch_size=BATCH, steps=steps, compile=False)

    def compiled() -> None:
        generator.sample(images, seed=0, batch_size=BATCH, steps=steps, compile=True)

    plain(), ours()  # warm-up: allocator, kernels, thread pools
    start = time.perf_counter()
    compiled()  # the first call compiles
    first_call = time.perf_counter() - start
    plain_rates, our_rates, compiled_rates = [], [], []
    for _ in range(runs):
        plain_rates.append(_rate(plain, images))
        our_rates.append(_rate(ours, images))
        compiled_rates.append(_rate(compiled, images))
    # the compilation's cost: the first call less what a compiled call takes once compiled
    compiling = first_call - images / statistics.median(compiled_rates)
    name = f"flow sample images/s, {steps} Euler steps, batch {BATCH}, cpu"
    baseline = "plain no_grad Euler loop"
    return [
        Figure(f"{name}, eager", "img/s", our_rates, plain_rates, baseline, ">= 1.3x"),
        Figure(f"{name}, compiled", "img/s", compiled_rates, plain_rates, baseline, ">= 1.3x"),
        Figure("torch.compile of the U-Net, first use, s", "s", [compiling]),
    ]


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    report(figures(args.runs, args.images, args.steps), args.json)


if __name__ == "__main__":
    main()
