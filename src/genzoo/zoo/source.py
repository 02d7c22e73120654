"""What the user typed, turned into a source: the one place that reads a model's name.

    locate("dcgan-fashion-mnist", registry)            registered model (pins from its entry)
    locate("hf-hub:org/name@rev", registry)            Hub repo (pins from its own config.json)
    locate("genzoo/dcgan-fashion-mnist", registry)     Hub repo id, as diffusers users type it
    locate("runs/dcgan-fmnist", registry)              repo folder
    locate_entry("dcgan", registry)                    an architecture too (`genzoo info`)

The precedence rule, tried in this order:
1. `hf-hub:org/name[@revision]` is always a Hub repo.
2. A registered model's name is that model. A folder of the same name does not
   shadow it: write `./name` for the folder.
3. An existing folder is that folder.
4. `org/name[@revision]` (not starting with `.`, `/` or `~`) is a Hub repo; when a
   registered model is published there at that revision, its pins apply, else the
   repo's own config.json declares them. So `runs/missing`, a folder that does not
   exist, reads as a Hub repo id: write `./runs/missing` to mean the folder.
   `timm/<arch>` without a `.tag` is one of genzoo's on-demand architectures, not a
   repo: one line says so (timm's weights are `timm/<arch>.<tag>`, in timm's format).
5. Other text that looks like a path (starting with `.`, `/` or `~`, or holding the
   system's path separator) is a folder that does not exist: one line saying so.
6. Anything else is an unknown model name (with suggestions).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from genzoo.core import BadInputError, GenzooError, Registry, UnknownNameError
from genzoo.core.entries import REPO_ID, Architecture, PretrainedModel

HF_PREFIX = "hf-hub:"
# namespaces of architectures made on demand (`timm/resnet18`): with no `.tag` such a name is
# an architecture, never a Hub repo id (timm's repos are `timm/<arch>.<tag>`)
ARCHITECTURE_NAMESPACES = ("timm", "timm-features")
REVISION = re.compile(r"^[\w][\w.\-/]{0,199}$", re.ASCII)  # a branch, tag or commit id

#: Which components to load: all (None), these roles, or a choice made from those the
#: repo has (e.g. `genzoo sample` takes the generator, else the decoder).
Roles = Sequence[str] | Callable[[Sequence[str]], Sequence[str]] | None


def choose_roles(available: Sequence[str], roles: Roles, where: str) -> list[str]:
    """The roles to load out of `available`; a role `where` lacks is bad input."""
    if roles is None:
        return list(available)
    chosen = list(roles(available) if callable(roles) else roles)
    if unknown := [role for role in chosen if role not in available]:
        raise BadInputError(
            f"{where} has no {', '.join(unknown)}; its components are {', '.join(available)}"
        )
    return chosen


@dataclass(frozen=True)
class RepoRef:
    """One model's repo on the Hub."""

    name: str  # as the user wrote it
    repo_id: str
    revision: str = "main"
    pins: Mapping[str, str] | None = None  # None: trust the repo's own config.json
    architecture: str | None = None  # the registered architecture the repo must declare
    model: str | None = None  # the registered model it holds, if any
    config_pin: str | None = None  # the sha256 its config.json must have, when pinned

    def needed(self, declared: Mapping[str, str], roles: Roles) -> dict[str, str]:
        """The sha256 of each weights file to fetch: the registry's pins, else the repo's
        own `declared` hashes; all roles, or those `roles` names or chooses."""
        pins = dict(self.pins) if self.pins is not None else dict(declared)
        return {role: pins[role] for role in choose_roles(list(pins), roles, self.name)}

    def check_architecture(self, declared: str, where: object) -> None:
        """A registered name's repo must declare the registered architecture."""
        if self.architecture is not None and declared != self.architecture:
            raise GenzooError(
                f"{where} declares architecture {declared!r}, but {self.name} is registered "
                f"as {self.architecture!r}; the repo is not the one the registry means"
            )


@dataclass(frozen=True)
class LocalRepo:
    """A repo folder on this machine (`genzoo train --out`, a `hub/` entry, a copy)."""

    name: str  # as the user wrote it
    folder: Path


