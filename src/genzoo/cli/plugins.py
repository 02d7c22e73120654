"""`genzoo plugins`: which plugins loaded, what they registered, and which failed and why."""

from __future__ import annotations

import os

import typer
from rich.text import Text

from genzoo.cli.output import JsonFlag, console, errors, plugins_of, print_json, table


def plugins_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the loaded plugins, what each registered, and every plugin that failed to load.

    GENZOO_LOAD_PLUGINS=name,name limits which third-party plugins load (empty: built-ins
    only); GENZOO_DEBUG=1 adds the tracebacks of failures.

    Examples:

        genzoo plugins

        GENZOO_LOAD_PLUGINS= genzoo plugins --json
    """
    plugins = plugins_of(ctx)
    if as_json:
        print_json([info.as_json() for info in plugins.infos])
        return
    grid = table(
        "plugin", "distribution", "version", "api", "hooks", "registered", "load s", "status"
    )
    for info in plugins.infos:
        registered = "; ".join(
            f"{kind}: {', '.join(names)}" for kind, names in info.registered.items() if names
        )
        status = (
            Text("failed", style="red")
            if not info.loaded
            else Text(f"{len(info.errors)} error(s)", style="yellow")
            if info.errors
            else Text("ok", style="green")
        )
        grid.add_row(
            Text(info.name),
            Text(info.distribution),
            Text(info.version),
            Text("built-in" if info.builtin else str(info.api or "undeclared")),
            Text(", ".join(h.removeprefix("register_") for h in info.hooks) or "-"),
            Text(registered or "-"),
            Text(f"{info.seconds:.2f}", style="yellow" if info in plugins.slow else ""),
            status,
        )
    console.print(grid)
    for info in plugins.failures:
        for message, trace in zip(info.errors, info.tracebacks, strict=True):
            errors.print(Text(f"{info.name}: {message}", style="red"), soft_wrap=True)
            if os.environ.get("GENZOO_DEBUG") == "1":
                errors.print(Text(trace), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins_command)
