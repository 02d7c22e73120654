"""`genzoo evaluate` end to end, cold and warm, beside a plain script computing the same
metrics over the same networks, and 2 processes (torchrun) beside 1 (issue 30).

    python bench/evaluate_speed.py [--model dcgan-fashion-mnist] [--samples 10000] [--json F]

Every figure is the wall time of a fresh process, so each pays its imports and loads:
- genzoo cold: `genzoo evaluate MODEL --samples N --no-write --json` with an empty feature
  cache (the real images embedded); warm: run again, the real features read from disk.
- plain script: what a user writes from the papers with the same evaluator network and the
  same images: embeds the test, train and generated images (features, then logits by a
  second pass, as a classifier's forward is usually called), and for the generated images
  and for the train images (the floor) computes FD with a 100-resample bootstrap, KID,
  precision/recall and density/coverage each from its own neighbourhoods, and the
  Inception-style score. Its FD is checked against genzoo's.
- torchrun: the cold evaluation launched with `torchrun --nproc-per-node 2` (one thread
  each) beside the same in one process (all threads).
The model and the evaluator are imported from this project's hub/ into a temporary HF cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import Figure, bench_parser, report

HUB = Path(__file__).resolve().parents[1] / "hub"
BATCH = 500


def plain_script(model_name: str, samples: int) -> dict[str, float]:
    """The metrics computed by hand: genzoo only loads the two networks and the data."""
    import torch

    import genzoo
    from genzoo.core.lazy import resolve
    from genzoo.data.images import to_float

    registry = genzoo.registry()
    model = genzoo.load(model_name)
    dataset = registry.dataset(registry.models[model_name].dataset)
    classifier = genzoo.load(dataset.evaluator)["classifier"].eval()
    load_split = resolve(dataset.loader)
    train, test = load_split(None, "train"), load_split(None, "test")

    @torch.inference_mode()
    def embed(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features, logits = [], []
        for start in range(0, len(images), BATCH):
            batch = images[start : start + BATCH]
            features.append(classifier.features(batch))
            logits.append(classifier(batch))
        return torch.cat(features).double(), torch.cat(logits).double()

    def pick(data, seed: int) -> torch.Tensor:
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
        return to_float(data.images[order[:samples]])

    real, _ = embed(pick(test, 0))
    floor, floor_logits = embed(pick(train, 1))  # train images: every metric's floor
    with torch.inference_mode():
        fake_images = model["generator"].sample(samples, seed=0, batch_size=BATCH)
    fake, fake_logits = embed(fake_images)

    def fd(a: torch.Tensor, b: torch.Tensor) -> float:
        ma, mb = a.mean(0), b.mean(0)
        ca, cb = torch.cov(a.T), torch.cov(b.T)
        values, vectors = torch.linalg.eigh(ca)
        root = (vectors * values.clamp(min=0).sqrt()) @ vectors.T
        middle = torch.linalg.eigvalsh(root @ cb @ root).clamp(min=0).sqrt().sum()
        return float((ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * middle)

    def radii(points: torch.Tensor, k: int) -> torch.Tensor:
        return torch.cdist(points, points).kthvalue(k + 1, dim=1).values

    def inside(points: torch.Tensor, centres: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        return torch.cdist(points, centres) <= r[None, :]

    def kid(a: torch.Tensor, b: torch.Tensor, rng: torch.Generator) -> float:
        dim, size, total = b.shape[1], min(1000, samples), 0.0
        for _ in range(100):  # the unbiased MMD^2 over subsets of 1,000
            x = a[torch.randperm(samples, generator=rng)[:size]]
            y = b[torch.randperm(samples, generator=rng)[:size]]
            k_xx, k_yy, k_xy = [(p @ q.T / dim + 1) ** 3 for p, q in ((x, x), (y, y), (x, y))]
            within = k_xx.sum() - k_xx.trace() + k_yy.sum() - k_yy.trace()
            total += float(within / (size * (size - 1)) - 2 * k_xy.mean()) / 100
        return total

    def score(logits: torch.Tensor) -> float:
        log_p = logits.log_softmax(1)
        return float((log_p.exp() * (log_p - log_p.exp().mean(0).log())).sum(1).mean().exp())

    def metrics(made: torch.Tensor, logits: torch.Tensor) -> dict[str, float]:
        rng = torch.Generator().manual_seed(0)
        for _ in range(100):  # the bootstrap interval, as many resamples as genzoo's
            fd(made[torch.randint(samples, (samples,), generator=rng)],
               real[torch.randint(samples, (samples,), generator=rng)])  # fmt: skip
        held = inside(made, real, radii(real, 5))
        return {
            "frechet_distance": fd(made, real),
            "kernel_distance": kid(made, real, rng),
            "precision": float(inside(made, real, radii(real, 3)).any(1).double().mean()),
            "recall": float(inside(real, made, radii(made, 3)).any(1).double().mean()),
            "density": float(held.sum() / (5 * samples)),
            "coverage": float(held.any(0).double().mean()),
            "inception_score": score(logits),
        }

    metrics(floor, floor_logits)  # each figure beside its floor, as genzoo prints them
    return metrics(fake, fake_logits)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--model", default="dcgan-fashion-mnist")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:  # the plain script's own process
        print(json.dumps(plain_script(args.model, args.samples)))
        return
    scratch = Path(tempfile.mkdtemp(prefix="genzoo-bench-evaluate-"))
    env = {**os.environ, "HF_HOME": str(scratch / "hf"), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    genzoo_cli = [sys.executable, "-m", "genzoo"]
    evaluator = _evaluator_of(args.model)
    for name in (args.model, evaluator):
        subprocess.run([*genzoo_cli, "pull", name, "--from", str(HUB)], env=env, check=True,
                       capture_output=True)  # fmt: skip
    evaluate = ["evaluate", args.model, "--samples", str(args.samples), "--no-write", "--json"]
    cache = scratch / "cache"

    def cold(command: list[str], extra: dict[str, str] | None = None) -> tuple[float, str]:
        shutil.rmtree(cache, ignore_errors=True)
        return timed(command, {**env, "GENZOO_CACHE": str(cache), **(extra or {})})

    cold_s, ours = cold([*genzoo_cli, *evaluate])
    warm_s, _ = timed([*genzoo_cli, *evaluate], {**env, "GENZOO_CACHE": str(cache)})
    script = [sys.executable, __file__, "--plain", "--model", args.model]
    plain_s, theirs = timed([*script, "--samples", str(args.samples)], env)
    torchrun = [str(Path(sys.executable).with_name("torchrun")), "--nproc-per-node", "2"]
    shared_s, _ = cold([*torchrun, "-m", "genzoo", *evaluate], {"OMP_NUM_THREADS": "1"})
    genzoo_fd = next(m["value"] for m in json.loads(ours) if m["name"] == "frechet_distance")
    plain_fd = json.loads(theirs)["frechet_distance"]
    print(f"FD: genzoo {genzoo_fd:.4f}, plain script {plain_fd:.4f} ({args.samples:,} samples)")
    name = f"evaluate {args.model}, {args.samples:,} samples"
    report(
        [
            Figure(f"{name}, cold", "s", [cold_s], [plain_s], "plain script", ">= 1.0x"),
            Figure(f"{name}, warm", "s", [warm_s], [plain_s], "plain script", ">= 1.0x"),
            Figure(f"{name}, cold, 2 processes", "s", [shared_s], [cold_s], "1 process"),
        ],
        args.json,
    )
    shutil.rmtree(scratch, ignore_errors=True)


def _evaluator_of(model: str) -> str:
    import genzoo

    registry = genzoo.registry()
    return registry.dataset(registry.models[model].dataset).evaluator


if __name__ == "__main__":
    main()
