"""Training progress on stderr: a rich bar on a terminal, a plain line every
PIPE_SECONDS in a pipe or a log file (a bar redrawn in a file is one cut-off line)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def progress(enabled: bool, total: int | None, done: int) -> Iterator[Any]:
    """Progress on stderr; yields `advance(text | None)`. A terminal gets a rich bar; a
    pipe or a log file gets a plain line at most every PIPE_SECONDS (a bar redrawn in a
    file is one cut-off line at the end)."""
    if not enabled:
        yield lambda text: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _plain_progress(total, done)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}", markup=False),  # a plugin names its losses
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("train", total=total, completed=done, status="")

        def advance(text: str | None) -> None:
            if text:
                bar.update(task, advance=1, status=text)
            else:
                bar.update(task, advance=1)

        yield advance


PIPE_SECONDS = 30.0


def _plain_progress(total: int | None, done: int) -> Callable[[str | None], None]:
    """`advance` for a pipe: "step 1,200/4,680 (26%) d_loss 1.185 ... | 326 img/s, 3:07
    left", one line when there is news and PIPE_SECONDS have passed, and at the end."""
    start, first = time.perf_counter(), done
    last = -PIPE_SECONDS
    status = ""

    def advance(text: str | None) -> None:
        nonlocal done, last, status
        done += 1
        status = text or status
        now = time.perf_counter() - start
        if (text and now - last >= PIPE_SECONDS) or done == total:
            if total is None:  # a budget in time: its end is the clock's
                print(f"step {done:,} {status}", file=sys.stderr, flush=True)
            else:
                left = (total - done) * now / max(done - first, 1)
                print(f"step {done:,}/{total:,} ({done / total:.0%}) {status}, "
                      f"{clock(left)} left", file=sys.stderr, flush=True)  # fmt: skip
            last = now

    return advance


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
