"""Differentiable augmentation for the discriminator (DiffAugment; Zhao et al. 2020).

The discriminator sees real and generated images through the same random,
differentiable transforms, so it cannot memorise the training set, and the
generator's gradient flows back through them (what augmenting only the reals
cannot do: the generator would learn to make augmented-looking images).
Each transform draws from the trainer's `rng`, so a run stays reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from genzoo.core import BadInputError

Transform = Callable[[Tensor, torch.Generator], Tensor]


def translation(images: Tensor, rng: torch.Generator, ratio: float = 0.125) -> Tensor:
    """Shift each image by up to `ratio` of its size in x and y, filling with zeros (grey)."""
    n, _, height, width = images.shape
    limit_y, limit_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = torch.randint(-limit_y, limit_y + 1, (n, 1, 1), generator=rng, device=images.device)
    dx = torch.randint(-limit_x, limit_x + 1, (n, 1, 1), generator=rng, device=images.device)
    rows = torch.arange(height, device=images.device)[None, :, None] + dy  # (N, H, 1)
    cols = torch.arange(width, device=images.device)[None, None, :] + dx  # (N, 1, W)
    # Index into a zero-padded copy: pixels shifted in from outside the image are zeros.
    padded = F.pad(images, [limit_x, limit_x, limit_y, limit_y])
    rows = (rows + limit_y).clamp(0, height + 2 * limit_y - 1).expand(n, height, width)
    cols = (cols + limit_x).clamp(0, width + 2 * limit_x - 1).expand(n, height, width)
    batch = torch.arange(n, device=images.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)


def cutout(images: Tensor, rng: torch.Generator, ratio: float = 0.5) -> Tensor:
    """Zero (grey) one square of `ratio` of the image's size at a random place in each image."""
    n, _, height, width = images.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = torch.randint(0, height + 1 - size_y % 2, (n, 1, 1), generator=rng, device=images.device)
    left = torch.randint(0, width + 1 - size_x % 2, (n, 1, 1), generator=rng, device=images.device)
    rows = torch.arange(height, device=images.device)[None, :, None]
    cols = torch.arange(width, device=images.device)[None, None, :]
    inside = (
        (rows >= top - size_y // 2)
        & (rows < top + (size_y + 1) // 2)
        & (cols >= left - size_x // 2)
        & (cols < left + (size_x + 1) // 2)
    )
    return images * (~inside)[:, None].to(images.dtype)


TRANSFORMS: dict[str, Transform] = {"translation": translation, "cutout": cutout}


def policy(spec: str) -> list[Transform]:
    """The transforms named in `spec` ("translation,cutout"; "" for none), checked."""
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if unknown := [name for name in names if name not in TRANSFORMS]:
        raise BadInputError(
            f"augment: unknown transform {', '.join(unknown)}; "
            f"choose from {', '.join(TRANSFORMS)} (comma-separated)"
        )
    return [TRANSFORMS[name] for name in names]


def augment(images: Tensor, transforms: list[Transform], rng: torch.Generator) -> Tensor:
    for transform in transforms:
        images = transform(images, rng)
    return images
