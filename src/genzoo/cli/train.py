"""`genzoo train`: a model's recipe, or an architecture on a dataset, into a run folder that
becomes a Hub repo; `--resume` continues one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from genzoo.cli.options import SEED_MAX, DataFolder, Device
from genzoo.cli.output import complete_models, console, plugins_of
from genzoo.core import BadInputError

TrainName = Annotated[
    str | None,
    typer.Argument(
        help="An architecture (with --dataset) or a model's recipe, e.g. dcgan-mnist.",
        autocompletion=complete_models,
    ),
]
Dataset = Annotated[str | None, typer.Option(help="Dataset to train on (genzoo datasets).")]
Out = Annotated[Path | None, typer.Option(help="Output folder (default runs/NAME).")]
Epochs = Annotated[int | None, typer.Option(min=1, help="Passes over the data.")]
BatchSize = Annotated[int | None, typer.Option(min=1, help="Images per step.")]
TrainSeed = Annotated[
    int | None, typer.Option(min=0, max=SEED_MAX, help="Seed of weights, batch order and noise.")
]
MaxSteps = Annotated[int | None, typer.Option(min=1, help="Stop after this many steps.")]
MaxTime = Annotated[
    str | None,
    typer.Option(
        help="A budget in wall-clock time (160, 90s, 10m, 2h): start-up and the card "
        "included; the learning-rate schedule spans it, so the last step is annealed. "
        "Replaces the epoch count."
    ),
]
CheckpointEvery = Annotated[int, typer.Option(min=1, help="Steps between checkpoints.")]
SampleEvery = Annotated[int, typer.Option(min=1, help="Steps between sample grids.")]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="Config key or hyperparameter: --set lr=1e-4 (repeatable)."),
]
Resume = Annotated[
    Path | None, typer.Option(help="Continue the run in this folder from its checkpoint.")
]
InitFrom = Annotated[
    str | None,
    typer.Option(
        help="Start from these weights instead of random ones (a pretrained model, hf-hub: "
        "name or repo folder, verified like a pull), with a fresh optimizer and schedule: "
        "train a published model further when its checkpoint is gone."
    ),
]


def train_command(
    ctx: typer.Context,
    name: TrainName = None,
    dataset: Dataset = None,
    data: DataFolder = None,
    out: Out = None,
    epochs: Epochs = None,
    batch_size: BatchSize = None,
    seed: TrainSeed = None,
    device: Device = "auto",
    max_steps: MaxSteps = None,
    max_time: MaxTime = None,
    checkpoint_every: CheckpointEvery = 500,
    sample_every: SampleEvery = 500,
    set_: Sets = None,
    resume: Resume = None,
    init_from: InitFrom = None,
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
    from genzoo.train.launch import Asked, plan, run

    registry = plugins_of(ctx).registry
    asked = Asked(
        dataset=dataset, data_dir=data, out=out, epochs=epochs, batch_size=batch_size,
        seed=seed, device=device, max_steps=max_steps,
        max_time=parse_duration(max_time) if max_time else None,
        checkpoint_every=checkpoint_every, sample_every=sample_every,
        sets=_parse_sets(set_ or []), init_from=init_from,
    )  # fmt: skip
    recipe, settings = plan(name, asked, registry, resume=resume)
    done = run(recipe, settings, registry, resumed=resume is not None)
    if os.environ.get("RANK", "0") == "0":  # one line from a torchrun launch, not one per process
        console.print(f"wrote {done}: a Hub repo (genzoo push {done} --repo ORG/NAME)")


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


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
