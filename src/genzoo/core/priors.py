"""Learned priors over latent codes, shared by the model families that sample codes.

A VAE's codes (or DRAW's, all steps together) never quite fill N(0, I), so decoding
draws from it lands partly where the decoder never trained. `LatentPrior` is a
normalizing flow fitted by maximum likelihood to the codes the encoder gives;
sampling draws through it from where they are.
"""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import Tensor, nn

__all__ = ["AffineCoupling", "LatentPrior"]


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    last = nn.Linear(hidden, outputs)
    nn.init.zeros_(last.weight)  # each coupling starts as the identity
    nn.init.zeros_(last.bias)
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), last
    )


class AffineCoupling(nn.Module):
    """One RealNVP step on vectors (Dinh et al. 2017): the second part of the code is
    scaled and shifted by functions of the first, then the parts swap places, so the
    next step transforms what this one kept."""

    def __init__(self, dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.kept = dim // 2
        self.net = _mlp(self.kept, hidden_dim, 2 * (dim - self.kept))

    def _scale_shift(self, kept: Tensor) -> tuple[Tensor, Tensor]:
        log_scale, shift = self.net(kept).chunk(2, dim=1)
        return torch.tanh(log_scale), shift  # |log scale| < 1: a step never explodes

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """(N, D) codes -> (N, D) a step nearer the noise, and (N,) log |det Jacobian|."""
        kept, moved = z[:, : self.kept], z[:, self.kept :]
        log_scale, shift = self._scale_shift(kept)
        return torch.cat([moved * log_scale.exp() + shift, kept], 1), log_scale.sum(1)

    def inverse(self, y: Tensor) -> Tensor:
        moved, kept = y[:, : y.shape[1] - self.kept], y[:, y.shape[1] - self.kept :]
        log_scale, shift = self._scale_shift(kept)
        return torch.cat([kept, (moved - shift) * (-log_scale).exp()], 1)


class LatentPrior(nn.Module):
    """A learned prior over the codes z (N, D): a normalizing flow from N(0, I).

    A VAE's codes never quite fill N(0, I), so decoding draws from it lands partly
    where the decoder never trained; a flow fitted by maximum likelihood to the
    encoder's codes draws from where they are (a flow prior, e.g. Xu et al. 2019). It
    samples exactly the density it fits, which a second-stage VAE's decoded means
    (Dai & Wipf 2019) did not here: tried first, they left FD at 14.3 (docs/results.md).
    """

    def __init__(self, latent_dim: int, hidden_dim: int, layers: int = 8) -> None:
        super().__init__()
        self.steps = nn.ModuleList(AffineCoupling(latent_dim, hidden_dim) for _ in range(layers))

    def forward(self, noise: Tensor) -> Tensor:
        """(N, D) standard normal noise -> (N, D) codes drawn from the prior."""
        for step in reversed(self.steps):
            noise = cast(AffineCoupling, step).inverse(noise)
        return noise

    def negative_log_likelihood(self, codes: Tensor) -> Tensor:
        """(N, D) codes -> (N,) -log p(codes) in nats under the flow."""
        noise, log_det = codes, codes.new_zeros(len(codes))
        for step in self.steps:
            noise, step_log_det = step(noise)
            log_det = log_det + step_log_det
        log_normal = -0.5 * (noise.square() + math.log(2 * math.pi)).sum(1)
        return -(log_normal + log_det)
