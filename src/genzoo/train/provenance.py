"""What a training run's card says about how it was made: the command as typed (the
launcher included), the machine, the data's origin, the schedule, the budget, the
weights it started from. Recorded in run.json as the run goes and gathered into the
card's Training section at the end, so that anyone can train the model again.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from genzoo.core.entries import REPO_ID
from genzoo.data.images import ImageData
from genzoo.train.recipe import Recipe
from genzoo.train.run_folder import RunSettings, evaluations
from genzoo.zoo.card import CardInfo, portable


def training_card(
    recipe: Recipe,
    data: ImageData,
    settings: RunSettings,
    run: Mapping[str, Any],
    trained: tuple[torch.nn.Module, Mapping[str, Any], str],
    step: int,
    seconds: float,
    device: torch.device,
) -> CardInfo:
    """The card of a finished run: `trained` is (model, its trainer's hyperparameters,
    the trainer's class name), `step` and `seconds` how far the run went, over every
    resumed part."""
    model, hparams, trainer_name = trained
    entry = recipe.entry
    return CardInfo(
        description=(entry.description if entry else "")
        or f"`{recipe.architecture.name}` trained on {recipe.dataset} by `genzoo train`.",
        dataset=recipe.dataset,
        dataset_id=recipe.dataset_id,
        license=entry.license if entry and entry.license else "mit",
        data_license=recipe.data_license,
        paper=recipe.architecture.paper,
        family=recipe.architecture.family,
        parameters=sum(p.numel() for p in model.parameters()),
        training={
            "command": "; then ".join(
                [f"`{portable(run['command'])}`"]
                + [
                    f"`{portable(r['command'])}` (from step {r['step']:,})"
                    for r in run.get("resumed", [])
                ]
            ),
            **_started_from(run),
            "seed": str(settings.seed),
            "data": f"{recipe.dataset}, train split, {len(data):,} images" + origin(data),
            "schedule": f"{step:,} steps of batch {settings.batch_size} "
            f"({step * settings.batch_size / len(data):.1f} epochs)",
            "hyperparameters": f"{trainer_name}: "
            + ", ".join(f"{k}={v}" for k, v in sorted(hparams.items())),
            "hardware": hardware_by_part(run, hardware(device), step),
            "time": f"{seconds / 60:.1f} min of training",
            **_budget_line(settings, step),
        },
        progress=evaluations(settings.out),
        base_model=_base_model(run),
    )


def origin(data: ImageData) -> str:
    """Where `genzoo datasets get` obtained the data, when it did (its SOURCE.json)."""
    from genzoo.data.locate import SOURCE_FILE, read_source

    source = read_source(Path(data.source) / SOURCE_FILE)
    return f" (from {source}, via `genzoo datasets get`)" if source else ""


def _started_from(run: Mapping[str, Any]) -> dict[str, str]:
    """The card line of a run initialised from published weights: which, pinned how."""
    start = run.get("initialised_from")
    if not isinstance(start, dict):
        return {}
    pins = ", ".join(f"{role} sha256 {digest}" for role, digest in sorted(start["sha256"].items()))
    return {"initialised from": f"`{portable(str(start['source']))}` ({pins})"}


def _budget_line(settings: RunSettings, step: int) -> dict[str, str]:
    if not settings.max_time:
        return {}
    return {
        "budget": f"--max-time {settings.max_time:g} s (start-up and this card included): "
        f"{step:,} steps, the learning-rate schedule spanning them"
    }


def _base_model(run: Mapping[str, Any]) -> str:
    """The Hub repo a run was initialised from, when it was a Hub repo (the card's
    `base_model`); a local folder has none."""
    start = run.get("initialised_from")
    repo_id = start.get("repo_id") if isinstance(start, dict) else None
    return repo_id if isinstance(repo_id, str) and REPO_ID.match(repo_id) else ""


def hardware(device: torch.device) -> str:
    from genzoo.core.devices import cpu_name

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()
    threads = torch.get_num_threads()
    return f"{device.type}: {name}, torch {torch.__version__}, {threads} threads" + _processes()


def hardware_by_part(run: Mapping[str, Any], now: str, end: int) -> str:
    """Where the run trained: `now`, or, for a run resumed on other machines, each part's
    machine with its steps ("A (steps 0-4,000), then B (4,000-9,370)"). A run begun before
    run.json recorded its hardware is told by `now` alone, as it was then."""
    parts = [(0, run.get("hardware"))] + [
        (part.get("step"), part.get("hardware")) for part in run.get("resumed", [])
    ]
    if not all(isinstance(where, str) and isinstance(step, int) for step, where in parts):
        return now
    merged: list[tuple[int, str]] = []
    for step, where in parts:
        if not merged or merged[-1][1] != where:
            merged.append((step, where[:200]))
    if len(merged) == 1:
        return merged[0][1]
    ends = [step for step, _ in merged[1:]] + [end]
    return ", then ".join(
        f"{where} ({'steps ' if i == 0 else ''}{step:,}-{stop:,})"
        for i, ((step, where), stop) in enumerate(zip(merged, ends, strict=True))
    )


def command() -> str:
    """The command as typed, launcher included: under torchrun the process's own argv is
    `-m genzoo train ...`, so the launcher, its node and process counts are put back."""
    command = "genzoo " + shlex.join(sys.argv[1:]) if sys.argv else "genzoo train"
    world = launch()
    if world["launcher"] != "torchrun":
        return command
    return (
        f"torchrun --nnodes {world['nodes']} --nproc-per-node {world['processes_per_node']} "
        f"-m {command}"
    )


def _processes() -> str:
    world = launch()
    if world["world_size"] == 1:
        return ""
    return (
        f"; {world['world_size']} processes on {world['nodes']} node(s) "
        f"({world['launcher']}, data-parallel)"
    )


def launch() -> dict[str, Any]:
    """How this run was launched: alone, or by torchrun with how many processes on how many
    nodes (what run.json and the card record)."""
    size = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if "TORCHELASTIC_RUN_ID" not in os.environ and size == 1:
        return {"launcher": "python", "world_size": 1, "nodes": 1, "processes_per_node": 1}
    local = max(int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1), 1)
    nodes = int(os.environ.get("GROUP_WORLD_SIZE", "0") or 0) or max(size // local, 1)
    return {"launcher": "torchrun", "world_size": size, "nodes": nodes, "processes_per_node": local}
