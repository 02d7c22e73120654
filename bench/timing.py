"""What every benchmark shares: timing fresh processes, and printing/saving figures."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def wall_times(
    command: list[str],
    runs: int,
    env: Mapping[str, str] | None = None,
    before_each: Callable[[], None] | None = None,
) -> list[float]:
    """Seconds per run of `command` in a fresh process, after one discarded warm-up run
    (so that every command meets the same warm OS file cache and, as on a user's
    machine, compiled bytecode: PYTHONDONTWRITEBYTECODE is dropped, or an editable
    install recompiles genzoo's sources on every run). `before_each` runs untimed
    before every run, e.g. to empty a cache."""
    _timed(command, env, before_each)  # the warm-up
    return [_timed(command, env, before_each) for _ in range(runs)]


def paired_wall_times(
    ours: list[str],
    theirs: list[str],
    runs: int,
    env: Mapping[str, str] | None = None,
    their_env: Mapping[str, str] | None = None,
    before_ours: Callable[[], None] | None = None,
) -> tuple[list[float], list[float]]:
    """`wall_times` of two commands taken in turns, in ABBA order (ours, theirs, theirs,
    ours, ...), so that a drift in the machine's speed (another process, the mirror
    still busy) falls on both alike rather than on whichever command ran later."""
    _timed(ours, env, before_ours)
    _timed(theirs, their_env)
    mine, other = [], []
    for run in range(runs):
        pair = [(mine, ours, env, before_ours), (other, theirs, their_env, None)]
        for times, command, command_env, before in pair if run % 2 == 0 else pair[::-1]:
            times.append(_timed(command, command_env, before))
    return mine, other


def _timed(
    command: list[str],
    env: Mapping[str, str] | None = None,
    before: Callable[[], None] | None = None,
) -> float:
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if before is not None:
        before()
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True,
                   env={"GENZOO_LOAD_PLUGINS": "", **inherited, **(env or {})})  # fmt: skip
    return time.perf_counter() - start


LOWER_IS_BETTER = {"s", "FD", "sd"}  # units of times, distances and spreads


@dataclass
class Figure:
    """One measured figure beside the baseline measured in the same run."""

    name: str
    unit: str  # "s", "FD", "sd" (lower is better), "img/s", "share" (higher is better)
    genzoo: list[float]
    baseline: list[float] = field(default_factory=list)
    baseline_name: str = ""
    target: str = ""  # e.g. ">= 10x" (an advantage) or "< 0.3 s" (an absolute figure)

    def advantage(self) -> float | None:
        """How many times better genzoo's median is than the baseline's (> 1: better)."""
        if not self.baseline:
            return None
        ours, theirs = statistics.median(self.genzoo), statistics.median(self.baseline)
        return theirs / ours if self.unit in LOWER_IS_BETTER else ours / theirs

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figure:
        baseline = data["baseline"] or {}
        ours, theirs = list(data["genzoo"]["runs"]), list(baseline.get("runs", []))
        return cls(
            data["name"], data["unit"], ours, theirs, baseline.get("name", ""), data["target"]
        )

    def to_json(self) -> dict[str, object]:
        def spread(values: list[float]) -> dict[str, object]:
            return {"median": statistics.median(values), "min": min(values), "max": max(values),
                    "runs": values}  # fmt: skip

        return {
            "name": self.name,
            "unit": self.unit,
            "genzoo": spread(self.genzoo),
            "baseline": {"name": self.baseline_name, **spread(self.baseline)}
            if self.baseline
            else None,
            "advantage": self.advantage(),
            "target": self.target,
        }


def print_figures(figures: Sequence[Figure]) -> None:
    """One table: genzoo's median (min-max), the baseline's, genzoo's advantage, the target."""

    def shown(values: list[float], unit: str) -> str:
        digits = 0 if unit == "img/s" else 3
        low, high = min(values), max(values)
        return f"{statistics.median(values):.{digits}f} ({low:.{digits}f}-{high:.{digits}f}) {unit}"

    print(f"{'figure':44} {'genzoo':26} {'baseline':44} {'advantage':>9}  target")
    for figure in figures:
        baseline = (
            f"{figure.baseline_name}: {shown(figure.baseline, figure.unit)}"
            if figure.baseline
            else "-"
        )
        advantage = figure.advantage()
        ratio = f"{advantage:.2f}x" if advantage is not None else "-"
        print(
            f"{figure.name:44} {shown(figure.genzoo, figure.unit):26} {baseline:44} "
            f"{ratio:>9}  {figure.target}"
        )


def machine() -> str:
    """The hardware and software the figures were measured on, as results name them."""
    import torch

    from genzoo.core.devices import cpu_name

    return f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}"


def write_figures(figures: Sequence[Figure], path: Path) -> None:
    record = {"machine": machine(), "figures": [f.to_json() for f in figures]}
    path.write_text(json.dumps(record, indent=2) + "\n")


def read_figures(path: Path) -> list[Figure]:
    """What `write_figures` wrote (a bare list, as results before the machine was named)."""
    data = json.loads(path.read_text())
    items = data["figures"] if isinstance(data, dict) else data
    return [Figure.from_json(item) for item in items]


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line: described by its docstring's first line, with --json."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser


def main_with_runs(doc: str | None, figures: Callable[[int], list[Figure]], runs: int) -> None:
    """The command line of a benchmark whose only knob is how many runs (--runs, --json)."""
    parser = bench_parser(doc)
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args()
    report(figures(args.runs), args.json)


def report(figures: Sequence[Figure], json_path: Path | None) -> None:
    """Print the table; write the JSON too when asked."""
    print_figures(figures)
    if json_path:
        write_figures(figures, json_path)
