"""Time to quality: the plain DCGAN loop and a genzoo recipe, trained side by side for equal
wall-clock budgets on one thread each, then measured by the zoo's protocol.

    python bench/time_to_quality.py --dataset mnist --recipe dcgan-mnist-fast \\
        --budgets 1m,2m,4m,8m,16m,32m --target 8.99 --json bench/results/ttq-mnist.json

Two processes at a time, OMP_NUM_THREADS=1 each, so neither takes the other's core. The
plain loop (`bench/baseline_dcgan.py`, the textbook loop at its constant rate) trains once,
for the largest budget, and writes a snapshot at each smaller one: with nothing to anneal,
that is what a run with that budget would have written. Beside it, `genzoo train RECIPE
--max-time` (start-up and its card inside the budget) trains once per budget, one run after
another (`--recipe-budgets` may name fewer: their sum is the bench's length). A stopped
bench run again keeps what it finished. Evaluation is outside every budget: FD with its 95%
interval on the dataset's evaluator, 10,000 samples (`genzoo.evaluate`), and the
label-free space's FD where the dataset has one. The report gives, per budget, both FDs and
their ratio, and the first budget at which each run is below `--target` (the plain loop's
final FD after its full 10 epochs) beyond its interval; the ratio of the plain loop's full
training time (`--target-minutes`) to that budget is the speed-up to quality.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WHO = ("plain", "genzoo")


ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def start(command: list[str], log: Path, *written: Path) -> subprocess.Popen[bytes]:
    """`command` in the background on one thread, unless the folders it writes are there
    (cards in them) from an earlier, stopped run of the bench."""
    if all((folder / "README.md").exists() for folder in written):
        command = [sys.executable, "-c", "pass"]
    with open(log, "a") as stream:
        return subprocess.Popen(command, env=ONE_THREAD, cwd=HERE.parent,
                                stdout=subprocess.DEVNULL, stderr=stream)  # fmt: skip


def finish(job: subprocess.Popen[bytes], log: Path) -> None:
    if job.wait() != 0:
        sys.exit(f"{' '.join(map(str, job.args))} failed: see {log}")


def plain(dataset: str, budgets: list[float], out: Path, seed: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(HERE / "baseline_dcgan.py"), "--dataset", dataset,
               "--snapshots", ",".join(f"{b:g}" for b in budgets), "--seed", str(seed),
               "--device", "cpu", "--out", str(out / "plain")]  # fmt: skip
    return start(command, out / "plain.log", *(out / "plain" / f"{b:g}s" for b in budgets))


def recipe(name: str, seconds: float, out: Path, seed: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "genzoo", "train", *shlex.split(name),
               "--max-time", f"{seconds:g}", "--seed", str(seed), "--device", "cpu",
               "--out", str(out / "genzoo" / f"{seconds:g}s")]  # fmt: skip
    return start(command, out / f"genzoo-{seconds:g}s.log", out / "genzoo" / f"{seconds:g}s")


def _in_turn(name: str, budgets: list[float], out: Path, seed: int, failed: list[str]) -> None:
    for seconds in budgets:
        log = out / f"genzoo-{seconds:g}s.log"
        if recipe(name, seconds, out, seed).wait() != 0:
            failed.append(f"genzoo train {name} --max-time {seconds:g} failed: see {log}")
            return


def measure(folder: Path, samples: int) -> dict[str, object]:
    """The zoo's protocol on `folder`, remembered beside it for a bench run again."""
    import genzoo

    remembered = folder.with_name(folder.name + ".eval.json")
    if remembered.exists():
        return json.loads(remembered.read_text())
    result = genzoo.evaluate(folder, samples=samples, seed=0)
    row: dict[str, object] = {}
    for name, key in (("frechet_distance", "fd"), ("frechet_distance_label_free", "fd_label_free")):
        if any(m.name == name for m in result.metrics):
            fd = result.metric(name)
            row[key] = fd.value
            row[f"{key}_interval"] = list(fd.interval) if fd.interval else None
    row["precision"], row["recall"] = result["precision"], result["recall"]
    remembered.write_text(json.dumps(row))
    return row


