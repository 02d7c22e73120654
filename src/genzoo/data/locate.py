"""Where datasets are looked for on disk. Imports no torch: `genzoo datasets` uses it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

DATA_ENV = "GENZOO_DATA"
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def search_path(name: str, data_dir: Path | None, system: Sequence[Path] = ()) -> list[Path]:
    """Where a dataset is looked for, in order: --data, $GENZOO_DATA(/name), system folders."""
    places = []
    if data_dir is not None:
        places.append(data_dir.expanduser())
    if env := os.environ.get(DATA_ENV):
        places += [Path(env).expanduser() / name, Path(env).expanduser()]
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
