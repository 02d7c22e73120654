"""`genzoo info`: one model or architecture as the registry knows it, or what a Hub repo or a
repo folder says of itself (its config.json and card; no weights fetched)."""

from __future__ import annotations

from pathlib import Path
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
from genzoo.core import GenzooError, PretrainedModel, Registry

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
    if name in registry.models or name in registry.architectures:
        entry = registry.lookup(name)
    else:
        entry = _repo_or_entry(name, registry)
    data: dict[str, Any]
    if isinstance(entry, dict):
        data = entry
    elif isinstance(entry, PretrainedModel):
        data = model_json(entry, registry, detailed=True)
    else:
        data = architecture_json(entry, registry, detailed=True)
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
