"""A SimCLR encoder (Chen et al. 2020): a small residual CNN whose pooled features are
learnt without labels, by telling two crops of one image from crops of all others.

Its features are the zoo's second feature space: trained on the images alone, with no
class in sight, it keeps what a classifier may throw away (stroke width, texture, grain)
because nothing in its objective rewards forgetting them. Only crops, shifts and flips
are asked to leave the features unchanged: blur, noise and thickness are not among the
augmentations, so the space still moves on each of them (what an evaluator needs).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core.interfaces import Encoder


def _block(channels_in: int, channels_out: int, stride: int) -> nn.Module:
    return _Residual(channels_in, channels_out, stride)


class _Residual(nn.Module):
    """Two 3x3 convolutions with batch norm, and a 1x1 shortcut when the shape changes."""

    def __init__(self, channels_in: int, channels_out: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False),
            nn.BatchNorm2d(channels_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(channels_out),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or channels_in != channels_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels_in, channels_out, 1, stride, bias=False),
                nn.BatchNorm2d(channels_out),
            )

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.body(x) + self.shortcut(x))


class SimCLREncoder(Encoder):
    """(N, C, H, W) images in [-1, 1] -> (N, feature_dim) features; `project` maps features
    to the space the contrastive loss compares (used in training only, as in SimCLR)."""

    def __init__(
        self,
        image_shape: Sequence[int] = (1, 28, 28),
        width: int = 32,
        feature_dim: int = 256,
        projection_dim: int = 128,
    ) -> None:
        super().__init__()
        channels, height, width_px = (int(d) for d in image_shape)
        self.image_shape = (channels, height, width_px)
        self.latent_dim = feature_dim
        self.body = nn.Sequential(
            # (N, C, 28, 28) -> (N, width, 28, 28)
            nn.Conv2d(channels, width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            _block(width, width, 1),
            _block(width, 2 * width, 2),  # -> (N, 2 width, 14, 14)
            _block(2 * width, 4 * width, 2),  # -> (N, 4 width, 7, 7)
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),  # -> (N, 4 width)
            nn.Linear(4 * width, feature_dim),  # -> (N, feature_dim)
        )
        self.projection = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.Linear(feature_dim, feature_dim),
            nn.ReLU(inplace=True),
            nn.Linear(feature_dim, projection_dim),
        )

    def forward(self, images: Tensor) -> Tensor:
        return self.body(images)

    def project(self, features: Tensor) -> Tensor:
        return self.projection(features)
