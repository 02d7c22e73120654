"""Time to quality: the plain DCGAN loop and a genzoo recipe, trained side by side for equal
wall-clock budgets on one thread each, then measured by the zoo's protocol.

    python bench/time_to_quality.py --dataset mnist --recipe dcgan-mnist-fast \\
        --budgets 1m,2m,4m,8m,16m,32m --target 8.99 --json bench/results/ttq-mnist.json

For each budget both runs start together (two processes, OMP_NUM_THREADS=1, so neither
takes the other's core): the plain loop (`bench/baseline_dcgan.py --max-time`, the
textbook loop at its constant rate) and `genzoo train RECIPE --max-time` (start-up and
its card inside the budget). Evaluation happens after, outside the budget: FD with its
95% interval on the dataset's evaluator, 10,000 samples (`genzoo.evaluate`). The report
gives, per budget, both FDs and their ratio, and the first budget at which each run is
below `--target` (the plain loop's final FD after its full 10 epochs) beyond its
interval; the ratio of the plain loop's full training time (`--target-minutes`) to that
budget is the speed-up to quality.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_pair(recipe: str, dataset: str, seconds: float, out: Path, seed: int) -> dict[str, float]:
    """Both trainings of one budget, side by side; each one's wall-clock seconds."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    plain = [sys.executable, str(HERE / "baseline_dcgan.py"), "--dataset", dataset,
             "--max-time", str(seconds), "--seed", str(seed), "--device", "cpu",
             "--out", str(out / "plain")]  # fmt: skip
    ours = [sys.executable, "-m", "genzoo", "train", recipe, "--max-time", str(seconds),
            "--seed", str(seed), "--device", "cpu", "--out", str(out / "genzoo")]  # fmt: skip
    began = time.monotonic()
    jobs = {
        name: subprocess.Popen(command, env=env, cwd=HERE, stdout=subprocess.DEVNULL,
                               stderr=open(out / f"{name}.log", "w"))  # noqa: SIM115
        for name, command in (("plain", plain), ("genzoo", ours))
    }  # fmt: skip
    took = {}
    for name, job in jobs.items():
        if job.wait() != 0:
            sys.exit(f"{name} failed at {seconds:g} s: see {out / (name + '.log')}")
        took[name] = time.monotonic() - began
    return took


def measure(folder: Path, samples: int) -> dict[str, object]:
    import genzoo

    result = genzoo.evaluate(folder, samples=samples, seed=0)
    fd = result.metric("frechet_distance")
    return {"fd": fd.value, "interval": list(fd.interval) if fd.interval else None,
            "precision": result["precision"], "recall": result["recall"]}  # fmt: skip


def first_below(rows: list[dict], who: str, target: float) -> float | None:
    """The smallest budget whose FD is below `target` beyond its interval."""
    for row in rows:
        interval = row[who]["interval"]
        if interval is not None and interval[1] < target:
            return float(row["seconds"])
    return None


def parse_budgets(text: str) -> list[float]:
    from genzoo.train.budget import parse_duration

    return [parse_duration(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--recipe", default="dcgan-mnist-fast")
    parser.add_argument("--budgets", default="1m,2m,4m,8m,16m,32m")
    parser.add_argument("--target", type=float, default=8.99, help="the plain loop's final FD")
    parser.add_argument(
        "--target-minutes", type=float, default=26.0, help="the plain loop's time to that FD"
    )
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("runs/time-to-quality"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    rows = []
    for seconds in parse_budgets(args.budgets):
        out = args.work / f"{args.dataset}-{seconds:g}s"
        out.mkdir(parents=True, exist_ok=True)
        took = run_pair(args.recipe, args.dataset, seconds, out, args.seed)
        row = {"seconds": seconds, "wall": took}
        row["plain"], row["genzoo"] = (
            measure(out / "plain", args.samples),
            measure(out / "genzoo", args.samples),
        )
        rows.append(row)
        shown = {who: f"{row[who]['fd']:.2f} {row[who]['interval']}" for who in ("plain", "genzoo")}
        print(f"{seconds:7.0f} s  plain FD {shown['plain']:28}  genzoo FD {shown['genzoo']:28}  "
              f"ratio {row['genzoo']['fd'] / row['plain']['fd']:.2f}", flush=True)  # fmt: skip
    reached = {who: first_below(rows, who, args.target) for who in ("plain", "genzoo")}
    for who, seconds in reached.items():
        if seconds is None:
            print(f"{who}: not below FD {args.target} beyond its interval at any budget")
        else:
            speedup = args.target_minutes * 60 / seconds
            print(f"{who}: below FD {args.target} at {seconds:.0f} s, {speedup:.1f}x faster "
                  f"than the plain loop's {args.target_minutes:g} min")  # fmt: skip
    if args.json:
        hardware = f"{platform.machine()}, {os.cpu_count()} cores, one thread each"
        record = {"dataset": args.dataset, "recipe": args.recipe, "target": args.target,
                  "target_minutes": args.target_minutes, "samples": args.samples,
                  "rows": rows, "reached": reached, "hardware": hardware}  # fmt: skip
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
