"""Real images made worse in the ways generators fail: blur, noise, scrambled structure,
strokes too thick or thin, grain on the object, a dimmed object, a class gone.

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


def dilate(images: Tensor, size: int = 3) -> Tensor:
    """Strokes and edges thickened: each pixel the brightest of its `size` x `size`
    neighbourhood (a grey-scale dilation; the background is dark)."""
    return F.max_pool2d(images, size, stride=1, padding=size // 2)


def erode(images: Tensor, size: int = 3) -> Tensor:
    """Strokes thinned: each pixel the darkest of its neighbourhood (a grey-scale erosion)."""
    return -F.max_pool2d(-images, size, stride=1, padding=size // 2)


def grain(images: Tensor, sigma: float, seed: int = 0) -> Tensor:
    """Independent noise on every pixel of the object and none on the background: the
    speckle an autoregressive sampler leaves when each pixel's level is drawn on its own."""
    rng = torch.Generator().manual_seed(seed)
    inside = images > -0.9  # the dark background stays clean
    noisy = images + sigma * torch.randn(images.shape, generator=rng).to(images)
    return torch.where(inside, noisy.clamp(-1, 1), images)


def dim(images: Tensor, factor: float) -> Tensor:
    """The object's brightness scaled towards the dark background by `factor` (0.95: 5%
    darker), the background unchanged: what a flow integrated in too few Euler steps draws."""
    return -1 + (images + 1) * factor


def drop_class(images: Tensor, labels: Tensor, dropped: int, seed: int = 0) -> Tensor:
    """The same number of images with none of class `dropped`: its places taken by images
    of the other classes drawn at random (a generator that lost a mode)."""
    rng = torch.Generator().manual_seed(seed)
    others = torch.nonzero(labels != dropped).flatten()
    out = images.clone()
    gone = torch.nonzero(labels == dropped).flatten()
    fill = others[torch.randint(len(others), (len(gone),), generator=rng)]
    out[gone] = images[fill]
    return out


#: name -> degradation, in the order the sensitivity check reports them.
DEGRADATIONS = {
    "blur 0.5": lambda images: blur(images, 0.5),
    "blur 1.0": lambda images: blur(images, 1.0),
    "blur 1.5": lambda images: blur(images, 1.5),
    "noise 0.1": lambda images: noise(images, 0.1),
    "noise 0.2": lambda images: noise(images, 0.2),
    "swapped patches": swap_patches,
    "dilated 3x3": dilate,
    "eroded 3x3": erode,
    "grain 0.2": lambda images: grain(images, 0.2),
    "grain 0.4": lambda images: grain(images, 0.4),
    "dimmed 0.95": lambda images: dim(images, 0.95),
}
