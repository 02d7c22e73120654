"""The arguments and options more than one command takes, declared once: a command's
signature names them in one line each, so its help says the same thing everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genzoo.cli.output import complete_labels, complete_models

SEED_MAX = 2**62  # torch's generators take 64 bits; training adds ranks and epochs to it

ModelName = Annotated[
    str,
    typer.Argument(  # "\[": help is rich markup, where [@rev] would vanish as a tag
        help="A pretrained model, a Hub repo (org/name or hf-hub:org/name\\[@rev]), a repo "
        "folder, or the folder of a run still training (its last checkpoint).",
        autocompletion=complete_models,
    ),
]
Seed = Annotated[
    int,
    typer.Option(min=0, max=SEED_MAX, help="Random seed: the same seed gives the same images."),
]
Device = Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")]
DataFolder = Annotated[Path | None, typer.Option(help="Folder holding the dataset's files.")]
Label = Annotated[
    str | None,
    typer.Option(
        help="Conditional models: one class for all images, by name or index.",
        autocompletion=complete_labels,
    ),
]
Count = Annotated[int, typer.Option("-n", "--num", min=1, help="How many images.")]
Columns = Annotated[int | None, typer.Option(min=1, help="Grid width (default: square).")]

# Iterative samplers (flow matching, diffusion); None keeps the model's own default.
SolverSteps = Annotated[
    int | None,
    typer.Option(min=1, help="Iterative models: solver steps (flow/euler: network calls)."),
]
Solver = Annotated[
    str | None,
    typer.Option(
        help="Iterative models: the ODE solver (flow models: heun, 2 x steps - 1 network "
        "calls, their default with 10 steps; or euler, one call a step)."
    ),
]
Guidance = Annotated[
    float | None,
    typer.Option(
        help="Class-conditional iterative models: classifier-free guidance weight "
        "(1: none; 2: stronger class, less variety)."
    ),
]


Temperature = Annotated[
    float | None,
    typer.Option(
        help="Autoregressive models (PixelRNN): each pixel drawn from its distribution at this "
        "temperature (1: the model's own; below 1: sharper, less grain)."
    ),
]


def sampler_options(
    steps: int | None,
    solver: str | None,
    guidance: float | None,
    temperature: float | None = None,
) -> dict:
    """The options given on the command line, for `Generator.sample(..., **options)`."""
    given = {"steps": steps, "solver": solver, "guidance": guidance, "temperature": temperature}
    return {name: value for name, value in given.items() if value is not None}
