"""Deprecated names keep working for one minor release, and say so (docs/api.md).

A public name is never removed or renamed in one step: the old spelling stays as an
alias that warns with a DeprecationWarning naming its replacement and the release
that removes it; CHANGELOG.md lists it under Deprecated.
"""

from __future__ import annotations

import warnings

#: The release that removes what this one deprecates (one minor release of warnings).
REMOVED_IN = "0.3.0"


def deprecated(old: str, new: str, since: str = "0.2.0", removed_in: str = REMOVED_IN) -> None:
    """Warn, from the caller's caller, that `old` is deprecated in favour of `new`."""
    warnings.warn(
        f"{old} is deprecated since genzoo {since} and will be removed in {removed_in}: use {new}",
        DeprecationWarning,
        stacklevel=3,
    )
