"""genzoo.plugins: the hook specifications, the plugin loader and the built-in plugins."""

from genzoo.plugins.hookspecs import hookimpl, hookspec
from genzoo.plugins.manager import (
    BUILTIN_PLUGINS,
    ENTRY_POINT_GROUP,
    LOAD_ENV,
    PluginInfo,
    Plugins,
    installed,
    load_plugins,
)

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "LOAD_ENV",
    "PluginInfo",
    "Plugins",
    "hookimpl",
    "hookspec",
    "installed",
    "load_plugins",
]
