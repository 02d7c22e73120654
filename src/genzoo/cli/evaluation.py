"""`genzoo evaluate`: metrics with their protocol, printed, and stored in a repo's card."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from genzoo.cli.output import (
    JsonFlag,
    complete_models,
    console,
    errors,
    image_progress,
    plugins_of,
    print_json,
    still_training,
    table,
)
from genzoo.cli.sampling import SEED_MAX, GuidanceOption, SolverOption, sampler_options
from genzoo.core import Registry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from genzoo.evaluation import Evaluation
    from genzoo.zoo.card import Metric


def evaluate_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="A pretrained model, hf-hub: name, repo folder, or the folder of a run "
            "still training (its last checkpoint).",
            autocompletion=complete_models,
        ),
    ],
    samples: Annotated[int, typer.Option(min=100, help="Generated images to compare.")] = 10_000,
    seed: Annotated[
        int,
        typer.Option(min=0, max=SEED_MAX, help="Seed of the samples and of the real subsets."),
    ] = 0,
    dataset: Annotated[
        str | None, typer.Option(help="Test data (default: the model's own dataset).")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Folder holding the dataset's files.")] = None,
    evaluator: Annotated[
        str | None,
        typer.Option(
            help="Classifier whose features generative metrics compare (default: the "
            "dataset's own evaluator, e.g. resnet18-mnist for mnist)."
        ),
    ] = None,
    features: Annotated[
        str,
        typer.Option(
            help="evaluator: the --evaluator classifier's features; inception: the standard "
            "FID Inception-v3 (needs genzoo\\[metrics] and its weights), comparable with papers."
        ),
    ] = "evaluator",
    steps: Annotated[
        int | None, typer.Option(min=1, help="Iterative models: solver steps per sample.")
    ] = None,
    solver: SolverOption = None,
    guidance: GuidanceOption = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
    label_free: Annotated[
        bool,
        typer.Option(
            help="Also FD on the dataset's label-free (self-supervised) features, a second "
            "space a ranking must hold in."
        ),
    ] = True,
    write: Annotated[
        bool, typer.Option(help="Store the metrics in the folder's card (folders only).")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Measure a model on its dataset's test split and say exactly how.

    Generators, on the evaluator's features (default: the dataset's evaluator,
    resnet18-fashion-mnist or resnet18-mnist, which see blur), each beside its floor
    (train vs test images): Fréchet distance with a 95% bootstrap interval (from
    1,000 samples) and its bias-corrected estimate, kernel
    distance (KID, unbiased, mean ± std over subsets), precision/recall (k=3),
    density/coverage (k=5), Inception-style score; conditional ones also the
    classification accuracy score. VAEs and DRAW: also the test-set
    negative ELBO in nats per image. Autoregressive models (PixelRNN): also
    the test set's exact negative log-likelihood, in nats per image and bits
    per dimension. Classifiers: test accuracy. Iterative models (flow) take
    --steps, --solver, --guidance. For a repo folder the metrics go into its card.
    A run still training is measured at its last checkpoint (the weights it would
    publish now) and each such evaluation appended to its
    training/evaluations.jsonl: how its figures move as it trains.

    Examples:

        genzoo evaluate dcgan-fashion-mnist

        genzoo evaluate runs/dcgan-fmnist --samples 10000 --seed 0

        genzoo evaluate runs/still-training --samples 2000   # its last checkpoint

        genzoo evaluate flow-fashion-mnist --steps 10 --solver heun

        genzoo evaluate dcgan-fashion-mnist --features inception   # FID as papers report it

        torchrun --nproc-per-node 2 -m genzoo evaluate flow-fashion-mnist   # shared by 2
    """
    from genzoo.core.ranks import Ranks
    from genzoo.evaluation import evaluate
    from genzoo.zoo.source import LocalRepo, locate

    registry = plugins_of(ctx).registry
    ranks = Ranks.from_env()  # under torchrun the processes share the sampling and embedding
    source = locate(name, registry)
    folder = source.folder if isinstance(source, LocalRepo) else None
    if write and ranks.main and folder is not None:  # a planted link fails now, not after
        _check_writable(folder, training=still_training(folder))

    def say(text: str) -> None:
        if ranks.main:
            errors.print(Text(text, style="dim"))

    with image_progress("generating and embedding", samples, ranks.main) as advance:
        result = evaluate(
            name, samples=samples, seed=seed, dataset=dataset, data_dir=data,
            evaluator=evaluator, features=features, label_free=label_free, device=device,
            registry=registry,
            sampling=sampler_options(steps, solver, guidance), progress=say,
            advance=advance, ranks=ranks,
        )  # fmt: skip
    ranks.close()
    if not ranks.main:  # rank 0 reports and writes
        return
    _show(result.metrics, as_json)
    if write and folder is not None:
        where = errors if as_json else console  # keep stdout pure JSON
        where.print(_record(result, folder, registry), markup=False)


def _show(metrics: list[Metric], as_json: bool) -> None:
    if as_json:
        keys = ("name", "value", "interval", "split", "protocol")
        print_json([{key: getattr(m, key) for key in keys} for m in metrics])
        return
    grid = table("metric", "value", "protocol")
    for metric in metrics:
        grid.add_row(metric.name, metric.shown(), metric.protocol)
    console.print(grid)


def _record(result: Evaluation, folder: Path, registry: Registry) -> str:
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
    figures = _reconstructions(result, folder, registry)
    found = sampler(result.model)
    task = task_of(list(result.model), found is not None and found.num_classes > 0)
    hub_id = registry.dataset(result.dataset).hub_id
    store_metrics(folder, result.metrics, result.dataset, task, figures, hub_id)
    return f"stored in {folder / CARD_FILE} (repo: {result.model.name or folder.name})"


def _reconstructions(result: Evaluation, folder: Path, registry: Registry) -> list[str]:
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


def _check_writable(folder: Path, training: bool) -> None:
    """Refuse, before anything is measured, a link or special file where evaluate writes."""
    from genzoo.core.files import replaceable
    from genzoo.train.run_folder import EVALUATIONS, METRICS_FILE, training_dir
    from genzoo.zoo.repo import CARD_FILE, RECONSTRUCTIONS_FILE

    if training:
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
    (a published repo folder has no training/ and gets none). `task` is the Hub's
    pipeline tag (`task_of`), '' for a class-conditional generator."""
    from genzoo.core.files import read_text_bounded, write_text
    from genzoo.train.run_folder import training_dir, write_metrics
    from genzoo.zoo.card import with_metrics
    from genzoo.zoo.repo import CARD_FILE, MAX_CARD_BYTES

    card = folder / CARD_FILE
    text = read_text_bounded(card, MAX_CARD_BYTES)
    write_text(card, with_metrics(text, metrics, dataset, task, figures, dataset_id))
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


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
