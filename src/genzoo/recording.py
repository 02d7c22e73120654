"""Where an evaluation's figures are kept: a run still training appends them to its
evaluations log, a repo folder gets them in its card (and a variational model its
reconstructions beside it). `genzoo evaluate` records what `genzoo.evaluate` measured."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genzoo.core import Registry
    from genzoo.core.metric import Metric
    from genzoo.evaluation import Evaluation


def record_folder(name: str, registry: Registry) -> Path | None:
    """The folder `record` will write into when `name` is one (a repo folder or a run),
    checked now, before anything is measured; None for a registered or Hub model."""
    from genzoo.zoo.source import LocalRepo, locate

    source = locate(name, registry)
    if not isinstance(source, LocalRepo):
        return None
    check_writable(source.folder)
    return source.folder


def record(result: Evaluation, folder: Path, registry: Registry) -> str:
    """Keep the figures where they belong: a run still training appends them to its
    evaluations log; a repo folder gets them in its card (and a VAE its reconstructions)."""
    from genzoo.core.interfaces import sampler
    from genzoo.zoo.card import task_of
    from genzoo.zoo.repo import CARD_FILE

    if result.step is not None:
        how = {"samples": result.samples, "seed": result.seed, "dataset": result.dataset,
               "features": result.features, "sampling": dict(result.sampling)}  # fmt: skip
        written = record_evaluation(folder, result.step, result.epochs, how, result.metrics)
        return f"recorded in {written}"
    figures = reconstructions_beside(result, folder, registry)
    found = sampler(result.model)
    task = task_of(list(result.model), found is not None and found.num_classes > 0)
    hub_id = registry.dataset(result.dataset).hub_id
    store_metrics(folder, result.metrics, result.dataset, task, figures, hub_id)
    return f"stored in {folder / CARD_FILE} (repo: {result.model.name or folder.name})"


def reconstructions_beside(result: Evaluation, folder: Path, registry: Registry) -> list[str]:
    """A variational model's test images above their reconstructions, beside its card."""
    from genzoo.core.files import atomic_path
    from genzoo.core.images import save_grid
    from genzoo.metrics.evaluate import reconstructions
    from genzoo.train.variational import objective_for
    from genzoo.zoo.repo import RECONSTRUCTIONS_FILE

    objective = objective_for(result.model, registry)
    if objective is None or result.test is None:
        return []
    with atomic_path(folder / RECONSTRUCTIONS_FILE) as tmp:
        save_grid(reconstructions(objective, result.test), tmp, 8)
    return [RECONSTRUCTIONS_FILE]


def check_writable(folder: Path) -> None:
    """Refuse, before anything is measured, a link or special file where `record` writes."""
    from genzoo.core.files import replaceable
    from genzoo.train.run_folder import EVALUATIONS, METRICS_FILE, in_progress, training_dir
    from genzoo.zoo.repo import CARD_FILE, RECONSTRUCTIONS_FILE

    if in_progress(folder):
        replaceable(training_dir(folder) / EVALUATIONS)
        return
    for path in (folder / CARD_FILE, folder / RECONSTRUCTIONS_FILE):
        replaceable(path)
    if training_dir(folder).is_dir():
        replaceable(training_dir(folder) / METRICS_FILE)


def store_metrics(
    folder: Path,
    metrics: list[Metric],
    dataset: str,
    task: str,
    figures: list[str],
    dataset_id: str = "",
) -> None:
    """Write `metrics` into a repo folder's card (the Hub's eval results and the Evaluation
    section, with `figures`) and, for a run folder, into its record, training/metrics.json
    (a published repo folder has no training/ and gets none). A figure the card holds and
    this evaluation did not measure (a step sweep, another space) stays, with its own
    protocol. `task` is the Hub's pipeline tag (`task_of`), '' for a class-conditional
    generator."""
    from genzoo.core.files import read_text_bounded, write_text
    from genzoo.train.run_folder import training_dir, write_metrics
    from genzoo.zoo.card import card_metrics, with_metrics
    from genzoo.zoo.repo import CARD_FILE, MAX_CARD_BYTES

    card = folder / CARD_FILE
    text = read_text_bounded(card, MAX_CARD_BYTES)
    measured = {metric.name for metric in metrics}
    kept = [metric for metric in card_metrics(text) if metric.name not in measured]
    write_text(card, with_metrics(text, [*metrics, *kept], dataset, task, figures, dataset_id))
    if training_dir(folder).is_dir():
        write_metrics(folder, [m.__dict__ for m in metrics])


def record_evaluation(
    run: Path, step: int, epochs: float, how: Mapping[str, Any], metrics: list[Metric]
) -> Path:
    """Append an evaluation of a run in progress to training/evaluations.jsonl, a line per
    checkpoint evaluated: how its metrics moved as it trained (FD against epochs). `how`
    is what the figures depend on: samples, seed, dataset, features, sampling options."""
    from genzoo.train import run_folder

    line = {
        "step": step,
        "epochs": round(epochs, 2),
        **how,
        "metrics": {m.name: m.value for m in metrics},
        "intervals": {m.name: m.interval for m in metrics if m.interval is not None},
    }
    return run_folder.record_evaluation(run, line)
