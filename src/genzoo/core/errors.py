"""The errors a user can cause or meet, each a one-line message.

The CLI prints `str(error)` and exits with `error.exit_code`: 2 when the user's
input was wrong, 1 when something failed despite good input.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GenzooError(Exception):
    """Base class: a failure with a message fit for a user."""

    exit_code = 1


class BadInputError(GenzooError):
    """The user asked for something malformed or non-existent."""

    exit_code = 2


class UnknownNameError(BadInputError, KeyError):
    """A name no installed plugin registers; carries close matches."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind, self.name = kind, name
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        containing = [k for k in known if name and name in k and k not in close]
        self.suggestions = (close + containing)[:3]
        quoted = [repr(s) for s in self.suggestions]
        options = (
            ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)
        )
        hint = f"; did you mean {options}?" if quoted else ""
        super().__init__(f"unknown {kind} {name!r}{hint} (see `genzoo list`)")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PatternError(BadInputError):
    """A wildcard pattern that cannot be parsed."""


class RegistrationError(GenzooError):
    """A plugin registered something invalid or clashing."""


class ConformanceError(GenzooError):
    """A component breaks the tensor contract of its interface."""
