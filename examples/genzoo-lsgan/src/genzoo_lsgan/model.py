"""The networks: a resize-convolution generator and a strided-convolution discriminator."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from genzoo import Discriminator, Generator


def _shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    channels, height, width = (int(d) for d in image_shape)
    if height % 4 or width % 4:
        raise ValueError(f"lsgan halves images twice: {height}x{width} must divide by 4")
    return channels, height, width


class ResizeConvGenerator(Generator):
    """z -> a (2c, H/4, W/4) map -> twice (nearest x2 upsample, 3x3 conv) -> tanh image."""

    def __init__(
        self, latent_dim: int = 64, image_shape: Sequence[int] = (1, 28, 28), channels: int = 64
    ) -> None:
        super().__init__()
        self.latent_dim, self.image_shape = latent_dim, _shape(image_shape)
        out, height, width = self.image_shape
        self.start = (2 * channels, height // 4, width // 4)
        self.project = nn.Sequential(
            nn.Linear(latent_dim, 2 * channels * height * width // 16, bias=False),
            nn.BatchNorm1d(2 * channels * height * width // 16),
            nn.ReLU(),
        )
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(2 * channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, out, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.body(self.project(z).view(-1, *self.start))


class ConvDiscriminator(Discriminator):
    """Two 4x4 stride-2 convolutions, then a linear score (no sigmoid: least squares)."""

    def __init__(self, image_shape: Sequence[int] = (1, 28, 28), channels: int = 64) -> None:
        super().__init__()
        self.image_shape = _shape(image_shape)
        colours, height, width = self.image_shape
        self.net = nn.Sequential(
            nn.Conv2d(colours, channels, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * channels * height * width // 16, 1),
        )

    def forward(self, images: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.net(images).squeeze(1)
