"""RealNVP (Dinh et al. 2017) on flattened images, as a genzoo Generator.

An image x in [-1, 1] is first moved to logit space, y = logit(a + (1 - 2a) (x + 1) / 2),
where the flow's Gaussian is a sensible fit; then `couplings` affine coupling layers map
y to z. Each layer keeps half the pixels (a mask) and scales and shifts the other half by
functions of the kept half: invertible whatever those functions are, with a log-determinant
that is the sum of the log-scales. Sampling runs it backwards from z ~ N(0, I), so
latent_dim = C * H * W and every seed, slerp walk and golden probe works as for a GAN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genzoo import Generator

ALPHA = 0.05  # keeps logit() away from the infinities at pixel values 0 and 1


class Coupling(nn.Module):
    """y -> y * exp(s) + t on the unmasked entries; s, t from the masked ones."""

    def __init__(self, mask: Tensor, hidden_dim: int) -> None:
        super().__init__()
        dim = mask.numel()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(
            nn.Linear(dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 2 * dim)
        )
        nn.init.zeros_(self.net[-1].weight)  # starts as the identity map
        nn.init.zeros_(self.net[-1].bias)
        self.scale = nn.Parameter(torch.ones(dim))  # bounds log-scales: scale * tanh(raw)

    def _shift_scale(self, kept: Tensor) -> tuple[Tensor, Tensor]:
        raw_scale, shift = self.net(kept).chunk(2, dim=1)
        free = 1 - self.mask
        return self.scale * torch.tanh(raw_scale) * free, shift * free

    def forward(self, y: Tensor) -> tuple[Tensor, Tensor]:
        """(N, D) -> (N, D), (N,) log|det|."""
        log_scale, shift = self._shift_scale(y * self.mask)
        return y * torch.exp(log_scale) + shift, log_scale.sum(dim=1)

    def inverse(self, z: Tensor) -> Tensor:
        log_scale, shift = self._shift_scale(z * self.mask)  # the kept half is unchanged
        return (z - shift) * torch.exp(-log_scale)


class RealNVPGenerator(Generator):
    """(N, C*H*W) Gaussian codes -> (N, C, H, W) images, and `log_prob` of images."""

    def __init__(
        self, image_shape: Sequence[int] = (1, 28, 28), couplings: int = 6, hidden_dim: int = 512
    ) -> None:
        super().__init__()
        self.image_shape = tuple(int(d) for d in image_shape)
        self.latent_dim = math.prod(self.image_shape)
        self.num_classes = 0
        _, height, width = self.image_shape
        rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
        checker = ((rows + cols) % 2).float().expand(self.image_shape).flatten()
        # a tensor of its own per layer: safetensors stores a shared one once, under one name
        masks = [(checker if i % 2 == 0 else 1 - checker).clone() for i in range(couplings)]
        self.layers = nn.ModuleList(Coupling(mask, hidden_dim) for mask in masks)

    def encode(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """(N, C, H, W) images -> (N, D) codes and (N,) log|det d codes / d images|."""
        p = ALPHA + (1 - 2 * ALPHA) * (images.flatten(1) + 1) / 2  # in (ALPHA, 1 - ALPHA)
        y = torch.log(p) - torch.log1p(-p)
        # d y / d x = (1 - 2 ALPHA) / 2 / (p (1 - p)), per pixel
        log_det = (math.log((1 - 2 * ALPHA) / 2) - torch.log(p) - torch.log1p(-p)).sum(dim=1)
        for layer in self.layers:
            y, layer_log_det = layer(y)
            log_det = log_det + layer_log_det
        return y, log_det

    def log_prob(self, images: Tensor) -> Tensor:
        """(N,) log density of (dequantized) images in [-1, 1], in nats."""
        z, log_det = self.encode(images)
        gaussian = -0.5 * (z.square() + math.log(2 * math.pi)).sum(dim=1)
        return gaussian + log_det

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        y = z
        for layer in reversed(self.layers):
            y = layer.inverse(y)
        p = torch.sigmoid(y)
        images = ((p - ALPHA) / (1 - 2 * ALPHA)) * 2 - 1
        return images.clamp(-1, 1).view(-1, *self.image_shape)
