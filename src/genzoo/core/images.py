"""Images out of tensors and back: [-1, 1] floats to uint8 pixels, grids (which a notebook
shows inline: `genzoo.grid(images)`), PNG and GIF files; and pictures (PIL images, e.g. a
photo you opened) into a model's input (`genzoo.to_input`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def to_input(pictures: Image.Image | Sequence[Image.Image], image_shape: Sequence[int]) -> Tensor:
    """PIL images -> (N, C, H, W) floats in [-1, 1], the input of a model whose
    `image_shape` is (C, H, W): converted to grey (C = 1) or RGB (C = 3), resized to H x W
    (bilinear; no crop: a picture of another aspect is squeezed, as the training data never
    was, so crop it yourself first). E.g. `clf(genzoo.to_input(img, clf.image_shape))`."""
    from PIL import Image

    channels, height, width = (int(d) for d in image_shape)
    if channels not in (1, 3):
        raise ValueError(f"pictures become 1 (grey) or 3 (RGB) channels, not {channels}")
    batch = [pictures] if isinstance(pictures, Image.Image) else list(pictures)
    mode = "L" if channels == 1 else "RGB"
    arrays = []
    for picture in batch:
        resized = picture.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
        pixels = torch.frombuffer(bytearray(resized.tobytes()), dtype=torch.uint8)
        arrays.append(pixels.view(height, width, channels).permute(2, 0, 1))
    return torch.stack(arrays).float() / 127.5 - 1


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
