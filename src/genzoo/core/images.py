"""Images out of tensors: [-1, 1] floats to uint8 pixels, grids, PNG files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from PIL import Image


def to_uint8(images: Tensor) -> Tensor:
    """(N, C, H, W) floats in [-1, 1] -> (N, H, W, C) uint8 in [0, 255], rounded."""
    pixels = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round()
    return pixels.to(torch.uint8).permute(0, 2, 3, 1)


def grid(images: Tensor, columns: int | None = None, padding: int = 2) -> Image.Image:
    """Tile (N, C, H, W) images into one picture, `columns` wide (default: square-ish)."""
    from PIL import Image

    n, channels, height, width = images.shape
    if n == 0:
        raise ValueError("no images to tile")
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    canvas = torch.zeros(
        rows * (height + padding) + padding,
        columns * (width + padding) + padding,
        channels,
        dtype=torch.uint8,
    )
    for i, image in enumerate(to_uint8(images)):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        canvas[top : top + height, left : left + width] = image
    array = canvas.squeeze(2).numpy() if channels == 1 else canvas.numpy()
    return Image.fromarray(array)


def save_grid(images: Tensor, path: Path, columns: int | None = None) -> None:
    grid(images, columns).save(path, format="PNG")


def save_gif(frames: Tensor, path: Path, columns: int | None = None, fps: int = 12) -> None:
    """(T, N, C, H, W) frames -> a looping GIF whose every frame is a grid of the N images."""
    pictures = [grid(frame, columns) for frame in frames]
    pictures[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=round(1000 / fps),
        loop=0,
    )
