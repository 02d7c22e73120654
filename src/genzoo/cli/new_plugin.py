"""`genzoo new-plugin`: a complete, installable plugin package from templates shipped in genzoo."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template
from typing import Annotated

import typer

from genzoo.cli.output import console
from genzoo.core import BadInputError

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# template -> where it goes in the package ($module: the import name)
_FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "__init__.py.tmpl": "src/$module/__init__.py",
    "plugin.py.tmpl": "src/$module/plugin.py",
    "model.py.tmpl": "src/$module/model.py",
    "test_plugin.py.tmpl": "tests/test_$module.py",
}
# with --trainer: an objective written from scratch on genzoo's trainer contract
_TRAINER_FILES = {
    "trainer.py.tmpl": "src/$module/trainer.py",
    "test_trainer.py.tmpl": "tests/test_${module}_trainer.py",
}


def plugin_names(name: str) -> dict[str, str]:
    """'genzoo-mygan' or 'mygan' -> the distribution, plugin (architecture) and module names."""
    plugin = name.removeprefix("genzoo-")
    if not _NAME.match(plugin):
        raise BadInputError(
            f"invalid plugin name {name!r}: use lowercase letters, digits and single '-', "
            "starting with a letter, e.g. genzoo-mygan"
        )
    dist = f"genzoo-{plugin}"
    module = dist.replace("-", "_")
    title = "".join(part.capitalize() for part in plugin.split("-"))
    return {"dist": dist, "plugin": plugin, "module": module, "Plugin": title}


def write_plugin(name: str, parent: Path, trainer: bool = False) -> Path:
    """Write the package for `name` into parent/<dist>; refuses to touch an existing folder.
    With `trainer`, the package brings its own trainer instead of genzoo's adversarial one."""
    from genzoo.core.version import __version__

    names = {**plugin_names(name), "genzoo_version": __version__}
    names["trainer"] = (
        f"{names['module']}.trainer:{names['Plugin']}Trainer"
        if trainer
        else "genzoo.train.adversarial:AdversarialTrainer"
    )
    root = parent / names["dist"]
    if root.exists():
        raise BadInputError(f"{root} already exists: choose another name or --dir")
    templates = resources.files("genzoo") / "templates" / "plugin"
    files = {**_FILES, **(_TRAINER_FILES if trainer else {})}
    for template, target in files.items():
        path = root / Template(target).substitute(names)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(templates.joinpath(template).read_text()).substitute(names))
    return root


def new_plugin_command(
    name: Annotated[str, typer.Argument(help="The package's name, e.g. genzoo-mygan.")],
    parent: Annotated[
        Path, typer.Option("--dir", help="Where to create the package folder.")
    ] = Path("."),
    trainer: Annotated[
        bool,
        typer.Option(
            "--trainer", help="Also write a trainer from scratch (a new objective) and its tests."
        ),
    ] = False,
) -> None:
    """Create a plugin package: pyproject with the entry point, a model, a passing test.

    The package registers one architecture (an MLP GAN to replace with yours),
    and its test runs genzoo's conformance kit. With --trainer it also brings its
    own objective, written on genzoo's trainer contract, with tests that it steps
    and resumes exactly. Everything works offline.

    Examples:

        genzoo new-plugin genzoo-mygan && cd genzoo-mygan && pip install -e . && pytest

        genzoo new-plugin genzoo-myflow --trainer
    """
    if not parent.is_dir():
        raise BadInputError(f"--dir {parent} is not a folder")
    root = write_plugin(name, parent, trainer)
    names = plugin_names(name)
    console.print(f"wrote {root}: the {names['plugin']!r} architecture in {names['module']}")
    console.print(f"next: cd {root} && pip install -e . && pytest && genzoo info {names['plugin']}")


def register(app: typer.Typer) -> None:
    app.command("new-plugin")(new_plugin_command)
