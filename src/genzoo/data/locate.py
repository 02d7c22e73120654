"""Where datasets are looked for on disk. Imports no torch: `genzoo datasets` uses it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

DATA_ENV = "GENZOO_DATA"
SOURCE_FILE = "SOURCE.json"  # where `genzoo datasets get` records what it downloaded
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def data_home() -> Path:
    """Where `genzoo datasets get` puts what it obtains: $GENZOO_DATA, by default
    `$XDG_DATA_HOME/genzoo` (`~/.local/share/genzoo`)."""
    if env := os.environ.get(DATA_ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "genzoo"


def search_path(name: str, data_dir: Path | None, system: Sequence[Path] = ()) -> list[Path]:
    """Where a dataset is looked for, in order: --data, the data home's <name> folder
    (where `genzoo datasets get` writes), $GENZOO_DATA itself, system folders."""
    places = []
    if data_dir is not None:
        places.append(data_dir.expanduser())
    places.append(data_home() / name)
    if env := os.environ.get(DATA_ENV):
        places.append(Path(env).expanduser())
    return places + list(system)


def find_idx(name: str, data_dir: Path | None, system: Sequence[Path] = ()) -> Path | None:
    """The first folder of the search path holding the four IDX files (plain or .gz)."""
    for folder in search_path(name, data_dir, system):
        if all(idx_file(folder, stem) for stems in IDX_FILES.values() for stem in stems):
            return folder
    return None


def idx_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_source(path: Path) -> str | None:
    """The source line recorded in a SOURCE.json (None when absent or unreadable).
    Bounded: the file is genzoo's own, but it sits in a folder anyone could edit."""
    try:
        if not path.is_file() or path.stat().st_size > 64 << 10:
            return None
        source = json.loads(path.read_text()).get("source")
    except (OSError, ValueError, AttributeError):
        return None
    return source if isinstance(source, str) else None
