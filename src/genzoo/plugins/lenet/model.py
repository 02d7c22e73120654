"""A LeNet-style classifier (LeCun et al. 1998), widened and batch-normalised for Fashion-MNIST.

Two 5x5 convolution + pooling stages, then two fully connected layers; the
second one's 128 activations are the `features` that genzoo's metrics compare
(Fréchet distance, precision/recall), standing in for Inception features that
cannot be downloaded here.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genzoo.core.interfaces import Classifier

DIGITS = tuple("0123456789")


class LeNet5(Classifier):
    def __init__(
        self,
        class_names: Sequence[str] = DIGITS,
        image_shape: Sequence[int] = (1, 28, 28),
        width: int = 32,
        feature_dim: int = 128,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.class_names = tuple(class_names)
        channels, height, width_px = (int(d) for d in image_shape)
        self.image_shape = (channels, height, width_px)
        self.body = nn.Sequential(
            # (N, C, H, W) -> (N, width, H/2, W/2)
            nn.Conv2d(channels, width, 5, padding=2, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            # -> (N, 2 width, (H/2 - 4)/2, (W/2 - 4)/2): 5x5 for 28x28 inputs
            nn.Conv2d(width, 2 * width, 5, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        flat = self.body(torch.zeros(1, *self.image_shape)).shape[1]
        self.neck = nn.Sequential(
            nn.Linear(flat, 2 * feature_dim),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(2 * feature_dim, feature_dim),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, len(class_names)))

    def features(self, images: Tensor) -> Tensor:
        return self.neck(self.body(images))

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.features(images))

    def logits_from_features(self, features: Tensor) -> Tensor:
        return self.head(features)
