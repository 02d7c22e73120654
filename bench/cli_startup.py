"""How long `genzoo list` takes, beside importing torch and listing timm's models.

Each command runs in a fresh process (one discarded warm-up run first, so that
every command meets the same warm OS file cache); the table shows the median,
min and max wall time and how many times faster `genzoo list` is than each line.

    python bench/cli_startup.py [--runs 7] [--json results.json]

Target (issue 2): `genzoo list` at least 10x faster than the timm line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

GENZOO = str(Path(sys.executable).with_name("genzoo"))
COMMANDS = {
    "genzoo list": [GENZOO, "list"],
    "python -c 'import torch'": [sys.executable, "-c", "import torch"],
    "python -c 'import timm; timm.list_models()'": [
        sys.executable,
        "-c",
        "import timm; timm.list_models()",
    ],
}


def wall_times(command: list[str], runs: int) -> list[float]:
    env = {**os.environ, "GENZOO_LOAD_PLUGINS": os.environ.get("GENZOO_LOAD_PLUGINS", "")}
    subprocess.run(command, check=True, capture_output=True, env=env)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    results = {name: wall_times(cmd, args.runs) for name, cmd in COMMANDS.items()}
    ours = statistics.median(results["genzoo list"])
    print(f"{'command':46} {'median s':>9} {'min s':>7} {'max s':>7} {'x genzoo list':>14}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:46} {median:9.3f} {min(times):7.3f} {max(times):7.3f} {median / ours:14.1f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    name: {
                        "median_s": statistics.median(t),
                        "min_s": min(t),
                        "max_s": max(t),
                        "runs": t,
                    }
                    for name, t in results.items()
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