def train_and_measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    budgets = sorted(parse_budgets(args.budgets))
    ours_budgets = sorted(parse_budgets(args.recipe_budgets)) if args.recipe_budgets else budgets
    out = args.work / args.dataset
    out.mkdir(parents=True, exist_ok=True)
    print(f"training the plain loop ({budgets[-1]:g} s, snapshots) beside {args.recipe} "
          f"({', '.join(f'{b:g}' for b in ours_budgets)} s, one run each)", flush=True)  # fmt: skip
    failed: list[str] = []
    ours = threading.Thread(
        target=_in_turn, args=(args.recipe, ours_budgets, out, args.seed, failed)
    )
    ours.start()
    finish(plain(args.dataset, budgets, out, args.seed), out / "plain.log")
    ours.join()
    if failed:
        sys.exit(failed[0])
    rows = []
    for seconds in budgets:
        row: dict[str, Any] = {"seconds": seconds}
        for who, folder in (("plain", out / "plain"), ("genzoo", out / "genzoo")):
            if who == "genzoo" and seconds not in ours_budgets:
                continue
            print(f"measuring {who} at {seconds:g} s", flush=True)
            row[who] = measure(folder / f"{seconds:g}s", args.samples)
        rows.append(row)
    return rows


def _shown(measured: dict[str, Any] | None) -> str:
    if measured is None:
        return "not run"
    low, high = measured["fd_interval"]
    text = f"{measured['fd']:.2f} [{low:.2f}, {high:.2f}]"
    if "fd_label_free" in measured:
        low, high = measured["fd_label_free_interval"]
        text += f" / {measured['fd_label_free']:.2f} [{low:.2f}, {high:.2f}]"
    return text


def first_below(rows: list[dict], who: str, target: float) -> float | None:
    """The smallest budget whose FD is below `target` beyond its interval."""
    for row in rows:
        if who not in row:
            continue
        interval = row[who]["fd_interval"]
        if interval is not None and interval[1] < target:
            return float(row["seconds"])
    return None


def parse_budgets(text: str) -> list[float]:
    from genzoo.train.budget import parse_duration

    return [parse_duration(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument(
        "--recipe",
        default="dcgan-mnist-fast",
        help="what genzoo train trains: a recipe's name, and options after it if need be "
        "('dcgan-fashion-mnist --batch-size 32 --set lr=1e-3')",
    )
    parser.add_argument("--budgets", default="1m,2m,4m,8m,16m,32m")
    parser.add_argument(
        "--recipe-budgets", help="the recipe's, when fewer (default: --budgets): 1m,2m,4m"
    )
    parser.add_argument("--target", type=float, default=8.99, help="the plain loop's final FD")
    parser.add_argument(
        "--target-minutes", type=float, default=26.0, help="the plain loop's time to that FD"
    )
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("runs/time-to-quality"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    rows = train_and_measure(args)
    for row in rows:
        shown = {who: _shown(row.get(who)) for who in WHO}
        ratio = f"{row['genzoo']['fd'] / row['plain']['fd']:.2f}" if "genzoo" in row else "-"
        print(f"{row['seconds']:7.0f} s  plain FD {shown['plain']:34}  genzoo FD "
              f"{shown['genzoo']:34}  ratio {ratio}")  # fmt: skip
    reached = {who: first_below(rows, who, args.target) for who in WHO}
    for who, seconds in reached.items():
        if seconds is None:
            print(f"{who}: not below FD {args.target} beyond its interval at any budget")
        else:
            speedup = args.target_minutes * 60 / seconds
            print(f"{who}: below FD {args.target} at {seconds:.0f} s, {speedup:.1f}x faster "
                  f"than the plain loop's {args.target_minutes:g} min")  # fmt: skip
    if args.json:
        from genzoo.core.devices import cpu_name

        hardware = f"{cpu_name()}, {os.cpu_count()} cores, one thread per run"
        record = {"dataset": args.dataset, "recipe": args.recipe, "target": args.target,
                  "target_minutes": args.target_minutes, "samples": args.samples,
                  "rows": rows, "reached": reached, "hardware": hardware,
                  "runs": "plain: one run's snapshots; genzoo: one run per budget"}  # fmt: skip
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
