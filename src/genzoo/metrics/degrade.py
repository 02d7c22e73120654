"""Real images made worse in the ways generators fail: blur, noise, scrambled structure.

An evaluator's feature space is fit for judging generators only if every one of these
moves real images away from real images (`bench/evaluator_sensitivity.py` measures it,
`tests/test_evaluator.py` keeps it true). Images are (N, C, H, W) in [-1, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def blur(images: Tensor, sigma: float) -> Tensor:
    """A Gaussian blur of standard deviation `sigma` pixels (reflected at the borders)."""
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    channels = images.shape[1]
    padded = F.pad(images, (radius,) * 4, mode="reflect")
    rows = F.conv2d(padded, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(rows, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def noise(images: Tensor, sigma: float, seed: int = 0) -> Tensor:
    """Additive Gaussian noise of standard deviation `sigma` (on the [-1, 1] scale), clipped."""
    rng = torch.Generator().manual_seed(seed)
    return (images + sigma * torch.randn(images.shape, generator=rng).to(images)).clamp(-1, 1)


def swap_patches(images: Tensor, patch: int = 7, seed: int = 0) -> Tensor:
    """Each image cut into `patch`-pixel squares, two of them swapped: the parts are real, the
    whole is not (what a GAN that gets texture but not structure draws)."""
    n, _, height, width = images.shape
    rows, cols = height // patch, width // patch
    rng = torch.Generator().manual_seed(seed)
    out = images.clone()
    for i in range(n):
        first, second = torch.randperm(rows * cols, generator=rng)[:2].tolist()
        (r1, c1), (r2, c2) = divmod(first, cols), divmod(second, cols)
        a = (slice(r1 * patch, (r1 + 1) * patch), slice(c1 * patch, (c1 + 1) * patch))
        b = (slice(r2 * patch, (r2 + 1) * patch), slice(c2 * patch, (c2 + 1) * patch))
        out[i, :, a[0], a[1]], out[i, :, b[0], b[1]] = (
            images[i, :, b[0], b[1]],
            images[i, :, a[0], a[1]],
        )
    return out


#: name -> degradation, in the order the sensitivity check reports them.
DEGRADATIONS = {
    "blur 0.5": lambda images: blur(images, 0.5),
    "blur 1.0": lambda images: blur(images, 1.0),
    "blur 1.5": lambda images: blur(images, 1.5),
    "noise 0.1": lambda images: noise(images, 0.1),
    "noise 0.2": lambda images: noise(images, 0.2),
    "swapped patches": swap_patches,
}
