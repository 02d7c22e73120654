"""How long `genzoo list` takes, beside importing torch and listing timm's models.

Each command runs in a fresh process (one discarded warm-up run first, so that
every command meets the same warm OS file cache), genzoo's and timm's in turns; the
table shows the median, min and max wall time and how many times faster `genzoo list` is.

    python bench/cli_startup.py [--runs 7] [--json results.json]

Target (issue 30): `genzoo list` at least 40x faster than the timm line (issue 2 asked 10x).
"""

from __future__ import annotations

import sys
from pathlib import Path

from timing import Figure, main_with_runs, paired_wall_times, wall_times

GENZOO = str(Path(sys.executable).with_name("genzoo"))
TORCH = "python -c 'import torch'"
TIMM = "python -c 'import timm; timm.list_models()'"
COMMANDS = {
    "genzoo list": [GENZOO, "list"],
    TORCH: [sys.executable, "-c", "import torch"],
    TIMM: [
        sys.executable,
        "-c",
        "import timm; timm.list_models()",
    ],
}


def figures(runs: int = 7) -> list[Figure]:
    ours, timm = paired_wall_times(COMMANDS["genzoo list"], COMMANDS[TIMM], runs)
    torch = wall_times(COMMANDS[TORCH], runs)
    return [
        Figure("genzoo list", "s", ours, timm, "timm.list_models()", ">= 40x"),
        Figure("genzoo list vs importing torch alone", "s", ours, torch, "import torch"),
    ]


if __name__ == "__main__":
    main_with_runs(__doc__, figures, runs=7)
