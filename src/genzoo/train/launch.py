"""From what a user asked to a run: the recipe and the run's settings (the command line over
the recipe over the defaults; a resumed run's own, extended where asked), then the run
itself, with the data and any starting weights. `genzoo train` parses and calls these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genzoo.core import BadInputError, Registry
from genzoo.core.lazy import resolve

if TYPE_CHECKING:
    from genzoo.data.images import ImageData
    from genzoo.train.recipe import Recipe
    from genzoo.train.run_folder import RunSettings


@dataclass(frozen=True)
class Asked:
    """What the command line gave; None where it gave nothing (the recipe's or the
    default applies)."""

    dataset: str | None = None
    data_dir: Path | None = None
    out: Path | None = None
    epochs: int | None = None
    batch_size: int | None = None
    seed: int | None = None
    device: str = "auto"
    max_steps: int | None = None
    max_time: float | None = None  # seconds
    checkpoint_every: int = 500
    sample_every: int = 500
    sets: dict[str, Any] = field(default_factory=dict)  # config keys and hyperparameters
    init_from: str | None = None


def plan(
    name: str | None, asked: Asked, registry: Registry, resume: Path | None = None
) -> tuple[Recipe, RunSettings]:
    """The recipe and settings of a new run of `name`, or of the run in `resume`; checked
    (the output folder, a resume's state) before any data is read."""
    from genzoo.train.loop import check_run
    from genzoo.train.recipe import make_recipe, restore_recipe
    from genzoo.train.run_folder import RunSettings, load_run

    if resume is not None and asked.init_from is not None:
        raise BadInputError("--init-from starts a run and --resume continues one: give one")
    if resume is not None:
        run = load_run(resume)
        recipe = restore_recipe(run["recipe"], registry)
        settings = RunSettings.from_json(run["settings"], out=resume)
        # A resumed run may be extended: a longer schedule continues from where it stopped.
        settings = replace(
            settings,
            epochs=asked.epochs or settings.epochs,
            max_steps=asked.max_steps or settings.max_steps,
            max_time=asked.max_time or settings.max_time,
        )
    else:
        if name is None:
            raise BadInputError("name what to train (an architecture or a model), or give --resume")
        recipe = make_recipe(name, registry, asked.dataset, asked.sets)
        settings = _new_settings(recipe, asked)
    check_run(settings, resume=resume is not None)
    return recipe, settings


def _new_settings(recipe: Recipe, asked: Asked) -> RunSettings:
    from genzoo.train.run_folder import RunSettings

    defaults = RunSettings(out=Path("runs") / recipe.name)

    def pick(key: str, given: int | None) -> int:  # the command line, the recipe, the default
        return given if given is not None else int(recipe.run.get(key, getattr(defaults, key)))

    return RunSettings(
        out=asked.out or defaults.out,
        epochs=pick("epochs", asked.epochs),
        batch_size=pick("batch_size", asked.batch_size),
        seed=pick("seed", asked.seed),
        device=asked.device,
        max_steps=asked.max_steps or recipe.run.get("max_steps"),
        checkpoint_every=asked.checkpoint_every,
        sample_every=asked.sample_every,
        data_dir=asked.data_dir,
        init_from=asked.init_from or recipe.run.get("init_from"),
        max_time=asked.max_time or recipe.run.get("max_time"),
    )


def run(recipe: Recipe, settings: RunSettings, registry: Registry, resumed: bool) -> Path:
    """Train: the starting weights (opened as `genzoo.load` opens them, before the data), the data,
    the recipe fitted to it, the loop. The run folder, now a Hub repo."""
    from genzoo.train.loop import train
    from genzoo.train.opening import open_model
    from genzoo.train.recipe import fit_to_data
    from genzoo.train.run_folder import has_checkpoint
    from genzoo.zoo.source import locate

    start = None
    fresh = not resumed or not has_checkpoint(settings.out)  # pre-empted before a checkpoint
    if settings.init_from and fresh:  # any name genzoo.load opens, a run still training too
        start = open_model(locate(settings.init_from, registry), registry, device="cpu").model
    loader: Callable[[Path | None, str], ImageData] = resolve(  # type: ignore[assignment]
        registry.dataset(recipe.dataset).loader
    )
    images = loader(settings.data_dir, "train")
    recipe = fit_to_data(recipe, images.image_shape, images.class_names)
    return train(recipe, images, settings, resume=resumed, start=start)
