"""The hooks a genzoo plugin may implement.

A plugin is a module (or object) whose functions are marked with `genzoo.hookimpl`
and named after these specs. It is found through the entry-point group `genzoo`:

    [project.entry-points.genzoo]
    mygan = "genzoo_mygan.plugin"

and says which version of this contract it targets: `GENZOO_PLUGIN_API = 1`.

Registration hooks receive a `register` callback and should only describe
things: name model classes lazily ("pkg.module:Class") so that `genzoo list`
never imports torch or model code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

from genzoo.core.entries import Architecture, DatasetEntry, PretrainedModel

__all__ = [
    "API_ATTRIBUTE",
    "PLUGIN_API",
    "PROJECT",
    "hookimpl",
    "hookspec",
    "list_on_demand",
    "register_architectures",
    "register_commands",
    "register_datasets",
    "register_models",
    "resolve_architecture",
]

if TYPE_CHECKING:
    import typer

PROJECT = "genzoo"

#: The version of this contract (the hooks, the entries, the interfaces). A plugin says
#: which one it targets with a module attribute `GENZOO_PLUGIN_API = 1`; one that
#: targets another version is reported and not loaded. It changes only on a break.
PLUGIN_API = 1
API_ATTRIBUTE = "GENZOO_PLUGIN_API"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_architectures(register: Callable[[Architecture], None]) -> None:
    """Call `register(Architecture(...))` once per architecture the plugin provides."""


@hookspec
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    """Call `register(PretrainedModel(...))` once per pretrained model the plugin provides.

    A model may name an architecture registered by another plugin.
    """


@hookspec(firstresult=True)
def resolve_architecture(name: str) -> Architecture | None:
    """The architecture `name` made on demand, or None when the name is not this plugin's.

    Asked only for names nobody registered, when they are used (e.g. `timm/resnet50`
    from a family too large to list); may import heavy code, but only for its own names.
    """


@hookspec
def list_on_demand(pattern: str) -> list[str]:  # type: ignore[empty-body]
    """The names this plugin's `resolve_architecture` would make that match the wildcard
    `pattern` (e.g. `timm/conv*`), so that `genzoo list -a PATTERN` shows them; [] when
    the pattern is not this plugin's. Asked only for a pattern, never for the full list.
    """


@hookspec
def register_datasets(register: Callable[[DatasetEntry], None]) -> None:
    """Call `register(DatasetEntry(...))` once per dataset the plugin can read."""


@hookspec
def register_commands(app: typer.Typer) -> None:
    """Add commands to the `genzoo` CLI with `@app.command()`; a name already taken is refused."""
