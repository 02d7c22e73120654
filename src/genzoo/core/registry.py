"""The registry: every architecture, pretrained model and dataset the plugins offer.

Architectures and models share one namespace (so `genzoo info NAME` is never
ambiguous); datasets have their own. Lookups of unknown names raise
`UnknownNameError` with close matches; patterns are shell-style wildcards.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from genzoo.core.entries import Architecture, DatasetEntry, Entry, PretrainedModel
from genzoo.core.errors import PatternError, RegistrationError, UnknownNameError

E = TypeVar("E", Architecture, PretrainedModel, DatasetEntry)

_KIND = {Architecture: "architecture", PretrainedModel: "model", DatasetEntry: "dataset"}


def check_pattern(pattern: str) -> None:
    """Raise `PatternError` for an empty pattern or an unclosed '[' set."""
    if not pattern:
        raise PatternError("empty pattern: give a name or a wildcard such as '*gan*'")
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            # fnmatch reads ']' (or '!]') straight after '[' as a literal member of the set
            start = i + 1 + (pattern[i + 1 : i + 2] == "!")
            close = pattern.find("]", start + 1)
            if close < 0:
                raise PatternError(
                    f"malformed pattern {pattern!r}: '[' at position {i} is never closed"
                )
            i = close
        i += 1


def has_wildcard(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


class Registry:
    """Entries by name, with the plugin that registered each."""

    def __init__(self) -> None:
        self.architectures: dict[str, Architecture] = {}
        self.models: dict[str, PretrainedModel] = {}
        self.datasets: dict[str, DatasetEntry] = {}
        # (plugin, resolve): architectures made on demand for names nobody registered
        self.resolvers: list[tuple[str, Callable[[str], Architecture | None]]] = []
        # (plugin, names): the names of such architectures that match a wildcard pattern
        self.listers: list[tuple[str, Callable[[str], list[str]]]] = []
        # the architectures made on demand so far: remembered, but not registered, so that
        # what the registry lists does not depend on what was looked up before
        self.made: dict[str, Architecture] = {}

    def add(self, entry: Entry, plugin: str, distribution: tuple[str, str] = ("", "")) -> Entry:
        """Register `entry` on behalf of `plugin` (installed by `distribution`: its name and
        version); a taken name raises `RegistrationError`."""
        kind = _KIND.get(type(entry))
        if kind is None:
            raise RegistrationError(
                f"plugin {plugin!r} registered {type(entry).__name__} {entry!r}; expected an "
                "Architecture, PretrainedModel or DatasetEntry"
            )
        table, rivals = self._tables(entry)
        for other in rivals:
            if entry.name in other:
                holder = other[entry.name]
                raise RegistrationError(
                    f"{kind} {entry.name!r} from plugin {plugin!r} clashes with "
                    f"{_KIND[type(holder)]} {entry.name!r} from plugin {holder.plugin!r}; "
                    f"the one from {plugin!r} is ignored"
                )
        stamped = dataclasses.replace(entry, plugin=plugin)
        if isinstance(stamped, Architecture) and distribution[0]:
            name, version = distribution
            stamped = dataclasses.replace(stamped, distribution=name, distribution_version=version)
        table[entry.name] = stamped
        return stamped

    def _tables(self, entry: Entry) -> tuple[dict, list[dict]]:
        if isinstance(entry, DatasetEntry):
            return self.datasets, [self.datasets]
        own = self.architectures if isinstance(entry, Architecture) else self.models
        return own, [self.architectures, self.models]

    # -- lookups -----------------------------------------------------------------

    def architecture(self, name: str) -> Architecture:
        if name not in self.architectures and (made := self._resolve(name)):
            return made
        return _get(self.architectures, "architecture", name)

    def _resolve(self, name: str) -> Architecture | None:
        """Ask the resolving plugins for `name`; the first answer is returned (and kept in
        `made`, not among the registered architectures)."""
        if name in self.made:
            return self.made[name]
        for plugin, resolve in self.resolvers:
            entry = resolve(name)
            if entry is None:
                continue
            if not isinstance(entry, Architecture) or entry.name != name:
                raise RegistrationError(f"plugin {plugin!r} made {entry!r} for {name!r}")
            if name in self.models:
                raise RegistrationError(
                    f"architecture {name!r} from plugin {plugin!r} clashes with model {name!r}"
                )
            self.made[name] = dataclasses.replace(entry, plugin=plugin)
            return self.made[name]
        return None

    def model(self, name: str) -> PretrainedModel:
        return _get(self.models, "model", name)

    def config_of(self, model: PretrainedModel) -> Mapping[str, Any]:
        """A model's constructor config: its own, else its architecture's reference config."""
        return model.config or self.architecture(model.architecture).config

    def dataset(self, name: str) -> DatasetEntry:
        return _get(self.datasets, "dataset", name)

    def lookup(self, name: str) -> Architecture | PretrainedModel:
        """A model or an architecture by name (they share one namespace)."""
        found = self.models.get(name) or self.architectures.get(name) or self._resolve(name)
        if found is None:
            raise UnknownNameError(
                "model or architecture", name, [*self.models, *self.architectures]
            )
        return found

    def family_of(self, model: PretrainedModel) -> str:
        return self.architecture(model.architecture).family

    # -- searches ----------------------------------------------------------------

    def find_models(
        self,
        pattern: str | None = None,
        *,
        family: str | None = None,
        dataset: str | None = None,
        plugin: str | None = None,
    ) -> list[PretrainedModel]:
        """Models matching a wildcard `pattern` and the given filters, sorted by name."""
        found = _match(self.models, "model", pattern)
        if family is not None:
            _known("family", family, self.families())
            found = [m for m in found if self.family_of(m) == family]
        if dataset is not None:
            _known("dataset", dataset, {*self.datasets, *(m.dataset for m in self.models.values())})
            found = [m for m in found if m.dataset == dataset]
        return _by_plugin(found, plugin, self)

    def find_architectures(
        self, pattern: str | None = None, *, family: str | None = None, plugin: str | None = None
    ) -> list[Architecture]:
        """Architectures matching a wildcard `pattern` and the given filters, sorted by name;
        with a pattern, those that plugins make on demand too (e.g. `timm/conv*`)."""
        if pattern is not None and not has_wildcard(pattern):
            check_pattern(pattern)
            found = [self.architecture(pattern.lower())]
        else:
            table = dict(self.architectures)
            if pattern is not None:  # a pattern lists the names plugins make on demand too
                check_pattern(pattern)
                for _, names in self.listers:
                    for name in names(pattern.lower()):
                        if name not in table and (made := self._resolve(name)):
                            table[name] = made
            found = _match(table, "architecture", pattern)
        if family is not None:
            _known("family", family, self.families())
            found = [a for a in found if a.family == family]
        return _by_plugin(found, plugin, self)

    def families(self) -> set[str]:
        return {a.family for a in self.architectures.values()}

    def plugins(self) -> set[str]:
        """Names of the plugins that registered at least one entry."""
        tables: list[dict] = [self.architectures, self.models, self.datasets]
        return {e.plugin for table in tables for e in table.values()}


def _get(table: dict[str, E], kind: str, name: str) -> E:
    try:
        return table[name]
    except KeyError:
        raise UnknownNameError(kind, name, table) from None


def _match(table: dict[str, E], kind: str, pattern: str | None) -> list[E]:
    if pattern is None:
        return [table[k] for k in sorted(table)]
    check_pattern(pattern)
    if not has_wildcard(pattern):
        return [_get(table, kind, pattern.lower())]
    return [table[k] for k in sorted(table) if fnmatch.fnmatchcase(k, pattern.lower())]


def _known(what: str, value: str, known: Iterable[str]) -> None:
    known = set(known)
    if value not in known:
        raise UnknownNameError(what, value, known)


def _by_plugin(found: list[E], plugin: str | None, registry: Registry) -> list[E]:
    if plugin is None:
        return found
    _known("plugin", plugin, registry.plugins())
    return [e for e in found if e.plugin == plugin]
