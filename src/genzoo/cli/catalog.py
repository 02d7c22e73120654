"""`genzoo list` and `genzoo info`: what the installed plugins offer. Metadata only: no torch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from genzoo.cli.output import (
    JsonFlag,
    TextTable,
    complete_models,
    console,
    human_count,
    plugins_of,
    print_json,
    refuse_training_run,
    table,
    warn_plugin_failures,
)
from genzoo.core import Architecture, BadInputError, GenzooError, PretrainedModel, Registry
from genzoo.zoo import WeightsStatus, cached_files, weights_status

_STATUS_STYLE = {
    WeightsStatus.CACHED: "green",
    WeightsStatus.PARTIAL: "yellow",
    WeightsStatus.MISSING: "",
    WeightsStatus.UNPUBLISHED: "dim",
}


def list_command(
    ctx: typer.Context,
    pattern: Annotated[
        str | None,
        typer.Argument(help="A name or shell-style wildcard, e.g. 'dcgan-*' or '*gan*'."),
    ] = None,
    family: Annotated[str | None, typer.Option(help="Only this family: gan, vae, ...")] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Only models trained on this dataset.")
    ] = None,
    plugin: Annotated[str | None, typer.Option(help="Only what this plugin registers.")] = None,
    architectures: Annotated[
        bool,
        typer.Option(
            "--architectures", "-a", help="List architectures instead of pretrained models."
        ),
    ] = False,
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
    columns: tuple[str, ...]
    if architectures:
        if dataset is not None:
            raise BadInputError("--dataset filters models: architectures have no dataset")
        rows = [
            _architecture_json(a, registry)
            for a in registry.find_architectures(pattern, family=family, plugin=plugin)
        ]
        columns = ("name", "family", "components", "models", "plugin")
    else:
        rows = [
            _model_json(m, registry)
            for m in registry.find_models(pattern, family=family, dataset=dataset, plugin=plugin)
        ]
        columns = (
            "name",
            "family",
            "dataset",
            "components",
            "parameters",
            "license",
            "weights",
            "plugin",
        )
    distributions = {info.name: info.distribution for info in plugins.infos}
    for row in rows:  # which pip package provides it
        row["distribution"] = distributions.get(row["plugin"], "?")
    warn_plugin_failures(plugins)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("nothing matches; `genzoo list` shows everything")
        return
    grid = table(*columns)
    for row in rows:
        if row["distribution"] != "genzoo":
            row["plugin"] = f"{row['plugin']} ({row['distribution']})"
        grid.add_row(*(_cell(column, row[column]) for column in columns))
    console.print(grid)


def info_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="A model, an architecture, an hf-hub: name or a repo folder.",
            autocompletion=complete_models,
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Show everything the registry knows about a model or an architecture, or what a Hub
    repo or a repo folder says about itself (its config.json and card; no weights fetched).

    Examples:

        genzoo info dcgan

        genzoo info dcgan-fashion-mnist --json

        genzoo info hf-hub:genzoo/flow-fashion-mnist

        genzoo info runs/dcgan-fmnist
    """
    plugins = plugins_of(ctx)
    registry = plugins.registry
    if name in registry.models or name in registry.architectures:
        entry = registry.lookup(name)
    else:
        entry = _repo_or_entry(name, registry)
    data: dict[str, Any]
    if isinstance(entry, dict):
        data = entry
    elif isinstance(entry, PretrainedModel):
        data = _model_json(entry, registry, detailed=True)
    else:
        data = _architecture_json(entry, registry, detailed=True)
    warn_plugin_failures(plugins)
    if as_json:
        print_json(data)
        return
    grid = TextTable.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key, value in data.items():
        grid.add_row(key, Text(_detail(value)))
    console.print(grid)


def _repo_or_entry(name: str, registry: Registry) -> Any:
    """What `info` shows for a name the registry does not hold: a Hub repo's or a folder's
    own description, or the registry's entry (architectures made on demand, e.g. timm/...)."""
    from genzoo.zoo.card import card_metadata
    from genzoo.zoo.pull import describe
    from genzoo.zoo.repo import CARD_FILE, MAX_CARD_BYTES, read_bounded, read_config
    from genzoo.zoo.source import LocalRepo, RepoRef, locate

    if not name.startswith("hf-hub:") and "/" not in name.strip("./") and ":" not in name:
        return registry.lookup(name)  # an unknown plain name: suggestions
    if not name.startswith("hf-hub:") and not Path(name).exists():
        try:
            return registry.architecture(name)  # made on demand: timm/convnext_atto
        except GenzooError:
            pass  # not a plugin's name: a Hub repo id
    source = locate(name, registry)
    if isinstance(source, RepoRef) and source.model is not None:
        return registry.lookup(source.model)
    if isinstance(source, LocalRepo):
        refuse_training_run(source.folder)
    folder = source.folder if isinstance(source, LocalRepo) else describe(source)
    repo = read_config(folder)
    card = folder / CARD_FILE
    text = read_bounded(card, MAX_CARD_BYTES).decode("utf-8", "replace") if card.is_file() else ""
    meta: dict[str, Any] = card_metadata(text) if text else {}
    family = registry.architectures.get(repo.architecture)
    results = [r for m in meta.get("model-index") or [] for r in m.get("results", [])]
    return {
        "name": repo.name or folder.name,
        "kind": "repo",
        "source": f"{source.repo_id}@{source.revision}"
        if isinstance(source, RepoRef)
        else str(folder),
        "architecture": repo.architecture,
        "family": family.family if family else "(architecture not installed)",
        "components": sorted(repo.sha256),
        "provided_by": dict(repo.provided_by) or {"distribution": "genzoo"},
        "dataset": ", ".join(meta.get("datasets") or []),
        "license": meta.get("license", ""),
        "pipeline_tag": meta.get("pipeline_tag", ""),
        "metrics": {m["type"]: m["value"] for r in results for m in r.get("metrics", [])},
        "config": dict(repo.config),
        "sha256": dict(repo.sha256),
    }


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("info")(info_command)


def _model_json(
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


def _architecture_json(
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


def _cell(column: str, value: Any) -> Text:
    if column == "parameters":
        return Text(human_count(value))
    if column == "weights":
        return Text(value, style=_STATUS_STYLE[WeightsStatus(value)])
    if isinstance(value, list):
        return Text(", ".join(value) or "-")
    return Text(str(value) if value not in ("", None) else "-")


def _detail(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k}: {v}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value) if value not in ("", None) else "-"
