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
from genzoo.core import BadInputError, Registry
from genzoo.core.lazy import resolve

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from genzoo.data.images import ImageData
    from genzoo.zoo.card import Metric
    from genzoo.zoo.source import Source

# Each dataset names its evaluator (DatasetEntry.evaluator). Chosen by measurement
# (bench/evaluator_sensitivity.py, README "Evaluation"): resnet18's features rank blurry
# generators behind sharp ones as Inception FID and an independent evaluator do; lenet5's
# barely separate them. This one is Fashion-MNIST's, kept for the scripts that name it.
DEFAULT_EVALUATOR = "resnet18-fashion-mnist"
FEATURES = ("evaluator", "inception")


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
    from genzoo.core.devices import pick_device
    from genzoo.core.interfaces import sampler
    from genzoo.core.ranks import Ranks
    from genzoo.metrics.evaluate import evaluate, load_evaluator, reconstructions
    from genzoo.train.loop import checkpoint_model, load_run
    from genzoo.train.variational import objective_for
    from genzoo.zoo.card import task_of
    from genzoo.zoo.load import load
    from genzoo.zoo.repo import CARD_FILE
    from genzoo.zoo.source import LocalRepo, locate

    registry = plugins_of(ctx).registry
    ranks = Ranks.from_env()  # under torchrun the processes share the sampling and embedding
    device = ranks.device(device)
    source = locate(name, registry)
    folder = source.folder if isinstance(source, LocalRepo) else None
    run, at, record = None, None, {}
    if folder is not None and still_training(folder):  # what the run would publish now
        run, folder = folder, None  # no card to write the metrics into yet
        model, at = checkpoint_model(run, registry)
        model.to(pick_device(device))
        record = load_run(run)
        dataset = dataset or str(record["recipe"]["dataset"])
    else:
        model = load(source, registry, device=device)
        dataset = dataset or _dataset_of(source, registry)
    if write and ranks.main:
        _check_writable(folder, run)  # a planted link fails now, not after the measuring
    loader: Callable[[Path | None, str], ImageData] = resolve(  # type: ignore[assignment]
        registry.dataset(dataset).loader
    )
    train, test = loader(data, "train"), loader(data, "test")
    if features not in FEATURES:
        raise BadInputError(f"--features must be one of {', '.join(FEATURES)}, got {features!r}")
    judge = None
    if sampler(model) is not None:
        if features == "inception":
            from genzoo.metrics.inception import inception_evaluator

            judge = inception_evaluator(pick_device(device))
        else:
            evaluator = evaluator or registry.dataset(dataset).evaluator
            if not evaluator:
                raise BadInputError(f"{dataset} names no evaluator: pass --evaluator NAME")
            judge = load_evaluator(locate(evaluator, registry), registry, device)

    def say(text: str) -> None:
        if ranks.main:
            errors.print(Text(text, style="dim"))

    epochs = at.step * int(record["settings"]["batch_size"]) / len(train) if at else 0.0
    if at is not None:
        say(f"{run} is still training: its checkpoint at step {at.step:,} ({epochs:.2f} epochs)")

    objective = objective_for(model, registry)
    options = sampler_options(steps, solver, guidance)
    with image_progress("generating and embedding", samples, ranks.main) as advance:
        metrics = evaluate(
            model, train, test, judge, samples, seed, say, objective, options, ranks, advance
        )
    ranks.close()
    if not ranks.main:  # rank 0 reports and writes
        return
    if as_json:
        print_json(
            [
                {
                    "name": m.name,
                    "value": m.value,
                    "interval": m.interval,
                    "split": m.split,
                    "protocol": m.protocol,
                }
                for m in metrics
            ]
        )
    else:
        grid = table("metric", "value", "protocol")
        for metric in metrics:
            grid.add_row(metric.name, metric.shown(), metric.protocol)
        console.print(grid)
    if run is not None and at is not None and write:
        how = {
            "samples": samples,
            "seed": seed,
            "dataset": dataset,
            "features": judge.description if judge is not None else "",
            "sampling": dict(options),
        }
        written = record_evaluation(run, at.step, epochs, how, metrics)
        (errors if as_json else console).print(f"recorded in {written}", markup=False)
    if folder is not None and write:
        figures = []
        if objective is not None:
            from genzoo.core.files import atomic_path
            from genzoo.core.images import save_grid
            from genzoo.zoo.repo import RECONSTRUCTIONS_FILE

            with atomic_path(folder / RECONSTRUCTIONS_FILE) as tmp:
                save_grid(reconstructions(objective, test), tmp, 8)
            figures.append(RECONSTRUCTIONS_FILE)
        hub_id = registry.dataset(dataset).hub_id
        found = sampler(model)
        conditional = found is not None and found.num_classes > 0
        task = task_of(list(model), conditional)
        store_metrics(folder, metrics, dataset, task, figures, hub_id)
        where = errors if as_json else console  # keep stdout pure JSON
        card = folder / CARD_FILE
        repo_name = model.name or folder.name
        where.print(f"stored in {card} (repo: {repo_name})", markup=False)


def _check_writable(folder: Path | None, run: Path | None) -> None:
    """Refuse, before anything is measured, a link or special file where evaluate writes."""
    from genzoo.core.files import replaceable
    from genzoo.train.run_folder import EVALUATIONS, METRICS_FILE, training_dir
    from genzoo.zoo.repo import CARD_FILE, RECONSTRUCTIONS_FILE

    if folder is not None:
        for path in (folder / CARD_FILE, folder / RECONSTRUCTIONS_FILE):
            replaceable(path)
        if training_dir(folder).is_dir():
            replaceable(training_dir(folder) / METRICS_FILE)
    if run is not None:
        replaceable(training_dir(run) / EVALUATIONS)


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


def _dataset_of(source: Source, registry: Registry) -> str:
    """The dataset a model was trained on: its registry entry's, its run record's, its card's."""
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
    raise BadInputError(f"{source.name} does not say its dataset: pass --dataset")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
