"""`genzoo doctor`: what this environment is, in one screen, and what is wrong with it."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import typer
from rich.text import Text

from genzoo.cli.output import JsonFlag, console, errors, plugins_of, print_json, table
from genzoo.plugins.hookspecs import PLUGIN_API


def doctor_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Report the environment: versions, device, the HF cache and endpoint, the plugins.

    Lists every plugin that failed to load and every name clash; exits with 1 when
    there is one, so scripts can check. Paste its output into bug reports.

    Examples:

        genzoo doctor

        genzoo doctor --json
    """
    plugins = plugins_of(ctx)
    report = {
        **_versions(),
        **_device(),
        **_hub(),
        "plugin_api": PLUGIN_API,
        "plugins_loaded": sorted(info.name for info in plugins.infos if info.loaded),
        "plugin_problems": [
            f"{info.name}: {message}" for info in plugins.infos for message in info.errors
        ],
        "name_clashes": [
            f"{info.name}: {message}"
            for info in plugins.infos
            for message in info.errors
            if "clashes with" in message
        ],
        "plugin_load_seconds": ", ".join(
            f"{info.name} {info.seconds:.2f}" for info in plugins.infos if info.loaded
        ),
        "slow_plugins": [f"{info.name}: {info.seconds:.1f} s" for info in plugins.slow],
        "warnings": _oversubscribed(),
    }
    if as_json:
        print_json(report)
    else:
        grid = table("", "")
        for key, value in report.items():
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            grid.add_row(key.replace("_", " "), shown or "none")
        console.print(grid)
        for problem in report["plugin_problems"]:
            errors.print(Text("problem: ", style="red") + Text(problem), soft_wrap=True)
    if report["plugin_problems"]:
        raise typer.Exit(1)


def _versions() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    import torch

    from genzoo.core.version import __version__

    def installed_version(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    return {
        "genzoo": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "torch": torch.__version__,
        **{name: installed_version(name) for name in ("huggingface-hub", "safetensors", "timm")},
        "platform": platform.platform(),
    }


def _device() -> dict[str, Any]:
    import torch

    from genzoo.core.devices import pick_device

    device = pick_device("auto")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.machine()
    return {"device": f"{device.type} ({name})", "cpu_threads": torch.get_num_threads()}


def oversubscribed(threads: int, cores: int, load: float) -> str | None:
    """A warning when torch's threads would fight other work for the cores: two processes
    with two threads each on two shared cores were measured 5-10x slower than with one."""
    if threads > 1 and load + threads > cores * 1.25:
        return (
            f"the {cores} CPU cores are busy (load {load:.1f}) and torch would use {threads} "
            "threads: threads fighting over shared cores run several times slower; set "
            "OMP_NUM_THREADS=1 for each of several side-by-side runs"
        )
    return None


def _oversubscribed() -> list[str]:
    import torch

    if not hasattr(os, "getloadavg"):  # Windows
        return []
    warning = oversubscribed(torch.get_num_threads(), os.cpu_count() or 1, os.getloadavg()[0])
    return [warning] if warning else []


def _hub() -> dict[str, Any]:
    from huggingface_hub import constants, get_token

    from genzoo.zoo.cache import hub_cache

    cache = hub_cache()
    size = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) if cache.is_dir() else 0
    return {
        "hf_cache": f"{cache} ({size / 1e6:.1f} MB)",
        "hf_endpoint": constants.ENDPOINT,
        "hf_offline": bool(constants.HF_HUB_OFFLINE),
        "hf_token": "set" if get_token() else "not set",
        "genzoo_data": os.environ.get("GENZOO_DATA", "unset"),
        "genzoo_load_plugins": os.environ.get("GENZOO_LOAD_PLUGINS", "unset (all installed)"),
    }


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_command)
