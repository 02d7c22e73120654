"""What a model name points at: a Hub repo, a revision, and the hashes its files must have.

A name is either registered by a plugin (its entry pins every file) or written
`hf-hub:org/repo@revision` for a repo published by anyone in genzoo's format
(the repo's own config.json declares the hashes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from genzoo.core import BadInputError, GenzooError, Registry
from genzoo.core.entries import REPO_ID

HF_PREFIX = "hf-hub:"


@dataclass(frozen=True)
class RepoRef:
    """One model's repo on the Hub."""

    name: str  # as the user wrote it
    repo_id: str
    revision: str = "main"
    pins: Mapping[str, str] | None = None  # None: trust the repo's own config.json
    architecture: str | None = None  # the registered architecture the repo must declare

    def needed(self, declared: Mapping[str, str], roles: Sequence[str] | None) -> dict[str, str]:
        """The sha256 of each weights file to fetch: the registry's pins, else the repo's
        own `declared` hashes; all roles, or only `roles`."""
        pins = dict(self.pins) if self.pins is not None else dict(declared)
        if roles is None:
            return pins
        if unknown := [role for role in roles if role not in pins]:
            raise GenzooError(
                f"{self.name} has no {', '.join(unknown)}; its components are {', '.join(pins)}"
            )
        return {role: pins[role] for role in roles}

    def check_architecture(self, declared: str, where: object) -> None:
        """A registered name's repo must declare the registered architecture."""
        if self.architecture is not None and declared != self.architecture:
            raise GenzooError(
                f"{where} declares architecture {declared!r}, but {self.name} is registered "
                f"as {self.architecture!r}; the repo is not the one the registry means"
            )


def is_hub_name(name: str) -> bool:
    return name.startswith(HF_PREFIX)


def parse_hub_name(name: str) -> RepoRef:
    """`hf-hub:org/repo[@revision]` -> RepoRef without pins."""
    spec = name[len(HF_PREFIX) :]
    repo_id, _, revision = spec.partition("@")
    if not REPO_ID.match(repo_id) or "@" in revision:
        raise BadInputError(f"{name!r} is not of the form hf-hub:org/repo or hf-hub:org/repo@rev")
    return RepoRef(name, repo_id, revision or "main")


def resolve(name: str, registry: Registry) -> RepoRef:
    """The repo behind a registered name or an `hf-hub:` name."""
    if is_hub_name(name):
        return parse_hub_name(name)
    entry = registry.model(name)
    if not entry.published:
        data = f" (it reads {entry.dataset}; see `genzoo datasets`)" if entry.dataset else ""
        raise GenzooError(
            f"{name} has no published weights yet; `genzoo train {name}` makes them{data}"
        )
    return RepoRef(name, entry.repo_id, entry.revision, dict(entry.sha256), entry.architecture)
