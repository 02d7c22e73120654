"""Evaluation as one library call: `genzoo.evaluate(name)` gives the figures `genzoo evaluate`
prints and the zoo's cards hold, by the same protocol; the command is this call plus
printing and recording.

    import genzoo
    result = genzoo.evaluate("dcgan-fashion-mnist", samples=10_000)
    result["frechet_distance"], result.metric("frechet_distance").interval
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genzoo.core import BadInputError, Registry
from genzoo.core.lazy import resolve

if TYPE_CHECKING:
    import torch

    from genzoo.core.metric import Metric
    from genzoo.core.model import ZooModel
    from genzoo.core.ranks import Ranks
    from genzoo.data.images import ImageData
    from genzoo.metrics.evaluate import Evaluator
    from genzoo.zoo.source import Source

#: `features=`: the dataset's evaluator classifier (or `evaluator=`), or FID's Inception-v3.
FEATURES = ("evaluator", "inception")


@dataclass(frozen=True)
class Evaluation:
    """What an evaluation measured, and of what."""

    metrics: list[Metric]
    model: ZooModel
    dataset: str
    features: str  # the evaluator's description ('' when nothing was embedded)
    samples: int
    seed: int
    sampling: Mapping[str, Any] = field(default_factory=dict)  # an iterative sampler's options
    step: int | None = None  # a run still training: the checkpoint measured
    epochs: float = 0.0  # and the epochs of data it had seen
    test: ImageData | None = None  # the test split, for figures drawn from it

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        known = ", ".join(m.name for m in self.metrics)
        raise KeyError(f"no {name!r} among the measured metrics ({known})")

    def __getitem__(self, name: str) -> float:
        return self.metric(name).value

    def values(self) -> dict[str, float]:
        return {m.name: m.value for m in self.metrics}


def evaluate(
    model: str | os.PathLike[str],
    *,
    samples: int = 10_000,
    seed: int = 0,
    dataset: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    evaluator: str | None = None,
    features: str = "evaluator",
    sampling: Mapping[str, Any] | None = None,
    label_free: bool | str = True,
    device: str | torch.device | None = None,
    registry: Registry | None = None,
    progress: Callable[[str], None] = lambda text: None,
    advance: Callable[[int], None] = lambda count: None,
    ranks: Ranks | None = None,
) -> Evaluation:
    """Measure `model` (a registered name, `hf-hub:` repo, repo folder, or the folder of a
    run still training) on its dataset's test split, as the zoo's tables do: generators by
    FD (with its 95% interval), KID, precision/recall, density/coverage on the evaluator's
    features, each beside its floor; variational models by their ELBO; autoregressive
    ones by exact likelihood; classifiers by accuracy. `sampling` holds an iterative
    sampler's options (steps, solver, guidance). `label_free`: FD also on the dataset's
    label-free encoder's features, when it names one and `evaluator` is its own, or on the
    model this names
    (`frechet_distance_label_free`), so that a ranking can be checked in a second space.
    `progress` is told each stage, `advance` each batch of images made (a progress bar);
    under torchrun `ranks` share the work."""
    from genzoo.core.ranks import Ranks
    from genzoo.metrics.evaluate import evaluate as measure
    from genzoo.metrics.evaluate import load_evaluator
    from genzoo.plugins import installed
    from genzoo.train.opening import open_model
    from genzoo.train.variational import objective_for
    from genzoo.zoo.source import LocalRepo, locate

    registry = registry or installed().registry
    ranks = ranks or Ranks()
    requested = "auto" if device is None else str(device)
    if features not in FEATURES:
        raise BadInputError(f"features must be one of {', '.join(FEATURES)}, got {features!r}")
    name = os.fspath(model)
    source = (
        LocalRepo(name, Path(name)) if isinstance(model, os.PathLike) else locate(name, registry)
    )
    # a GAN's discriminator plays no part in any metric: not hashed, not loaded
    roles = [role for role in _roles(source, registry) if role != "discriminator"] or None
    opened = open_model(source, registry, roles, ranks.device(requested))
    dataset = dataset or _dataset_of(source, registry)
    loader: Callable[[Path | None, str], ImageData] = resolve(  # type: ignore[assignment]
        registry.dataset(dataset).loader
    )
    directory = Path(data_dir) if data_dir is not None else None
    train, test = loader(directory, "train"), loader(directory, "test")
    judge = _evaluator(
        opened.model, dataset, evaluator, features, registry, ranks.device(requested)
    )
    second = None
    # the dataset's second space goes with its own evaluator; beside another one (given
    # for other data, other image sizes), only when named
    independent = label_free if isinstance(label_free, str) else ""
    if label_free is True and evaluator is None:
        independent = registry.dataset(dataset).label_free_evaluator
    if independent and judge is not None and features == "evaluator":
        second = load_evaluator(locate(independent, registry), registry, ranks.device(requested))
    epochs = opened.step * opened.batch_size / len(train) if opened.step else 0.0
    if opened.step is not None:
        progress(f"{name} is still training: its checkpoint at step {opened.step:,} "
                 f"({epochs:.2f} epochs)")  # fmt: skip
    options = dict(sampling or {})
    objective = objective_for(opened.model, registry)
    metrics = measure(
        opened.model, train, test, judge, samples, seed, progress, objective, options, ranks,
        advance, second,
    )  # fmt: skip
    return Evaluation(
        metrics,
        opened.model,
        dataset,
        judge.description if judge is not None else "",
        samples,
        seed,
        options,
        opened.step,
        epochs,
        test,
    )


def _roles(source: Source, registry: Registry) -> list[str]:
    """The components a source has, when known without loading (its architecture's)."""
    from genzoo.zoo.source import LocalRepo

    if isinstance(source, LocalRepo):
        return []
    entry = registry.models.get(source.model or "")
    if entry is None:
        return []
    return list(registry.architecture(entry.architecture).components)


def _evaluator(
    model: ZooModel,
    dataset: str,
    evaluator: str | None,
    features: str,
    registry: Registry,
    device: Any,
) -> Evaluator | None:
    """The feature space a generator is measured in (None for a model that makes no images)."""
    from genzoo.core.devices import pick_device
    from genzoo.core.interfaces import sampler
    from genzoo.metrics.evaluate import load_evaluator
    from genzoo.zoo.source import locate

    if sampler(model) is None:
        return None
    if features == "inception":
        from genzoo.metrics.inception import inception_evaluator

        return inception_evaluator(pick_device(device))
    evaluator = evaluator or registry.dataset(dataset).evaluator
    if not evaluator:
        raise BadInputError(f"{dataset} names no evaluator: pass evaluator= (--evaluator)")
    return load_evaluator(locate(evaluator, registry), registry, device)


def _dataset_of(source: Source, registry: Registry) -> str:
    """The dataset a model was trained on: its run record's, its registry entry's, its card's."""
    from genzoo.core.files import read_text_bounded
    from genzoo.train.run_folder import is_run, load_run
    from genzoo.zoo.cache import snapshot_dir
    from genzoo.zoo.card import card_metadata
    from genzoo.zoo.repo import CARD_FILE, MAX_CARD_BYTES
    from genzoo.zoo.source import LocalRepo

    if isinstance(source, LocalRepo):
        folder: Path | None = source.folder
        if is_run(source.folder):
            return str(load_run(source.folder)["recipe"]["dataset"])
    else:
        entry = registry.models.get(source.model or "")
        if entry is not None and entry.dataset:
            return str(entry.dataset)
        folder = snapshot_dir(source.repo_id, source.revision)
    # a repo without its run record (a pulled one, the bench baseline) names it in its card
    card = folder / CARD_FILE if folder is not None else None
    text = read_text_bounded(card, MAX_CARD_BYTES) if card and card.is_file() else ""
    named = card_metadata(text).get("datasets") if text else None
    if isinstance(named, list) and len(named) == 1:
        by_hub_id = {d.hub_id: d.name for d in registry.datasets.values() if d.hub_id}
        return by_hub_id.get(str(named[0]), str(named[0]))  # cards name the Hub's dataset id
    raise BadInputError(f"{source.name} does not say its dataset: pass --dataset (dataset=)")
