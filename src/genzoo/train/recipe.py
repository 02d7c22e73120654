"""What to train: an architecture, its config, a dataset and hyperparameters, from a name.

`genzoo train dcgan --dataset fashion-mnist` starts from the architecture's
reference config and its trainer's defaults; `genzoo train dcgan-fashion-mnist`
uses the named model's recipe (its config, dataset and `recipe` settings), the
one that made (or will make) its published weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from genzoo.core import Architecture, BadInputError, GenzooError, PretrainedModel, Registry
from genzoo.core.lazy import resolve

#: Settings of the run rather than of the objective; a recipe may fix them too
#: (init_from: the published weights a recipe starts from, e.g. a distillation's teacher).
RUN_KEYS = ("epochs", "batch_size", "seed", "max_steps", "init_from", "max_time")


@dataclass(frozen=True)
class Recipe:
    name: str  # of the model it makes
    architecture: Architecture
    dataset: str
    config: Mapping[str, Any]
    hparams: Mapping[str, Any] = field(default_factory=dict)
    run: Mapping[str, Any] = field(default_factory=dict)  # RUN_KEYS
    entry: PretrainedModel | None = None  # the named model, when trained from one
    data_license: str = ""  # the dataset's, from its registry entry, for the model card
    dataset_id: str = ""  # and its Hub id

    @property
    def trainer_class(self) -> type:
        if not self.architecture.trainer:
            raise GenzooError(f"architecture {self.architecture.name!r} declares no trainer")
        trainer: type = resolve(self.architecture.trainer)  # type: ignore[assignment]
        return trainer

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "architecture": self.architecture.name,
            "dataset": self.dataset,
            "config": dict(self.config),
            "hparams": dict(self.hparams),
            "run": dict(self.run),
            "entry": self.entry.name if self.entry else None,
        }


def make_recipe(
    name: str,
    registry: Registry,
    dataset: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Recipe:
    """The recipe behind `name` (architecture or pretrained model), with `overrides`
    (config keys or hyperparameters, e.g. from --set) applied."""
    found = registry.lookup(name)
    if isinstance(found, PretrainedModel):
        architecture = registry.architecture(found.architecture)
        if dataset and dataset != found.dataset:
            raise BadInputError(
                f"{name} is trained on {found.dataset}; for another dataset train the "
                f"architecture: genzoo train {architecture.name} --dataset {dataset}"
            )
        settings = dict(found.recipe)
        run = {key: settings.pop(key) for key in RUN_KEYS if key in settings}
        recipe = Recipe(
            name,
            architecture,
            found.dataset,
            dict(registry.config_of(found)),
            {**architecture.training, **settings},
            run,
            found,
            registry.dataset(found.dataset).license,
            registry.dataset(found.dataset).hub_id,
        )
    else:
        if not dataset:
            raise BadInputError(
                f"training the architecture {name} needs --dataset (see `genzoo datasets`)"
            )
        recipe = Recipe(
            f"{name}-{dataset}",
            found,
            dataset,
            dict(found.config),
            dict(found.training),
            # an unknown dataset fails here, with suggestions
            data_license=registry.dataset(dataset).license,
            dataset_id=registry.dataset(dataset).hub_id,
        )
    return apply(recipe, overrides or {})


def restore_recipe(saved: Mapping[str, Any], registry: Registry) -> Recipe:
    """The recipe of a run from its saved `Recipe.to_json()` (for --resume)."""
    entry = registry.models.get(saved["entry"]) if saved.get("entry") else None
    return Recipe(
        saved["name"],
        registry.architecture(saved["architecture"]),
        saved["dataset"],
        saved["config"],
        saved["hparams"],
        saved["run"],
        entry,
        registry.dataset(saved["dataset"]).license,
        registry.dataset(saved["dataset"]).hub_id,
    )


def apply(recipe: Recipe, overrides: Mapping[str, Any]) -> Recipe:
    """Send each override to the config or the hyperparameters, whichever knows the key."""
    from genzoo.core.model import accepted_keys, config_defaults

    config_keys = accepted_keys(recipe.architecture)
    from genzoo.train.trainer import check_setting

    defaults = getattr(recipe.trainer_class, "defaults", {})
    reference = config_defaults(recipe.architecture)
    config, hparams = dict(recipe.config), dict(recipe.hparams)
    for key, value in overrides.items():
        if key in config_keys:
            check_setting(key, value, reference.get(key))
            config[key] = value
        elif key in defaults:
            check_setting(key, value, defaults[key])
            hparams[key] = value
        else:
            raise BadInputError(
                f"--set {key}: not a config key ({', '.join(sorted(config_keys))}) nor a "
                f"hyperparameter ({', '.join(sorted(defaults))}) of {recipe.architecture.name}"
            )
    return replace(recipe, config=config, hparams=hparams)


def fit_to_data(
    recipe: Recipe, image_shape: tuple[int, int, int], class_names: tuple[str, ...]
) -> Recipe:
    """Size the config to the data: its image shape, and its class names when conditional."""
    from genzoo.core.model import accepted_keys

    keys = accepted_keys(recipe.architecture)
    config = dict(recipe.config)
    if "image_shape" in keys:
        config["image_shape"] = list(image_shape)
    # A conditional generator (num_classes > 0) or a classifier (no num_classes key: its
    # classes are its class names) takes the dataset's classes.
    classes = int(config.get("num_classes", 0) or 0)
    if classes and classes != len(class_names):
        raise BadInputError(
            f"the config has num_classes={classes} but {recipe.dataset} has {len(class_names)}"
        )
    if "class_names" in keys and (classes or "num_classes" not in keys):
        config["class_names"] = list(class_names)
    return replace(recipe, config=config)
