"""Deprecated since 0.2.0 (removed in 0.3.0): the CLI's modules are named after their
commands now. The names this module held still work, with a DeprecationWarning."""

from __future__ import annotations

import importlib
from typing import Any

from genzoo.core.deprecation import deprecated

_MOVED = {
    "sample_command": "genzoo.cli.sample",
    "interpolate_command": "genzoo.cli.sample",
    "sampler_options": "genzoo.cli.options",
}


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    deprecated(f"{__name__}.{name}", f"{_MOVED[name]}.{name}")
    return getattr(importlib.import_module(_MOVED[name]), name)
