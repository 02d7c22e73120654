"""What every benchmark shares: timing fresh processes, and printing/saving figures."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path


def wall_times(
    command: list[str],
    runs: int,
    env: Mapping[str, str] | None = None,
    before_each: Callable[[], None] | None = None,
) -> list[float]:
    """Seconds per run of `command` in a fresh process, after one discarded warm-up run
    (so that every command meets the same warm OS file cache). `before_each` runs
    untimed before every run, e.g. to empty a cache."""
    env = {"GENZOO_LOAD_PLUGINS": "", **os.environ, **(env or {})}
    times = []
    for run in range(runs + 1):
        if before_each is not None:
            before_each()
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        if run:
            times.append(time.perf_counter() - start)
    return times


def report(results: Mapping[str, list[float]], versus: str, json_path: Path | None) -> None:
    """A table of median/min/max seconds and each line's median over `versus`'s."""
    reference = statistics.median(results[versus])
    print(f"{'command':52} {'median s':>9} {'min s':>7} {'max s':>7} {'/ ' + versus[:20]:>24}")
    for name, times in results.items():
        median = statistics.median(times)
        print(
            f"{name:52} {median:9.3f} {min(times):7.3f} {max(times):7.3f} "
            f"{median / reference:24.2f}"
        )
    if json_path:
        write_json(results, json_path)


def write_json(results: Mapping[str, list[float]], path: Path) -> None:
    figures = {
        name: {"median_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "runs": t}
        for name, t in results.items()
    }
    path.write_text(json.dumps(figures, indent=2) + "\n")
