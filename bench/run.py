"""Every benchmark, one table: `python bench/run.py [--quick] [--json bench-results.json]`.

Each benchmark runs in its own fresh process (so that none inherits another's
imports, caches or environment) and reports figures beside baselines measured in
that same process or run: `genzoo list` vs timm's listing, pulls vs curl, the
cached pull, first sample vs a hand-written script, sampling and training
throughput vs plain PyTorch loops, loading vs bare safetensors. The advantage
column says how many times better genzoo is (> 1: better); targets are issue 7's.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import Figure, bench_parser, read_figures, report

BENCH = Path(__file__).resolve().parent
# script -> arguments: full runs, then --quick ones
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "cli_startup.py": (["--runs", "7"], ["--runs", "3"]),
    "hub.py": (["--runs", "5"], ["--runs", "2"]),
    "load.py": (["--runs", "20"], ["--runs", "5"]),
    "sample_throughput.py": (["--runs", "5"], ["--runs", "2", "--images", "1024"]),
    "train_throughput.py": (["--rounds", "3"], ["--rounds", "1", "--steps", "20"]),
    "flow_sampling.py": (["--runs", "3"], ["--runs", "1", "--images", "256", "--steps", "5"]),
    "evaluator_sensitivity.py": (["--images", "2000"], ["--images", "500"]),
    "few_step.py": ([], ["--samples", "1000", "--rate-images", "256", "--runs", "1"]),
    "evaluate_speed.py": ([], ["--samples", "1000"]),
    "fd_interval_coverage.py": ([], ["--counts", "1000", "--trials", "10"]),
}


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test")
    parser.add_argument("--only", nargs="*", help="run only these scripts, e.g. load.py")
    args = parser.parse_args()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as scratch:
        for script, (full, quick) in BENCHMARKS.items():
            if args.only and script not in args.only:
                continue
            out = Path(scratch) / f"{script}.json"
            command = [sys.executable, str(BENCH / script), *(quick if args.quick else full)]
            start = time.perf_counter()
            print(f"running {script} ...", file=sys.stderr, flush=True)
            subprocess.run([*command, "--json", str(out)], check=True, stdout=subprocess.DEVNULL)
            seconds = time.perf_counter() - start
            print(f"  {script}: {seconds:.0f} s", file=sys.stderr)
            figures += read_figures(out)
    report(figures, args.json)


if __name__ == "__main__":
    main()
