"""Finding installed plugins: the `genzoo` entry points of the distributions on sys.path.

`importlib.metadata.entry_points` finds them too, but importing it pulls in the
email package (~40 ms) and it parses every distribution's metadata (~25 ms more):
together a quarter of a cached `genzoo pull`. Entry points live in one small file
per distribution, `<name>-<version>.dist-info/entry_points.txt` (`<name>.egg-info/`
for old-style installs), and that file is all this reads, plus the name and version
lines of the few distributions that declare a `genzoo` entry point. As with
importlib.metadata, the first distribution of a name on sys.path wins; within one
folder distributions come in name order (importlib.metadata's follows the file
system's), so which of two clashing plugins loads first never varies by machine.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

_METADATA_FILES = ("METADATA", "PKG-INFO")


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str


@dataclass(frozen=True)
class EntryPoint:
    """`name = module:attribute` in `group`, declared by `dist`."""

    name: str
    value: str
    group: str
    dist: Distribution | None = None

    def load(self) -> object:
        module, _, attribute = re.sub(r"\[.*\]\s*$", "", self.value).partition(":")
        found: object = importlib.import_module(module.strip())
        for part in filter(None, attribute.strip().split(".")):
            found = getattr(found, part)
        return found


def entry_points(group: str, paths: list[str] | None = None) -> list[EntryPoint]:
    """Every entry point of `group` on `paths` (default sys.path), in path order."""
    found, seen = [], set()
    header = f"[{group}]"
    for folder in _metadata_folders(sys.path if paths is None else paths):
        name = normalize(_stem(folder).partition("-")[0])
        if name in seen:
            continue
        seen.add(name)
        try:
            text = (folder / "entry_points.txt").read_text(encoding="utf-8")
        except OSError:
            continue
        if header in text:  # most distributions declare other groups or none
            dist = _distribution(folder)
            found += [EntryPoint(n, v, group, dist) for n, v in _section(text, group)]
    return found


def _metadata_folders(paths: list[str]) -> list[Path]:
    folders = []
    for entry in paths:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:  # missing folders, zip files
            continue
        folders += [Path(entry or ".", n) for n in names if n.endswith((".dist-info", ".egg-info"))]
    return folders


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The `name = value` lines of `[group]` in an entry_points.txt (INI) file."""
    pairs, inside = [], False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            inside = line == f"[{group}]"
        elif inside and "=" in line:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    return pairs


def _distribution(folder: Path) -> Distribution:
    """Name and version from the metadata headers, else from the folder's name."""
    fields: dict[str, str] = {}
    for file in _METADATA_FILES:
        try:
            with (folder / file).open(encoding="utf-8") as stream:
                for line in stream:
                    if not line.strip():  # the headers end at the first blank line
                        break
                    key, _, value = line.partition(":")
                    if key in ("Name", "Version"):
                        fields.setdefault(key, value.strip())
            break
        except OSError:
            continue
    name, _, version = _stem(folder).partition("-")
    return Distribution(fields.get("Name", name), fields.get("Version", version or "?"))


def _stem(folder: Path) -> str:
    """`name-version` of `name-version.dist-info`, `name` of `name.egg-info`."""
    return folder.name.removesuffix(".dist-info").removesuffix(".egg-info")


def normalize(name: str) -> str:
    """A distribution or plugin name as PEP 503 compares them ('Genzoo_LSGAN' == 'genzoo-lsgan')."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()
