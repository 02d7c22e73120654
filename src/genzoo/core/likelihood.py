"""Maths that models and trainers share: the terms of a variational bound, in nats, and
the unit of an exact likelihood.

Models use it to compute their bound (DRAW's encoder and decoder are one
component) and `genzoo.train.variational` to minimise it; `genzoo.metrics`
reports it. It lives here, below all three, so that none imports another for it.
"""

from __future__ import annotations

import abc
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core.interfaces import ELBOTerms, LatentDistribution


def bernoulli_nll(logits: Tensor, images: Tensor) -> Tensor:
    """(N,) -log p(images | logits) in nats, intensities (images + 1) / 2 as targets."""
    targets = (images.float() + 1) / 2
    nll = F.binary_cross_entropy_with_logits(logits.float(), targets, reduction="none")
    return nll.flatten(1).sum(1)


def gaussian_kl(posterior: LatentDistribution) -> Tensor:
    """(N,) KL(N(mean, exp(log_var)) || N(0, I)) in nats, in closed form."""
    mean, log_var = posterior.mean.float(), posterior.log_var.float()
    return 0.5 * (mean.square() + log_var.exp() - 1 - log_var).sum(1)


def bits_per_dim(nats: Tensor, image_shape: tuple[int, ...]) -> Tensor:
    """Negative log-likelihoods in nats per image -> bits per pixel and channel, the unit
    exact-likelihood models report."""
    return nats / (math.prod(image_shape) * math.log(2))


class ELBOObjective(nn.Module, abc.ABC):
    """A model's bound as a module (so that DistributedDataParallel can wrap it)."""

    @abc.abstractmethod
    def forward(self, images: Tensor, generator: torch.Generator | None = None) -> ELBOTerms:
        """(N, C, H, W) images -> the bound's terms, one posterior draw per image."""

    @abc.abstractmethod
    def reconstruct(self, images: Tensor) -> Tensor:
        """(N, C, H, W) images -> reconstructions from the posterior means, in [-1, 1]."""
