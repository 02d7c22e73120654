"""Images out of tensors and back: [-1, 1] floats to uint8 pixels, grids (which a notebook
shows inline: `genzoo.grid(images)`), PNG and GIF files; and pictures (PIL images, e.g. a
photo you opened) into a model's input (`genzoo.to_input`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    #: What `to_input` takes: a file, a PIL picture, an (H, W[, C]) array or a tensor.
    Picture = str | os.PathLike[str] | Image.Image | np.ndarray | Tensor


def to_uint8(images: Tensor) -> Tensor:
    """(N, C, H, W) floats in [-1, 1] -> (N, H, W, C) uint8 in [0, 255], rounded."""
    pixels = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round()
    return pixels.to(torch.uint8).permute(0, 2, 3, 1)


def grid(
    images: Tensor | Sequence[Tensor],
    columns: int | None = None,
    padding: int = 2,
    *,
    nrow: int | None = None,
) -> Image.Image:
    """Tile images in [-1, 1] into one picture, `columns` wide (default: square-ish).

    Takes what torchvision's `make_grid` takes: an (N, C, H, W) batch, a list of (C, H, W)
    images, or one (C, H, W) image; `nrow` is make_grid's name for `columns`."""
    from PIL import Image

    if not isinstance(images, Tensor):
        images = torch.stack([torch.as_tensor(image) for image in images])
    if images.dim() == 3:
        images = images.unsqueeze(0)
    if images.dim() != 4:
        raise ValueError(f"grid takes (N, C, H, W) or (C, H, W) images, got {tuple(images.shape)}")
    n, channels, height, width = images.shape
    columns = min(columns or nrow or math.ceil(math.sqrt(n)), max(n, 1))  # never empty columns
    if n == 0:
        raise ValueError("no images to tile")
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


def to_input(pictures: Picture | Sequence[Picture], image_shape: Sequence[int]) -> Tensor:
    """Pictures -> (N, C, H, W) floats in [-1, 1], the input of a model whose `image_shape`
    is (C, H, W). A picture is a file path, a PIL image, a numpy array (H, W) or (H, W, C),
    uint8 or floats in [0, 1], or a tensor (C, H, W) or (N, C, H, W), uint8 or floats
    already in [-1, 1]; a list may mix them. Each becomes grey (C = 1) or RGB (C = 3) and
    is resized to H x W (bilinear; no crop: a picture of another aspect is squeezed, as the
    training data never was, so crop it yourself first).
    E.g. `clf(genzoo.to_input("digit.png", clf.image_shape))`."""
    channels, height, width = (int(d) for d in image_shape)
    if channels not in (1, 3):
        raise ValueError(f"pictures become 1 (grey) or 3 (RGB) channels, not {channels}")
    batch: list[Any] = (
        list(pictures)
        if isinstance(pictures, Sequence) and not isinstance(pictures, str)
        else [pictures]
    )
    if not batch:
        raise ValueError("no pictures to convert")
    parts = [_as_batch(picture, channels, height, width) for picture in batch]
    return torch.cat(parts)


def _as_batch(picture: Any, channels: int, height: int, width: int) -> Tensor:
    """One picture (or a batch tensor) as (N, channels, height, width) in [-1, 1]."""
    from PIL import Image

    if isinstance(picture, (str, os.PathLike)):
        with Image.open(picture) as opened:
            picture = opened.copy()
    if not isinstance(picture, (Image.Image, Tensor)):
        array = torch.as_tensor(picture)  # a numpy array: (H, W) or (H, W, C)
        if array.dim() not in (2, 3):
            raise ValueError(f"an array picture is (H, W) or (H, W, C), got {tuple(array.shape)}")
        if array.is_floating_point():
            array = (array.clamp(0, 1) * 255).round()
        picture = array.to(torch.uint8) if array.dim() == 2 else array.permute(2, 0, 1)
        picture = picture.to(torch.uint8)
    if isinstance(picture, Image.Image):
        mode = "L" if channels == 1 else "RGB"
        resized = picture.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
        pixels = torch.frombuffer(bytearray(resized.tobytes()), dtype=torch.uint8)
        return pixels.view(1, height, width, channels).permute(0, 3, 1, 2).float() / 127.5 - 1
    images = picture if picture.dim() == 4 else picture.unsqueeze(0)
    if images.dim() == 3:  # an (H, W) grey image, unsqueezed once
        images = images.unsqueeze(1)
    if images.dim() != 4:
        raise ValueError(
            f"a tensor picture is (C, H, W) or (N, C, H, W), got {tuple(images.shape)}"
        )
    images = images.float() / 127.5 - 1 if images.dtype == torch.uint8 else images.float()
    if images.shape[1] != channels:  # grey <-> RGB: the mean, or the grey repeated
        if images.shape[1] not in (1, 3):
            raise ValueError(f"a tensor picture has 1 or 3 channels, got {images.shape[1]}")
        images = images.mean(1, keepdim=True) if channels == 1 else images.expand(-1, 3, -1, -1)
    if images.shape[2:] != (height, width):
        images = F.interpolate(images, (height, width), mode="bilinear", align_corners=False)
    return images.clamp(-1, 1)


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
