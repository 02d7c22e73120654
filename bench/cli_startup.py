"""How long `genzoo list` takes, beside importing torch and listing timm's models.

Each command runs in a fresh process (one discarded warm-up run first, so that
every command meets the same warm OS file cache); the table shows the median,
min and max wall time and each line's time over that of `genzoo list`.

    python bench/cli_startup.py [--runs 7] [--json results.json]

Target (issue 2): `genzoo list` at least 10x faster than the timm line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from timing import report, wall_times

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = {name: wall_times(cmd, args.runs) for name, cmd in COMMANDS.items()}
    report(results, versus="genzoo list", json_path=args.json)


if __name__ == "__main__":
    main()
