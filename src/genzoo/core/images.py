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
    for name, value in (("columns", columns), ("nrow", nrow)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
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


def to_input(
    pictures: Picture | Sequence[Picture],
    image_shape: Sequence[int],
    value_range: tuple[float, float] | None = None,
) -> Tensor:
    """Pictures -> (N, C, H, W) floats in [-1, 1], the input of a model whose `image_shape`
    is (C, H, W). A picture is a file path, a PIL image, a numpy array or a tensor; a list
    may mix them. Each becomes grey (C = 1) or RGB (C = 3) and is resized to H x W
    (bilinear; no crop: a picture of another aspect is squeezed, as the training data never
    was, so crop it yourself first). E.g. `clf(genzoo.to_input("digit.png", clf.image_shape))`.

    Arrays and tensors are read alike. Layouts: (H, W); one image (H, W, C) as an array,
    (C, H, W) as a tensor, with C of 1, 3 or 4; else three dimensions are (N, H, W), a
    batch of grey images; (N, C, H, W) or (N, H, W, C). uint8 values are 0..255. Float
    values are read by `value_range`, by default from the values themselves: any below 0
    means [-1, 1] (genzoo's own, a model's output), all in [0, 1] means [0, 1]
    (torchvision's `ToTensor`, PIL as floats); values outside [-1, 1] are refused, since
    no range could be guessed right.
    Give `value_range=(-1, 1)` for a [-1, 1] picture that happens to have no dark pixel,
    or `(0, 255)` for float pixels in bytes' scale.
    """
    channels, height, width = (int(d) for d in image_shape)
    if channels not in (1, 3):
        raise ValueError(f"pictures become 1 (grey) or 3 (RGB) channels, not {channels}")
    if value_range is not None:
        low, high = (float(v) for v in value_range)
        if not high > low:
            raise ValueError(f"value_range {value_range}: give (low, high) with high > low")
    batch: list[Any] = (
        list(pictures)
        if isinstance(pictures, Sequence) and not isinstance(pictures, str)
        else [pictures]
    )
    if not batch:
        raise ValueError("no pictures to convert")
    parts = [_as_batch(picture, channels, height, width, value_range) for picture in batch]
    return torch.cat(parts)


def _as_batch(
    picture: Any,
    channels: int,
    height: int,
    width: int,
    value_range: tuple[float, float] | None,
) -> Tensor:
    """One picture (or a batch) as (N, channels, height, width) in [-1, 1]."""
    from PIL import Image

    if isinstance(picture, (str, os.PathLike)):
        with Image.open(picture) as opened:
            picture = opened.copy()
    if isinstance(picture, Image.Image):
        mode = "L" if channels == 1 else "RGB"
        resized = picture.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
        pixels = torch.frombuffer(bytearray(resized.tobytes()), dtype=torch.uint8)
        return pixels.view(1, height, width, channels).permute(0, 3, 1, 2).float() / 127.5 - 1
    is_tensor = isinstance(picture, Tensor)
    array = picture.detach() if is_tensor else torch.as_tensor(picture)
    images = _nchw(array, channels_last=not is_tensor)
    images = _scaled(images, value_range)
    if images.shape[1] != channels:  # grey <-> RGB: the mean, or the grey repeated
        images = images.mean(1, keepdim=True) if channels == 1 else images.expand(-1, 3, -1, -1)
    if images.shape[2:] != (height, width):
        images = F.interpolate(images, (height, width), mode="bilinear", align_corners=False)
    return images.clamp(-1, 1)


_CHANNELS = (1, 3, 4)  # grey, RGB, RGBA (its alpha dropped)


def _nchw(array: Tensor, channels_last: bool) -> Tensor:
    """An array in a layout `to_input` documents -> (N, C, H, W), C of 1 or 3. Three
    dimensions are (H, W, C) for an array (`channels_last`: numpy's and PIL's way) and
    (C, H, W) for a tensor (torch's), when their channels are 1, 3 or 4; else (N, H, W)."""
    shape = tuple(array.shape)
    if array.dim() == 2:
        images = array[None, None]
    elif array.dim() == 3 and channels_last and shape[2] in _CHANNELS:
        images = array.permute(2, 0, 1)[None]  # (H, W, C)
    elif array.dim() == 3 and not channels_last and shape[0] in _CHANNELS:
        images = array[None]  # (C, H, W)
    elif array.dim() == 3:
        images = array[:, None]  # (N, H, W): a batch of grey images
    elif array.dim() == 4:
        first, last = (3, 1) if channels_last else (1, 3)
        if shape[first] in _CHANNELS:
            images = array if first == 1 else array.permute(0, 3, 1, 2)
        elif shape[last] in _CHANNELS:
            images = array if last == 1 else array.permute(0, 3, 1, 2)
        else:
            raise ValueError(
                f"a batch is (N, C, H, W) or (N, H, W, C) with C of 1, 3 or 4, got {shape}"
            )
    else:
        raise ValueError(
            f"a picture is (H, W), (C, H, W), (H, W, C) or a batch of them, got {shape}"
        )
    if images.shape[1] == 4:
        images = images[:, :3]  # RGBA: the alpha dropped
    if images.numel() == 0:
        raise ValueError(f"an empty picture, of shape {shape}")
    return images


def _scaled(images: Tensor, value_range: tuple[float, float] | None) -> Tensor:
    """Pixels -> floats in [-1, 1], read by `value_range` (see `to_input`)."""
    if images.dtype == torch.bool or images.is_complex():
        raise ValueError(f"pictures hold numbers, not {images.dtype}")
    if value_range is None and not images.is_floating_point():
        if images.dtype != torch.uint8:
            raise ValueError(
                f"integer pixels of {images.dtype} have no standard range: convert them to "
                "uint8 (0..255) or pass value_range"
            )
        value_range = (0.0, 255.0)
    images = images.float()
    if not torch.isfinite(images).all():
        raise ValueError("a picture holds NaN or infinite values")
    if value_range is None:
        low, high = float(images.min()), float(images.max())
        if low < -1 - 1e-3 or high > 1 + 1e-3:
            raise ValueError(
                f"float pixels in [{low:.3g}, {high:.3g}] are neither [0, 1] nor [-1, 1]: pass "
                "value_range, e.g. (0, 255)"
            )
        value_range = (-1.0, 1.0) if low < 0 else (0.0, 1.0)
    low, high = (float(v) for v in value_range)
    return (images - low) / (high - low) * 2 - 1


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
