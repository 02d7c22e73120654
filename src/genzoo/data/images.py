"""Datasets as tensors: IDX datasets ((Fashion-)MNIST) and folders of images, found on disk.

A dataset is small enough here to live in memory as uint8 (60,000 28x28 images
are 47 MB), so training indexes one tensor on the device instead of running a
DataLoader: no worker processes, no per-image Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from genzoo.core import BadInputError, GenzooError
from genzoo.data.idx import read_idx
from genzoo.data.locate import IDX_FILES, find_idx, idx_file, search_path

SPLITS = ("train", "test")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


@dataclass(frozen=True)
class ImageData:
    """Images (N, C, H, W) uint8, labels (N,) int64, and where they came from."""

    images: Tensor
    labels: Tensor
    class_names: tuple[str, ...]
    source: Path

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        channels, height, width = self.images.shape[1:]
        return int(channels), int(height), int(width)


def to_float(images: Tensor) -> Tensor:
    """uint8 pixels -> float images in [-1, 1], the tensor contract's range."""
    return images.float().div_(127.5).sub_(1.0)


def load_idx_dataset(
    name: str,
    data_dir: Path | None,
    split: str,
    class_names: tuple[str, ...],
    system: Sequence[Path] = (),
    how_to_get: str = "",
) -> ImageData:
    """Read the images and labels of `split` from the first folder that has them."""
    if split not in SPLITS:
        raise BadInputError(f"unknown split {split!r}: use {' or '.join(SPLITS)}")
    folder = find_idx(name, data_dir, system)
    if folder is None:
        looked = ", ".join(str(p) for p in search_path(name, data_dir, system)) or "nowhere"
        raise GenzooError(
            f"{name} not found: looked for its four IDX files in {looked}. {how_to_get}".strip()
        )
    image_stem, label_stem = IDX_FILES[split]
    images_path, labels_path = idx_file(folder, image_stem), idx_file(folder, label_stem)
    assert images_path is not None and labels_path is not None  # find_idx checked
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise GenzooError(
            f"{folder}: {images_path.name} {images.shape} and {labels_path.name} {labels.shape} "
            "are not N images with N labels"
        )
    if labels.size and labels.max() >= len(class_names):
        raise GenzooError(
            f"{labels_path} has label {labels.max()}, but {name} has {len(class_names)} classes"
        )
    return ImageData(
        torch.from_numpy(images.copy()).unsqueeze(1),
        torch.from_numpy(labels.astype(np.int64)),
        class_names,
        folder,
    )


def load_image_folder(data_dir: Path | None, split: str) -> ImageData:
    """`data_dir/<split>/<class>/*.png` (or `data_dir/<class>/*.png` for every split):
    one subfolder per class, all images the same size; RGB unless all are grayscale."""
    from PIL import Image

    if data_dir is None:
        raise BadInputError("the image-folder dataset needs --data DIR (one subfolder per class)")
    root = data_dir.expanduser() / split if (data_dir.expanduser() / split).is_dir() else data_dir
    classes = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    files = [
        (path, index)
        for index, name in enumerate(classes)
        for path in sorted((root / name).iterdir())
        if path.suffix.lower() in _IMAGE_SUFFIXES
    ]
    if not files:
        raise GenzooError(f"{root} holds no images in class subfolders (<class>/*.png)")
    pictures = [Image.open(path) for path, _ in files]
    mode = "L" if all(p.mode in ("L", "1") for p in pictures) else "RGB"
    arrays = [np.asarray(p.convert(mode)) for p in pictures]
    if len({a.shape for a in arrays}) != 1:
        raise GenzooError(f"{root}: images differ in size; resize them to one size first")
    stacked = np.stack(arrays)
    images = torch.from_numpy(stacked[:, None] if mode == "L" else stacked.transpose(0, 3, 1, 2))
    labels = torch.tensor([index for _, index in files], dtype=torch.long)
    return ImageData(images.contiguous(), labels, tuple(classes), root)
