"""`genzoo list`: what the installed plugins offer, from the registry. Metadata only: no torch."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from genzoo.cli.output import (
    JsonFlag,
    console,
    human_count,
    plugins_of,
    print_json,
    table,
    warn_plugin_failures,
)
from genzoo.core import Architecture, BadInputError, PretrainedModel, Registry
from genzoo.zoo import WeightsStatus, cached_files, weights_status

_STATUS_STYLE = {
    WeightsStatus.CACHED: "green",
    WeightsStatus.PARTIAL: "yellow",
    WeightsStatus.MISSING: "",
    WeightsStatus.UNPUBLISHED: "dim",
}


Pattern = Annotated[
    str | None, typer.Argument(help="A name or shell-style wildcard, e.g. 'dcgan-*' or '*gan*'.")
]
Family = Annotated[str | None, typer.Option(help="Only this family: gan, vae, ...")]
Dataset = Annotated[str | None, typer.Option(help="Only models trained on this dataset.")]
Plugin = Annotated[str | None, typer.Option(help="Only what this plugin registers.")]
Architectures = Annotated[
    bool,
    typer.Option("--architectures", "-a", help="List architectures instead of pretrained models."),
]
MODEL_COLUMNS: tuple[str, ...] = ("name", "family", "dataset", "components", "parameters",
                                  "license", "weights", "plugin")  # fmt: skip
ARCHITECTURE_COLUMNS: tuple[str, ...] = ("name", "family", "components", "models", "plugin")


def list_command(
    ctx: typer.Context,
    pattern: Pattern = None,
    family: Family = None,
    dataset: Dataset = None,
    plugin: Plugin = None,
    architectures: Architectures = False,
    as_json: JsonFlag = False,
) -> None:
    """List the pretrained models (or architectures) that the installed plugins offer.

    Examples:

        genzoo list

        genzoo list "*gan*" --family gan --json

        genzoo list --architectures --plugin genzoo.plugins.dcgan
    """
    plugins = plugins_of(ctx)
    registry = plugins.registry
    if architectures and dataset is not None:
        raise BadInputError("--dataset filters models: architectures have no dataset")
    if architectures:
        found = registry.find_architectures(pattern, family=family, plugin=plugin)
        rows, columns = [architecture_json(a, registry) for a in found], ARCHITECTURE_COLUMNS
    else:
        models = registry.find_models(pattern, family=family, dataset=dataset, plugin=plugin)
        rows, columns = [model_json(m, registry) for m in models], MODEL_COLUMNS
    distributions = {info.name: info.distribution for info in plugins.infos}
    for row in rows:  # which pip package provides it
        row["distribution"] = distributions.get(row["plugin"], "?")
    warn_plugin_failures(plugins)
    if as_json:
        print_json(rows)
    elif not rows:
        console.print("nothing matches; `genzoo list` shows everything")
    else:
        _print_rows(rows, columns)


def _print_rows(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    grid = table(*columns)
    for row in rows:
        if row["distribution"] != "genzoo":
            row["plugin"] = f"{row['plugin']} ({row['distribution']})"
        grid.add_row(*(_cell(column, row[column]) for column in columns))
    console.print(grid)


def _cell(column: str, value: Any) -> Text:
    if column == "parameters":
        return Text(human_count(value))
    if column == "weights":
        return Text(value, style=_STATUS_STYLE[WeightsStatus(value)])
    if isinstance(value, list):
        return Text(", ".join(value) or "-")
    return Text(str(value) if value not in ("", None) else "-")


def model_json(
    model: PretrainedModel, registry: Registry, detailed: bool = False
) -> dict[str, Any]:
    architecture = registry.architecture(model.architecture)
    data: dict[str, Any] = {
        "name": model.name,
        "kind": "model",
        "architecture": model.architecture,
        "family": architecture.family,
        "dataset": model.dataset,
        "components": list(architecture.components),
        "parameters": model.parameters,
        "license": model.license,
        "weights": weights_status(model).value,
        "plugin": model.plugin,
        "repo_id": model.repo_id,
        "revision": model.revision,
    }
    if detailed:
        paths = cached_files(model)
        data.update(
            {
                "description": model.description,
                "classes": dict(architecture.components),
                "config": dict(registry.config_of(model)),
                "sha256": dict(model.sha256),
                "cached_files": {role: str(p) for role, p in paths.items() if p is not None},
                "paper": model.paper,
                "metrics": dict(model.metrics),
                "recipe": dict(model.recipe),
                "train": f"genzoo train {model.name}",
            }
        )
    return data


def architecture_json(
    arch: Architecture, registry: Registry, detailed: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": arch.name,
        "kind": "architecture",
        "family": arch.family,
        "components": list(arch.components),
        "models": [m.name for m in registry.models.values() if m.architecture == arch.name],
        "plugin": arch.plugin,
    }
    if detailed:
        data.update(
            {
                "description": arch.description,
                "classes": dict(arch.components),
                "config": dict(arch.config),
                "paper": arch.paper,
                "trainer": arch.trainer,
                "training": dict(arch.training),
            }
        )
    return data


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
