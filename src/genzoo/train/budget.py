"""A training budget in wall-clock time (`genzoo train --max-time 10m`).

The budget runs from the process's start, so start-up (imports, data, model) and the end
(final checkpoint, preview, card) are inside it. The loop asks after every step how many
more steps the time left buys, at the pace measured so far, and re-plans the trainer's
schedule to end there: a cosine rate reaches 0 on the last step the budget allows, so a
run cut by time ends annealed, not mid-schedule.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

from genzoo.core import BadInputError

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smh])")


def parse_duration(text: str) -> float:
    """'160' or '160s', '90s', '10m', '2h', '1h30m' -> seconds; anything else is bad input."""
    given = str(text).strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", given):
        seconds = float(given)
    elif given and _PART.sub("", given) == "" and (parts := _PART.findall(given)):
        seconds = sum(float(value) * _UNITS[unit] for value, unit in parts)
    else:
        raise BadInputError(
            f"--max-time {text!r}: give seconds (160), or a duration such as 90s, 10m, 2h, 1h30m"
        )
    if not 0 < seconds <= 366 * 86400:
        raise BadInputError(f"--max-time {text!r}: give a duration above 0 and within a year")
    return seconds


def process_age() -> float:
    """Seconds since this process started (Linux: /proc), else 0: what start-up has cost."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            fields = stat.read().rsplit(")", 1)[1].split()
            started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime
            return max(float(uptime.read().split()[0]) - started, 0.0)
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass
class Budget:
    """`seconds` for the whole run; `spent` of it went to earlier parts (a resumed run)."""

    seconds: float
    spent: float = 0.0
    # the process's clock at its start: budget time is spent from there
    origin: float = field(default_factory=lambda: time.monotonic() - process_age())
    # the pace: an exponential average of seconds per step, and the end's measured cost
    per_step: float = 0.0
    finish: float = 0.0
    checkpoint: float = 0.5  # until one is measured

    def left(self) -> float:
        return self.seconds - self.spent - (time.monotonic() - self.origin)

    def step_took(self, seconds: float) -> None:
        self.per_step = seconds if not self.per_step else 0.9 * self.per_step + 0.1 * seconds

    def steps_left(self) -> int:
        """How many more steps fit, keeping back what the end costs: the final checkpoint,
        the preview and the card (measured where it could be), and a share of the budget
        for the pace to wander."""
        # the pace measured so far may not hold (another process starts): 4% of the budget
        # and a few steps of slack
        reserve = 1.5 * self.finish + 2 * self.checkpoint + 0.04 * self.seconds + 3 * self.per_step
        if not self.per_step:
            return 1
        return max(int((self.left() - reserve) / self.per_step), 0)
