"""`genzoo sample`: images from a generator, as a PNG grid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genzoo.cli.output import console
from genzoo.core import BadInputError, GenzooError


def sample_command(
    name: Annotated[
        str, typer.Argument(help="A pretrained model, or a folder in genzoo's repo format.")
    ],
    n: Annotated[int, typer.Option("-n", "--num", min=1, help="How many images.")] = 64,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same images.")
    ] = 0,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the PNG grid.")
    ] = Path("samples.png"),
    columns: Annotated[
        int | None, typer.Option(min=1, help="Grid width (default: square).")
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass.")] = 256,
) -> None:
    """Sample images from a model's generator and save them as a PNG grid.

    Examples:

        genzoo sample dcgan-fashion-mnist -n 64 --seed 0 -o grid.png

        genzoo sample runs/dcgan-fmnist -n 10000 --columns 100 -o big.png
    """
    from genzoo.core.images import save_grid
    from genzoo.core.interfaces import Generator
    from genzoo.zoo.load import load

    if not output.parent.is_dir():  # fail before sampling, not after
        raise BadInputError(f"cannot write {output}: {output.parent} is not a folder")
    model = load(name, roles=["generator"], device=device)
    generator = model["generator"]
    assert isinstance(generator, Generator)  # build checked the class against the interface
    images = generator.sample(n, seed=seed, batch_size=batch_size)
    try:
        save_grid(images, output, columns)
    except OSError as err:
        raise GenzooError(f"cannot write {output}: {err.strerror or err}") from err
    console.print(f"wrote {output} ({n} images from {model.name}, seed {seed})")


def register(app: typer.Typer) -> None:
    app.command("sample")(sample_command)
