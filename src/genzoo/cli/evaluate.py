"""`genzoo evaluate`: metrics with their protocol, printed, and stored in a repo's card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from genzoo.cli.options import (
    SEED_MAX,
    DataFolder,
    Device,
    Guidance,
    ModelName,
    Solver,
    SolverSteps,
    Temperature,
    sampler_options,
)
from genzoo.cli.output import (
    JsonFlag,
    console,
    errors,
    image_progress,
    plugins_of,
    print_json,
    table,
)

if TYPE_CHECKING:
    from genzoo.core.metric import Metric

Samples = Annotated[int, typer.Option(min=100, help="Generated images to compare.")]
SubsetSeed = Annotated[
    int, typer.Option(min=0, max=SEED_MAX, help="Seed of the samples and of the real subsets.")
]
TestData = Annotated[str | None, typer.Option(help="Test data (default: the model's own dataset).")]
EvaluatorName = Annotated[
    str | None,
    typer.Option(
        help="Classifier whose features generative metrics compare (default: the dataset's "
        "own evaluator, e.g. resnet18-mnist for mnist)."
    ),
]
Features = Annotated[
    str,
    typer.Option(
        help="evaluator: the --evaluator classifier's features; inception: the standard FID "
        "Inception-v3 (needs genzoo\\[metrics] and its weights), comparable with papers."
    ),
]
LabelFree = Annotated[
    bool,
    typer.Option(
        help="Also FD on the dataset's label-free (self-supervised) features, a second space "
        "a ranking must hold in."
    ),
]
Write = Annotated[bool, typer.Option(help="Store the metrics in the folder's card (folders only).")]


def evaluate_command(
    ctx: typer.Context,
    name: ModelName,
    samples: Samples = 10_000,
    seed: SubsetSeed = 0,
    dataset: TestData = None,
    data: DataFolder = None,
    evaluator: EvaluatorName = None,
    features: Features = "evaluator",
    steps: SolverSteps = None,
    solver: Solver = None,
    guidance: Guidance = None,
    temperature: Temperature = None,
    device: Device = "auto",
    label_free: LabelFree = True,
    write: Write = True,
    as_json: JsonFlag = False,
) -> None:
    """Measure a model on its dataset's test split and say exactly how.

    Generators: FD with its 95% interval (and bias-corrected), KID, precision/recall,
    density/coverage and an Inception-style score on the evaluator's features, each
    beside its floor (train vs test images), and FD on the label-free space; conditional
    ones also the classification accuracy score. VAEs, DRAW: also the test negative ELBO;
    PixelRNN: the exact likelihood (bits/dim); classifiers: accuracy. A repo folder gets the
    metrics in its card; a run still training is measured at its last checkpoint.

    Examples:

        genzoo evaluate dcgan-fashion-mnist

        genzoo evaluate runs/still-training --samples 2000   # its last checkpoint

        genzoo evaluate flow-fashion-mnist --steps 20 --solver euler

        genzoo evaluate dcgan-fashion-mnist --features inception   # FID as papers report it

        torchrun --nproc-per-node 2 -m genzoo evaluate flow-fashion-mnist   # shared by 2
    """
    from genzoo.core.ranks import Ranks
    from genzoo.evaluation import evaluate
    from genzoo.recording import record, record_folder

    registry = plugins_of(ctx).registry
    ranks = Ranks.from_env()  # under torchrun the processes share the sampling and embedding
    folder = record_folder(name, registry) if write and ranks.main else None
    with image_progress("generating and embedding", samples, ranks.main) as advance:
        result = evaluate(
            name, samples=samples, seed=seed, dataset=dataset, data_dir=data,
            evaluator=evaluator, features=features, label_free=label_free, device=device,
            registry=registry, sampling=sampler_options(steps, solver, guidance, temperature),
            progress=_say if ranks.main else lambda text: None, advance=advance, ranks=ranks,
        )  # fmt: skip
    ranks.close()
    if not ranks.main:  # rank 0 reports and writes
        return
    _show(result.metrics, as_json)
    if folder is not None:
        where = errors if as_json else console  # keep stdout pure JSON
        where.print(record(result, folder, registry), markup=False)


def _say(text: str) -> None:
    errors.print(Text(text, style="dim"))


def _show(metrics: list[Metric], as_json: bool) -> None:
    if as_json:
        keys = ("name", "value", "interval", "split", "protocol")
        print_json([{key: getattr(m, key) for key in keys} for m in metrics])
        return
    grid = table("metric", "value", "protocol")
    for metric in metrics:
        grid.add_row(metric.name, metric.shown(), metric.protocol)
    console.print(grid)


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
