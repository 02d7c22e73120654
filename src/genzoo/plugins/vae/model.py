"""A convolutional VAE (Kingma & Welling 2014) for small images.

The encoder halves the image twice with strided convolutions (28 -> 14 -> 7)
and maps the flattened features to a Gaussian posterior; the decoder mirrors it
with transposed convolutions and returns Bernoulli logits per pixel.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from genzoo.core.interfaces import BernoulliDecoder, Encoder, LatentDistribution


def _shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    channels, height, width = (int(d) for d in image_shape)
    if height % 4 or width % 4:
        raise ValueError(f"the VAE halves images twice: {height}x{width} must divide by 4")
    return channels, height, width


class ConvEncoder(Encoder):
    def __init__(
        self,
        latent_dim: int = 32,
        image_shape: Sequence[int] = (1, 28, 28),
        base_channels: int = 32,
        hidden_dim: int = 256,
    ) -> None:
        super().__init__()
        self.latent_dim, self.image_shape = latent_dim, _shape(image_shape)
        channels, height, width = self.image_shape
        wide = 2 * base_channels
        self.features = nn.Sequential(
            nn.Conv2d(channels, base_channels, 4, 2, 1),
            nn.SiLU(),
            nn.Conv2d(base_channels, wide, 4, 2, 1),
            nn.SiLU(),
            nn.Flatten(),
            nn.Linear(wide * (height // 4) * (width // 4), hidden_dim),
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
        self.latent_dim, self.image_shape = latent_dim, _shape(image_shape)
        channels, height, width = self.image_shape
        wide = 2 * base_channels
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, wide * (height // 4) * (width // 4)),
            nn.SiLU(),
            nn.Unflatten(1, (wide, height // 4, width // 4)),
            nn.ConvTranspose2d(wide, base_channels, 4, 2, 1),
            nn.SiLU(),
            nn.ConvTranspose2d(base_channels, channels, 4, 2, 1),
        )

    def logits(self, z: Tensor) -> Tensor:
        return self.net(z)
