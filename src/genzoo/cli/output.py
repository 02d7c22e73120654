"""What every command shares: consoles, the --json option, number formatting, plugin warnings."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from genzoo.core import GenzooError
from genzoo.plugins import Plugins

# C0 and C1 control characters but newline and tab: an escape sequence in a repo's name
# could retitle the terminal, clear it or hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """`text` with every control character shown as '?', one for one (spans stay valid)."""
    return _CONTROL.sub("?", text)


def _safe(item: Any) -> Any:
    if isinstance(item, str):
        return plain(item)
    if isinstance(item, Text) and _CONTROL.search(item.plain):
        item = item.copy()
        item.plain = plain(item.plain)
    return item


class TextConsole(Console):
    """A console that prints text as written: never as rich markup ('[/bold]' in a repo's
    name raised MarkupError, '[link=...]' became a link) and never with control characters.
    genzoo styles what it prints with `Text` and `style=`, not markup."""

    def print(self, *objects: Any, **options: Any) -> None:
        options.setdefault("markup", False)
        super().print(*(_safe(item) for item in objects), **options)


# Piped output gets wide lines rather than 80 columns, so that rows stay whole for grep.
_WIDTH = None if sys.stdout.isatty() else 200
console = TextConsole(highlight=False, width=_WIDTH)
errors = TextConsole(stderr=True, highlight=False, width=_WIDTH)

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print JSON (stable keys) instead of a table.")
]


class TextTable(Table):
    """A table whose string cells are text, never rich markup: names, descriptions and
    details come from plugins and repos, and '[/bold]' in one must print as written (as
    markup it raised MarkupError). Style a cell by passing a `Text`."""

    def add_row(self, *cells: Any, **options: Any) -> None:
        super().add_row(*(_safe(Text(c) if isinstance(c, str) else c) for c in cells), **options)


def table(*columns: str) -> Table:
    """A borderless table whose cells wrap rather than being cut short on narrow terminals."""
    grid = TextTable(box=None, header_style="bold")
    for column in columns:
        grid.add_column(column, overflow="fold")
    return grid


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def human_count(n: int | None) -> str:
    """898370 -> '898.4K'; None -> '-'."""
    if n is None:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def still_training(folder: Path) -> bool:
    """Whether `folder` holds a run that has checkpointed but not yet published
    (`genzoo.train.run_folder.in_progress`, which imports no torch)."""
    from genzoo.train.run_folder import in_progress

    return in_progress(folder)


def refuse_training_run(folder: Path) -> None:
    """For commands that read published repos only (info, verify, push): a run still
    training has no repo yet; say what does read it."""
    if folder.is_dir() and still_training(folder):
        raise GenzooError(
            f"{folder} is a run still training, not yet a repo (it publishes one when it "
            "ends); genzoo evaluate, genzoo sample and genzoo.load read its last checkpoint"
        )


def plugins_of(ctx: typer.Context) -> Plugins:
    plugins: Plugins = ctx.obj
    return plugins


def warn_plugin_failures(plugins: Plugins, *, slow: bool = True) -> None:
    """One stderr line per broken (and, with `slow`, slow) plugin: reported, never fatal. A
    plugin's text is shown as text, never read as rich markup."""
    for info in plugins.failures:
        more = f" (+{len(info.errors) - 1} more)" if len(info.errors) > 1 else ""
        line = f"plugin {info.name!r}: {info.errors[0]}{more}; see `genzoo plugins`"
        errors.print(Text("warning: ", style="yellow") + Text(line), soft_wrap=True)
    for info in plugins.slow if slow else []:
        line = f"plugin {info.name!r} took {info.seconds:.1f} s to load; see `genzoo plugins`"
        errors.print(Text("warning: ", style="yellow") + Text(line), soft_wrap=True)


# Shell completion (`genzoo --install-completion`): the shell runs genzoo to ask, before any
# command callback has handed the plugins down, so these load them themselves.
def complete_models(incomplete: str) -> list[str]:
    """Registered models and architectures starting with what was typed."""
    from genzoo.plugins import installed

    registry = installed().registry
    names = [*registry.models, *registry.architectures]
    return sorted(name for name in names if name.startswith(incomplete))


def complete_datasets(incomplete: str) -> list[str]:
    from genzoo.plugins import installed

    return sorted(name for name in installed().registry.datasets if name.startswith(incomplete))


def complete_labels(ctx: typer.Context, incomplete: str) -> list[str]:
    """The class names of the model named on the command line so far."""
    from genzoo.plugins import installed

    # while completing, click may leave the positional name unparsed, in ctx.args
    name = ctx.params.get("name") or (ctx.args[0] if ctx.args else "")
    entry = installed().registry.models.get(str(name))
    names = entry.config.get("class_names") if entry is not None else None
    if not isinstance(names, list):
        return []
    return [str(name) for name in names if str(name).casefold().startswith(incomplete.casefold())]


class _MainThreadOnly:
    """sys.stdout while a command runs: the main thread's writes reach the command's output,
    every other thread's (a plugin's timer, a worker) go to stderr."""

    def __init__(self, own: TextIO, other: TextIO) -> None:
        self._own, self._other, self._main = own, other, threading.get_ident()

    def _target(self) -> TextIO:
        return self._own if threading.get_ident() == self._main else self._other

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


@contextlib.contextmanager
def command_stdout() -> Iterator[None]:
    """Keep the command's output (tables, --json) out of reach of plugin code.

    The real stdout moves to a private descriptor that only genzoo's main thread writes
    through; descriptor 1 itself then points at stderr, so `os.write(1, ...)` from a plugin,
    a print from another thread, or one from an atexit hook (after the command, sys.stdout
    is stderr) all land on stderr.
    """
    try:
        sys.stdout.flush()
        private = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no usable stdout: nothing to protect
        yield
        return
    own = open(  # noqa: SIM115 - closed in the finally below, after the command
        private, "w", encoding=sys.stdout.encoding or "utf-8", errors="replace", closefd=True
    )
    os.dup2(2, 1)
    sys.stdout = _MainThreadOnly(own, sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            own.flush()
        sys.stdout = sys.stderr  # what atexit hooks print afterwards


@contextlib.contextmanager
def image_progress(what: str, total: int, enabled: bool = True) -> Iterator[Any]:
    """A progress bar on stderr for `total` images, yielding `advance(count)`; drawn only
    on a terminal and for more than a batch of work (a pipe or a log gets nothing, and a
    bar redrawn in a file is noise)."""
    if not enabled or total <= 256 or not errors.is_terminal:
        yield lambda count: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda count: bar.update(task, advance=count)
