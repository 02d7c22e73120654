"""`genzoo info`: one model or architecture as the registry knows it, or what a Hub repo or a
repo folder says of itself (its config.json and card; no weights fetched)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from genzoo.cli.list import architecture_json, model_json
from genzoo.cli.output import (
    JsonFlag,
    TextTable,
    complete_models,
    console,
    plugins_of,
    print_json,
    refuse_training_run,
    warn_plugin_failures,
)
from genzoo.core import Architecture, PretrainedModel, Registry
from genzoo.zoo.source import LocalRepo, RepoRef, Source, locate_entry

InfoName = Annotated[
    str,
    typer.Argument(
        help="A model, an architecture, an hf-hub: name or a repo folder.",
        autocompletion=complete_models,
    ),
]


def info_command(ctx: typer.Context, name: InfoName, as_json: JsonFlag = False) -> None:
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
    entry = locate_entry(name, registry)
    data: dict[str, Any]
    if isinstance(entry, PretrainedModel):
        data = model_json(entry, registry, detailed=True)
    elif isinstance(entry, Architecture):
        data = architecture_json(entry, registry, detailed=True)
    else:
        data = _repo_description(entry, registry)
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


def _repo_description(source: Source, registry: Registry) -> dict[str, Any]:
    """What a Hub repo or a repo folder says about itself: its config.json and card."""
    from genzoo.core.files import read_bounded
    from genzoo.zoo.card import card_metadata
    from genzoo.zoo.pull import describe
    from genzoo.zoo.repo import CARD_FILE, MAX_CARD_BYTES, read_config

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


def _detail(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k}: {v}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value) if value not in ("", None) else "-"


def register(app: typer.Typer) -> None:
    app.command("info")(info_command)