Source = RepoRef | LocalRepo


def locate(text: str, registry: Registry) -> Source:
    """The source `text` names, by the precedence rule of this module's docstring."""
    if text.startswith(HF_PREFIX):
        return _hub_repo(text, text[len(HF_PREFIX) :], registry, explicit=True)
    if text in registry.models:
        return registered(text, registry)
    folder = Path(text).expanduser()
    if folder.is_dir():
        return LocalRepo(text, folder)
    pathlike = text.startswith((".", "/", "~")) or os.sep in text
    namespace, _, arch = text.partition("/")
    if namespace in ARCHITECTURE_NAMESPACES and arch and "." not in arch and "@" not in arch:
        raise BadInputError(
            f"{text} is an architecture (untrained): genzoo.build({text!r}) makes it; timm's "
            f"pretrained weights are Hub repos named {text}.<tag>, e.g. {text}.a1_in1k"
        )
    if "/" in text and not text.startswith((".", "/", "~")):
        return _hub_repo(text, text, registry, explicit=False)
    if pathlike:
        raise BadInputError(f"no such folder: {folder}")
    raise UnknownNameError("model", text, list(registry.models))


def locate_entry(text: str, registry: Registry) -> Architecture | PretrainedModel | Source:
    """What `text` names where an architecture is a name too (`genzoo info`): a registered
    model or architecture (one namespace, with suggestions for an unknown plain name), an
    architecture made on demand (`timm/convnext_atto`), else the source `locate` finds;
    a Hub repo a registered model is published at is that model's entry."""
    plain = not text.startswith(HF_PREFIX) and "/" not in text.strip("./") and ":" not in text
    if text in registry.models or text in registry.architectures or plain:
        return registry.lookup(text)
    if not text.startswith(HF_PREFIX) and not Path(text).expanduser().exists():
        try:
            return registry.architecture(text)  # made on demand by a plugin
        except GenzooError:
            pass  # not a plugin's name: a Hub repo id
    source = locate(text, registry)
    if isinstance(source, RepoRef) and source.model is not None:
        return registry.lookup(source.model)
    return source


def locate_repo(text: str, registry: Registry) -> RepoRef:
    """A source that must be a Hub repo (what pull and the cache work on), not a folder."""
    source = locate(text, registry)
    if isinstance(source, LocalRepo):
        raise BadInputError(f"{text} is a folder here; give a model name or a Hub repo id")
    return source


def registered(name: str, registry: Registry) -> RepoRef:
    """The repo of a registered model, pinned by its entry."""
    entry = registry.model(name)
    if not entry.published:
        data = f" (it reads {entry.dataset}; see `genzoo datasets`)" if entry.dataset else ""
        raise GenzooError(
            f"{name} has no published weights yet; `genzoo train {name}` makes them{data}"
        )
    return _pinned(name, entry.revision, entry)


def _pinned(name: str, revision: str, entry: PretrainedModel) -> RepoRef:
    """The repo of a registered model, every file pinned as its entry says."""
    return RepoRef(
        name,
        entry.repo_id,
        revision,
        dict(entry.sha256),
        entry.architecture,
        entry.name,
        entry.config_sha256 or None,
    )


def _hub_repo(text: str, spec: str, registry: Registry, explicit: bool) -> RepoRef:
    repo_id, _, revision = spec.partition("@")
    if not REPO_ID.match(repo_id) or "@" in revision:
        if explicit:
            raise BadInputError(f"{text!r} is not of the form hf-hub:org/name[@revision]")
        raise BadInputError(f"{text!r} is neither a folder here nor a Hub repo id org/name[@rev]")
    revision = revision or "main"
    if not REVISION.match(revision) or ".." in revision:  # it names a file under refs/
        raise BadInputError(f"{text!r}: revision {revision!r} is not a branch, tag or commit")
    for entry in registry.models.values():  # a registered model's repo keeps its pins
        if entry.repo_id == repo_id and entry.revision == revision and entry.published:
            return _pinned(text, revision, entry)
    return RepoRef(text, repo_id, revision)
