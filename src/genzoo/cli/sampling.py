"""`genzoo sample` and `genzoo interpolate`: images from a generator, as a PNG grid or a GIF."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from genzoo.cli.output import (
    complete_labels,
    complete_models,
    console,
    errors,
    image_progress,
    plugins_of,
)
from genzoo.core import BadInputError, GenzooError

if TYPE_CHECKING:
    from torch import Tensor

    from genzoo.core.interfaces import Generator

NameArgument = Annotated[
    str,
    typer.Argument(  # "\[": help is rich markup, where [@rev] would vanish as a tag
        help="A pretrained model, a Hub repo (org/name or hf-hub:org/name\\[@rev]), a repo "
        "folder, or the folder of a run still training (its last checkpoint).",
        autocompletion=complete_models,
    ),
]
SEED_MAX = 2**62  # torch's generators take 64 bits; training adds ranks and epochs to it
SeedOption = Annotated[
    int,
    typer.Option(min=0, max=SEED_MAX, help="Random seed: the same seed gives the same images."),
]
DeviceOption = Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")]
LabelOption = Annotated[
    str | None,
    typer.Option(
        help="Conditional models: one class for all images, by name or index.",
        autocompletion=complete_labels,
    ),
]
# Iterative samplers (flow matching, diffusion); None keeps the model's own default.
SolverOption = Annotated[
    str | None,
    typer.Option(
        help="Iterative models: the ODE solver (flow models: euler, or heun: 2 x steps - 1 "
        "network calls; on flow-fashion-mnist 10 heun steps beat 20 euler)."
    ),
]
GuidanceOption = Annotated[
    float | None,
    typer.Option(
        help="Class-conditional iterative models: classifier-free guidance weight "
        "(1: none; 2: stronger class, less variety)."
    ),
]


def sampler_options(steps: int | None, solver: str | None, guidance: float | None) -> dict:
    """The options given on the command line, for `Generator.sample(..., **options)`."""
    given = {"steps": steps, "solver": solver, "guidance": guidance}
    return {name: value for name, value in given.items() if value is not None}


def sample_command(
    ctx: typer.Context,
    name: NameArgument,
    n: Annotated[int, typer.Option("-n", "--num", min=1, help="How many images.")] = 64,
    seed: SeedOption = 0,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the PNG grid.")
    ] = Path("samples.png"),
    columns: Annotated[
        int | None, typer.Option(min=1, help="Grid width (default: square).")
    ] = None,
    label: LabelOption = None,
    device: DeviceOption = "auto",
    dtype: Annotated[
        str | None,
        typer.Option(
            help="float32 (default), float16 or bfloat16: half the memory; on a GPU, faster."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass.")] = 256,
    steps: Annotated[
        int | None,
        typer.Option(min=1, help="Iterative models: solver steps (flow/euler: network calls)."),
    ] = None,
    solver: SolverOption = None,
    guidance: GuidanceOption = None,
    steps_gif: Annotated[
        Path | None,
        typer.Option(
            help="Models that make images step by step (DRAW, flow, PixelRNN): also write "
            "the steps as a GIF."
        ),
    ] = None,
) -> None:
    """Sample images from a model's generator (or a VAE's decoder) and save a PNG grid.

    Examples:

        genzoo sample dcgan-fashion-mnist -n 64 --seed 0 -o grid.png

        genzoo sample cdcgan-fashion-mnist --label sneaker -n 16 -o sneakers.png

        genzoo sample runs/dcgan-fmnist -n 10000 --columns 100 -o big.png

        genzoo sample draw-fashion-mnist -n 16 --steps-gif drawing.gif

        genzoo sample flow-fashion-mnist --solver heun --steps 10 -o heun.png

        genzoo sample dcgan-mnist --device cuda --dtype bfloat16 -n 1024 -o many.png

        genzoo sample cflow-fashion-mnist --label sneaker --guidance 2.0 -o sneakers.png

        torchrun --nproc-per-node 2 -m genzoo sample flow-fashion-mnist -n 1024 -o many.png
    """
    from genzoo.core.images import save_gif, save_grid
    from genzoo.core.ranks import Ranks

    _check_writable(output, ".png")
    if steps_gif is not None:
        _check_writable(steps_gif, ".gif")
    if n > MAX_GRID_IMAGES:
        raise BadInputError(
            f"-n {n:,}: a grid holds at most {MAX_GRID_IMAGES:,} images; draw more with "
            "several runs and different --seed values"
        )
    from genzoo.core.devices import pick_dtype

    pick_dtype(dtype)  # a bad --dtype is one line before anything is fetched
    ranks = Ranks.from_env()  # under torchrun each process makes a share of the images
    generator, model_name = _generator(ctx, name, ranks.device(device), dtype)
    options = generator.check_options(sampler_options(steps, solver, guidance))
    if steps_gif is not None and not generator.has_trajectory:
        raise BadInputError(
            f"--steps-gif needs a model that makes images step by step (DRAW, flow, PixelRNN); "
            f"{name} makes them in one pass"
        )
    labels = None if label is None else generator.label_index(label)

    import torch

    with image_progress("sampling", n, ranks.main) as advance:

        def share(start: int, stop: int) -> Tensor:  # whole batches: one process's images
            batches = generator.sample_batches(
                n, labels, seed, batch_size=batch_size, part=(start, stop), **options
            )
            made = []
            for batch in batches:
                made.append(batch.cpu())
                advance(len(batch))
            return torch.cat(made)

        images = torch.cat(ranks.split(n, batch_size, share))
    ranks.close()
    if not ranks.main:  # rank 0 writes and reports
        return
    _write(output, lambda: save_grid(images, output, columns))
    console.print(f"wrote {output} ({n} images from {model_name}, seed {seed})")
    if steps_gif is not None:
        frames = generator.sample_steps(n, seed=seed, **options).cpu()
        hold = frames[-1:].expand(max(len(frames) // 2, 1), *frames.shape[1:])  # pause at the end
        gif = steps_gif
        _write(gif, lambda: save_gif(torch.cat([frames, hold]), gif, columns))
        console.print(f"wrote {gif} ({len(frames)} steps of {n} images)")


def interpolate_command(
    ctx: typer.Context,
    name: NameArgument,
    steps: Annotated[int, typer.Option(min=1, help="Frames between two waypoints.")] = 16,
    points: Annotated[int, typer.Option(min=2, help="Random waypoints per walk (it loops).")] = 4,
    n: Annotated[int, typer.Option("-n", "--num", min=1, help="Walks side by side.")] = 8,
    seed: SeedOption = 0,
    output: Annotated[Path, typer.Option("-o", "--output", help="The GIF to write.")] = Path(
        "walk.gif"
    ),
    fps: Annotated[int, typer.Option(min=1, max=100, help="Frames per second.")] = 12,
    columns: Annotated[int | None, typer.Option(min=1, help="Walks per row.")] = None,
    label: LabelOption = None,
    device: DeviceOption = "auto",
    solver_steps: Annotated[
        int | None,
        typer.Option(min=1, help="Iterative models: solver steps per frame (--steps is frames)."),
    ] = None,
    solver: SolverOption = None,
    guidance: GuidanceOption = None,
) -> None:
    """Walk the latent space (spherical interpolation between random codes) as a looping GIF.

    Examples:

        genzoo interpolate dcgan-fashion-mnist --steps 16 -o walk.gif

        genzoo interpolate dcgan-fashion-mnist -n 16 --points 6 --fps 24 -o long.gif
    """
    from genzoo.core.images import save_gif

    _check_writable(output, ".gif")
    if n * points * steps > MAX_ANIMATION_IMAGES:
        raise BadInputError(
            f"{n} walks x {points} points x {steps} frames is {n * points * steps:,} images; "
            f"an animation holds at most {MAX_ANIMATION_IMAGES:,}"
        )
    generator, model_name = _generator(ctx, name, device)
    options = generator.check_options(sampler_options(solver_steps, solver, guidance))
    labels = None if label is None else generator.label_index(label)
    frames = generator.interpolate(n, steps, points, seed=seed, labels=labels, **options)
    _write(output, lambda: save_gif(frames, output, columns or n, fps))
    console.print(f"wrote {output} ({len(frames)} frames of {n} walks from {model_name})")


#: The most images one grid holds (a 128 x 128 grid): past it a grid is no longer a
#: picture anyone looks at, and all its images are in memory at once.
MAX_GRID_IMAGES = 16_384
MAX_ANIMATION_IMAGES = 65_536  # walks x points x frames in one GIF


def _check_writable(output: Path, suffix: str) -> None:
    """Fail before the model is loaded and run, not after: the folder must exist and the
    name must say the format written (a grid is a PNG, an animation a GIF)."""
    if output.suffix.lower() != suffix:
        raise BadInputError(f"cannot write {output}: genzoo writes {suffix} files here")
    if not output.parent.is_dir():
        raise BadInputError(f"cannot write {output}: {output.parent} is not a folder")


def _generator(
    ctx: typer.Context, name: str, device: str, dtype: str | None = None
) -> tuple[Generator, str]:
    """The model's generator, or its decoder as one; only that component is loaded."""
    from genzoo.core.interfaces import sampler, sampling_role
    from genzoo.train.opening import open_model
    from genzoo.zoo.source import locate

    def sampling_component(roles: Sequence[str]) -> list[str]:
        role = sampling_role(roles)
        if role is None:
            raise BadInputError(
                f"{name} cannot sample: it has no generator or decoder ({', '.join(roles)})"
            )
        return [role]

    registry = plugins_of(ctx).registry
    opened = open_model(locate(name, registry), registry, sampling_component, device, dtype)
    if opened.step is not None:  # a run still training: what it would publish now
        errors.print(
            Text(f"{name} is still training: its checkpoint at step {opened.step:,}", "dim")
        )
    model = opened.model
    found = sampler(model)
    if found is None:  # an architecture whose component breaks its role's interface
        raise GenzooError(f"{name}'s sampling component is no Generator or Decoder")
    return found, model.name


def _write(output: Path, save: Callable[[], None]) -> None:
    try:
        save()
    except OSError as err:
        raise GenzooError(f"cannot write {output}: {err.strerror or err}") from err


def register(app: typer.Typer) -> None:
    app.command("sample")(sample_command)
    app.command("interpolate")(interpolate_command)
