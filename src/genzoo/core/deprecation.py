"""Deprecated names keep working for one minor release, and say so (docs/api.md).

A public name is never removed or renamed in one step: the old spelling stays as an
alias that warns with a DeprecationWarning naming its replacement and the release
that removes it; CHANGELOG.md lists it under Deprecated.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

#: The release that removes what this one deprecates (one minor release of warnings).
REMOVED_IN = "0.3.0"


def deprecated(old: str, new: str, since: str = "0.2.0", removed_in: str = REMOVED_IN) -> None:
    """Warn, from the caller's caller, that `old` is deprecated in favour of `new`."""
    warnings.warn(
        f"{old} is deprecated since genzoo {since} and will be removed in {removed_in}: use {new}",
        DeprecationWarning,
        stacklevel=3,
    )


def moved(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module's `__getattr__` for the names that moved out of it ({name: the module that
    holds it now}): each still imports from `module`, with a DeprecationWarning naming its
    new home; the new module is imported only when an old name is used."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        deprecated(f"{module}.{name}", f"{names[name]}.{name}")
        return getattr(importlib.import_module(names[name]), name)

    return __getattr__
