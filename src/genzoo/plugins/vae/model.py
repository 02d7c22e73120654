"""A convolutional VAE (Kingma & Welling 2014) for small images.

The encoder halves the image twice with strided convolutions (28 -> 14 -> 7)
and maps the flattened features to a Gaussian posterior; the decoder mirrors it
with transposed convolutions and returns Bernoulli logits per pixel.

With `prior_hidden_dim` > 0 the decoder carries a learned prior over its codes, a
normalizing flow fitted to the codes the encoder gives, so that sampling decodes
codes from where the decoder was trained instead of from N(0, I), which a VAE's
codes never quite fill. With it, a beta below 1 buys sharp samples, not only sharp
reconstructions (the idea of the two-stage VAE, Dai & Wipf 2019).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from genzoo.core.interfaces import BernoulliDecoder, Encoder, LatentDistribution
from genzoo.core.layers import ToImage
from genzoo.core.priors import AffineCoupling, LatentPrior

__all__ = ["AffineCoupling", "ConvDecoder", "ConvEncoder", "LatentPrior"]


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
        prior_hidden_dim: int = 0,
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
            ToImage(base_channels, self.image_shape[0]),  # nn.ConvTranspose2d(.., 4, 2, 1)
        )
        # 0: the standard normal prior (and the weights of every VAE before it)
        self.prior = LatentPrior(latent_dim, prior_hidden_dim) if prior_hidden_dim else None

    def logits(self, z: Tensor) -> Tensor:
        return self.net(z)

    def from_prior(self, noise: Tensor) -> Tensor:
        return noise if self.prior is None else self.prior(noise)

    def prior_loss(self, codes: Tensor) -> Tensor | None:
        return None if self.prior is None else self.prior.negative_log_likelihood(codes)
