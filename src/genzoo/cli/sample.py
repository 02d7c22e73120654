"""`genzoo sample` and `genzoo interpolate`: images from a generator, as a PNG grid or a GIF."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from genzoo.cli.options import (
    Columns,
    Count,
    Device,
    Guidance,
    Label,
    ModelName,
    Seed,
    Solver,
    SolverSteps,
    Temperature,
    sampler_options,
)
from genzoo.cli.output import console, errors, image_progress, plugins_of
from genzoo.core import BadInputError, GenzooError

if TYPE_CHECKING:
    from torch import Tensor

    from genzoo.core.interfaces import Generator
    from genzoo.core.ranks import Ranks

GridFile = Annotated[Path, typer.Option("-o", "--output", help="Where to write the PNG grid.")]
Dtype = Annotated[
    str | None,
    typer.Option(help="float32 (default), float16 or bfloat16: half the memory; on a GPU, faster."),
]
BatchSize = Annotated[int, typer.Option(min=1, help="Images per forward pass.")]
StepsGif = Annotated[
    Path | None,
    typer.Option(
        help="Models that make images step by step (DRAW, flow, PixelRNN): also write the "
        "steps as a GIF."
    ),
]
GifFile = Annotated[Path, typer.Option("-o", "--output", help="The GIF to write.")]
Frames = Annotated[int, typer.Option(min=1, help="Frames between two waypoints.")]
Points = Annotated[int, typer.Option(min=2, help="Random waypoints per walk (it loops).")]
Walks = Annotated[int, typer.Option("-n", "--num", min=1, help="Walks side by side.")]
Fps = Annotated[int, typer.Option(min=1, max=100, help="Frames per second.")]
Walkers = Annotated[int | None, typer.Option(min=1, help="Walks per row.")]
FrameSteps = Annotated[
    int | None,
    typer.Option(min=1, help="Iterative models: solver steps per frame (--steps is frames)."),
]


def sample_command(
    ctx: typer.Context,
    name: ModelName,
    n: Count = 64,
    seed: Seed = 0,
    output: GridFile = Path("samples.png"),
    columns: Columns = None,
    label: Label = None,
    device: Device = "auto",
    dtype: Dtype = None,
    batch_size: BatchSize = 256,
    steps: SolverSteps = None,
    solver: Solver = None,
    guidance: Guidance = None,
    temperature: Temperature = None,
    steps_gif: StepsGif = None,
) -> None:
    """Sample images from a model's generator (or a VAE's decoder) and save a PNG grid.

    Examples:

        genzoo sample dcgan-fashion-mnist -n 64 --seed 0 -o grid.png

        genzoo sample cdcgan-fashion-mnist --label sneaker -n 16 -o sneakers.png

        genzoo sample draw-fashion-mnist -n 16 --steps-gif drawing.gif

        genzoo sample flow-fashion-mnist --solver euler --steps 20 -o euler.png

        genzoo sample pixelrnn-fashion-mnist --temperature 0.95 -o sharper.png

        genzoo sample dcgan-mnist --device cuda --dtype bfloat16 -n 1024 -o many.png

        genzoo sample cflow-fashion-mnist --label sneaker --guidance 2.0 -o sneakers.png

        torchrun --nproc-per-node 2 -m genzoo sample flow-fashion-mnist -n 1024 -o many.png
    """
    from genzoo.core.devices import pick_dtype
    from genzoo.core.images import save_grid
    from genzoo.core.ranks import Ranks

    _check_grid(n, output, steps_gif)
    pick_dtype(dtype)  # a bad --dtype is one line before anything is fetched
    ranks = Ranks.from_env()  # under torchrun each process makes a share of the images
    generator, model_name = _generator(ctx, name, ranks.device(device), dtype)
    options = generator.check_options(sampler_options(steps, solver, guidance, temperature))
    if steps_gif is not None and not generator.has_trajectory:
        raise BadInputError(
            f"--steps-gif needs a model that makes images step by step (DRAW, flow, PixelRNN); "
            f"{name} makes them in one pass"
        )
    labels = None if label is None else generator.label_index(label)
    images = _sampled(generator, n, labels, seed, batch_size, options, ranks)
    if not ranks.main:  # rank 0 writes and reports
        return
    _write(output, lambda: save_grid(images, output, columns))
    console.print(f"wrote {output} ({n} images from {model_name}, seed {seed})")
    if steps_gif is not None:
        _write_steps(generator, n, seed, options, steps_gif, columns)


def _check_grid(n: int, output: Path, steps_gif: Path | None) -> None:
    _check_writable(output, ".png")
    if steps_gif is not None:
        _check_writable(steps_gif, ".gif")
    if n > MAX_GRID_IMAGES:
        raise BadInputError(
            f"-n {n:,}: a grid holds at most {MAX_GRID_IMAGES:,} images; draw more with "
            "several runs and different --seed values"
        )


def _sampled(
    generator: Generator,
    n: int,
    labels: int | None,
    seed: int,
    batch_size: int,
    options: dict,
    ranks: Ranks,
) -> Tensor:
    """`n` images, made in whole batches shared between the processes of a torchrun
    launch, with a progress bar; every process gets them all."""
    import torch

    with image_progress("sampling", n, ranks.main) as advance:

        def share(start: int, stop: int) -> Tensor:  # one process's images
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
    return images


def _write_steps(
    generator: Generator, n: int, seed: int, options: dict, gif: Path, columns: int | None
) -> None:
    """The sampler's steps as a GIF, pausing on the finished images."""
    import torch

    from genzoo.core.images import save_gif

    frames = generator.sample_steps(n, seed=seed, **options).cpu()
    hold = frames[-1:].expand(max(len(frames) // 2, 1), *frames.shape[1:])
    _write(gif, lambda: save_gif(torch.cat([frames, hold]), gif, columns))
    console.print(f"wrote {gif} ({len(frames)} steps of {n} images)")


def interpolate_command(
    ctx: typer.Context,
    name: ModelName,
    steps: Frames = 16,
    points: Points = 4,
    n: Walks = 8,
    seed: Seed = 0,
    output: GifFile = Path("walk.gif"),
    fps: Fps = 12,
    columns: Walkers = None,
    label: Label = None,
    device: Device = "auto",
    solver_steps: FrameSteps = None,
    solver: Solver = None,
    guidance: Guidance = None,
    temperature: Temperature = None,
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
    options = generator.check_options(sampler_options(solver_steps, solver, guidance, temperature))
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
