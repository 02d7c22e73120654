"""Deprecated since 0.2.0 (removed in 0.3.0): the CLI's modules are named after their
commands now. The names this module held still work, with a DeprecationWarning."""

from __future__ import annotations

from genzoo.core.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "sample_command": "genzoo.cli.sample",
        "interpolate_command": "genzoo.cli.sample",
        "sampler_options": "genzoo.cli.options",
    },
)
