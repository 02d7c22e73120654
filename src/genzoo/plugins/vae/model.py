"""A convolutional VAE (Kingma & Welling 2014) for small images.

The encoder halves the image twice with strided convolutions (28 -> 14 -> 7)
and maps the flattened features to a Gaussian posterior; the decoder mirrors it
with transposed convolutions and returns Bernoulli logits per pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from genzoo.core.interfaces import BernoulliDecoder, Encoder, LatentDistribution


def _geometry(
    image_shape: Sequence[int], base_channels: int
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The image shape, and the shape of the feature map between the convolutions and the
    dense layers: (2 * base_channels, H / 4, W / 4). Encoder and decoder share both."""
    channels, height, width = (int(d) for d in image_shape)
    if height % 4 or width % 4:
        raise ValueError(f"the VAE halves images twice: {height}x{width} must divide by 4")
    return (channels, height, width), (2 * base_channels, height // 4, width // 4)


class ConvEncoder(Encoder):
    def __init__(
        self,
        latent_dim: int = 32,
        image_shape: Sequence[int] = (1, 28, 28),
        base_channels: int = 32,
        hidden_dim: int = 256,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape, bottleneck = _geometry(image_shape, base_channels)
        self.features = nn.Sequential(
            nn.Conv2d(self.image_shape[0], base_channels, 4, 2, 1),
            nn.SiLU(),
            nn.Conv2d(base_channels, bottleneck[0], 4, 2, 1),
            nn.SiLU(),
            nn.Flatten(),
            nn.Linear(math.prod(bottleneck), hidden_dim),
            nn.SiLU(),
        )
        self.posterior = nn.Linear(hidden_dim, 2 * latent_dim)

    def forward(self, images: Tensor) -> LatentDistribution:
        mean, log_var = self.posterior(self.features(images)).chunk(2, dim=1)
        return LatentDistribution(mean, log_var.clamp(-15, 15))  # exp() stays finite


class ConvDecoder(BernoulliDecoder):
    def __init__(
        self,
        latent_dim: int = 32,
        image_shape: Sequence[int] = (1, 28, 28),
        base_channels: int = 32,
        hidden_dim: int = 256,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape, bottleneck = _geometry(image_shape, base_channels)
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, math.prod(bottleneck)),
            nn.SiLU(),
            nn.Unflatten(1, bottleneck),
            nn.ConvTranspose2d(bottleneck[0], base_channels, 4, 2, 1),
            nn.SiLU(),
            nn.ConvTranspose2d(base_channels, self.image_shape[0], 4, 2, 1),
        )

    def logits(self, z: Tensor) -> Tensor:
        return self.net(z)
