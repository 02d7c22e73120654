"""`genzoo plugins`: which plugins loaded, what they registered, and which failed and why;
`genzoo plugins install` / `uninstall` add and remove them with pip, in genzoo's own
environment (as `llm install` does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Annotated, Any

import typer
from rich.text import Text

from genzoo.cli.output import JsonFlag, console, errors, plugins_of, print_json, table
from genzoo.core import BadInputError, GenzooError
from genzoo.plugins.discovery import normalize


def plugins_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the loaded plugins, what each registered, and every plugin that failed to load.

    GENZOO_LOAD_PLUGINS=name,name limits which third-party plugins load (empty:
    built-ins only); GENZOO_DEBUG=1 adds the tracebacks of failures.
    `genzoo plugins install NAME` adds one (docs: the plugin directory).

    Examples:

        genzoo plugins

        GENZOO_LOAD_PLUGINS= genzoo plugins --json

        genzoo plugins install ./examples/genzoo-lsgan
    """
    if ctx.invoked_subcommand is not None:
        return
    plugins = plugins_of(ctx)
    if as_json:
        print_json([info.as_json() for info in plugins.infos])
        return
    grid = table(
        "plugin", "distribution", "version", "api", "hooks", "registered", "load s", "status"
    )
    for info in plugins.infos:
        registered = "; ".join(
            f"{kind}: {', '.join(names)}" for kind, names in info.registered.items() if names
        )
        status = (
            Text("failed", style="red")
            if not info.loaded
            else Text(f"{len(info.errors)} error(s)", style="yellow")
            if info.errors
            else Text("ok", style="green")
        )
        grid.add_row(
            Text(info.name),
            Text(info.distribution),
            Text(info.version),
            Text("built-in" if info.builtin else str(info.api or "undeclared")),
            Text(", ".join(h.removeprefix("register_") for h in info.hooks) or "-"),
            Text(registered or "-"),
            Text(f"{info.seconds:.2f}", style="yellow" if info in plugins.slow else ""),
            status,
        )
    console.print(grid)
    for info in plugins.failures:
        for message, trace in zip(info.errors, info.tracebacks, strict=True):
            errors.print(Text(f"{info.name}: {message}", style="red"), soft_wrap=True)
            if os.environ.get("GENZOO_DEBUG") == "1":
                errors.print(Text(trace), soft_wrap=True)


def install_command(
    packages: Annotated[
        list[str],
        typer.Argument(help="What pip installs: name, name==1.0, a folder, a wheel."),
    ],
    editable: Annotated[
        bool, typer.Option("--editable", "-e", help="A folder, installed in place (pip -e).")
    ] = False,
    upgrade: Annotated[bool, typer.Option("--upgrade", "-U", help="To the newest.")] = False,
) -> None:
    """Install plugins with pip into genzoo's own environment, then say what each registered.

    pip runs with the interpreter genzoo runs on, so the plugin lands where genzoo finds it,
    whichever environment `genzoo` was installed in. Installing a plugin runs its code, as
    any pip install does. A plugin that installs but fails to load is reported with why,
    and the command fails.

    Examples:

        genzoo plugins install ./examples/genzoo-lsgan

        genzoo plugins install -e ./examples/genzoo-realnvp

        genzoo plugins install genzoo-NAME --upgrade
    """
    before = {info["distribution"] for info in _loaded()}
    if editable:
        packages = [arg for package in packages for arg in ("-e", package)]
    said = _pip("install", *(["--upgrade"] if upgrade else []), *packages)
    installed = {normalize(name) for name in _installed(said)}
    new = [
        info
        for info in _loaded()
        if not info["builtin"]
        and (info["distribution"] not in before or normalize(info["distribution"]) in installed)
    ]
    if not new:
        console.print(
            "pip installed no new genzoo plugin: it was installed already (--upgrade for a "
            "newer one), or the package has no `genzoo` entry point; `genzoo plugins` lists "
            "what loads"
        )
        return
    failed = []
    for info in new:
        registered = "; ".join(
            f"{kind}: {', '.join(names)}" for kind, names in info["registered"].items() if names
        )
        console.print(f"{info['distribution']} {info['version']}: plugin {info['name']!r} "
                      f"registered {registered or 'nothing'}")  # fmt: skip
        failed += [f"{info['name']}: {error}" for error in info["errors"]]
    if failed:
        raise GenzooError(f"installed, but it failed to load: {failed[0]}")


def _installed(said: str) -> list[str]:
    """The distributions pip's 'Successfully installed a-1.0 b-2.0' names (a reinstalled
    plugin is among them, though it was there before)."""
    for line in said.splitlines():
        if line.startswith("Successfully installed "):
            return [word.rsplit("-", 1)[0] for word in line.split()[2:]]
    return []


def uninstall_command(
    packages: Annotated[list[str], typer.Argument(help="Installed plugins' distribution names.")],
) -> None:
    """Uninstall plugins with pip from genzoo's own environment.

    Only a distribution that provides a genzoo plugin is removed: `genzoo plugins` names
    them (the distribution column).

    Examples:

        genzoo plugins uninstall genzoo-lsgan
    """
    plugins = {normalize(info["distribution"]): info for info in _loaded() if not info["builtin"]}
    for package in packages:
        if normalize(package) not in plugins:
            known = ", ".join(sorted(plugins)) or "none"
            raise BadInputError(
                f"{package!r} is not an installed genzoo plugin (installed: {known})"
            )
    _pip("uninstall", "--yes", *packages)
    console.print(f"uninstalled {', '.join(packages)}")


def _pip(*args: str) -> str:
    """pip in this interpreter's environment: what it said (shown on stderr), or its
    refusal as one line."""
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check"]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as err:
        raise GenzooError(f"could not run pip: {err}") from None
    sys.stderr.write(done.stdout)
    if done.returncode == 0:
        sys.stderr.write(done.stderr)
        return done.stdout
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    if any("No module named pip" in line for line in lines):
        raise GenzooError(f"genzoo's environment ({sys.prefix}) has no pip: python -m ensurepip")
    reason = next((line for line in reversed(lines) if line.startswith("ERROR:")), None)
    reason = reason or (lines[-1] if lines else f"exit status {done.returncode}")
    raise GenzooError(f"pip {args[0]} refused: {reason.removeprefix('ERROR: ')}")


def _loaded() -> list[dict[str, Any]]:
    """`genzoo plugins --json` from a fresh process: entry points installed since this one
    started are found, and a plugin that kills its interpreter cannot kill this one."""
    command = [sys.executable, "-m", "genzoo", "plugins", "--json"]
    environment = {**os.environ}
    environment.pop("GENZOO_LOAD_PLUGINS", None)  # what is installed, not what is allowed
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    try:
        infos = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise GenzooError(f"listing the plugins failed: {last}") from None
    return infos if isinstance(infos, list) else []


def register(app: typer.Typer) -> None:
    group = typer.Typer(name="plugins", invoke_without_command=True)  # help: the callback's
    group.callback()(plugins_command)
    group.command("install")(install_command)
    group.command("uninstall")(uninstall_command)
    app.add_typer(group)
