"""Distances between sets of features, and scores of class predictions.

- Fréchet distance (Heusel et al. 2017): between Gaussians fitted to two feature sets.
- Inception-Score-style score (Salimans et al. 2016): exp E_x KL(p(y|x) || p(y)).
- Precision and recall (Kynkäänniemi et al. 2019): how much of one set lies inside
  the k-nearest-neighbour balls of the other.
All computed in float64 on the CPU or the device the features are on.
"""

from __future__ import annotations

import torch
from torch import Tensor


def frechet_distance(a: Tensor, b: Tensor) -> float:
    """|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)) for (N, D) and (M, D) features."""
    mean_a, cov_a = _moments(a)
    mean_b, cov_b = _moments(b)
    root_a = _sqrt_psd(cov_a)
    # tr((C_a C_b)^(1/2)) = tr((R C_b R)^(1/2)) with R = C_a^(1/2): a symmetric PSD matrix
    middle = root_a @ cov_b @ root_a
    trace_root = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    value = (mean_a - mean_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * trace_root
    return float(value.clamp(min=0))


def inception_score(logits: Tensor, splits: int = 10) -> tuple[float, float]:
    """Mean and standard deviation over `splits` of exp(E KL(p(y|x) || p(y)))."""
    log_p = logits.double().log_softmax(1)
    scores = []
    for chunk in log_p.chunk(splits):
        marginal = chunk.exp().mean(0).log()
        kl = (chunk.exp() * (chunk - marginal)).sum(1).mean()
        scores.append(kl.exp())
    values = torch.stack(scores)
    return float(values.mean()), float(values.std(correction=0))


def precision_recall(real: Tensor, fake: Tensor, k: int = 3) -> tuple[float, float]:
    """(precision, recall): the share of `fake` inside the real k-NN manifold, and of `real`
    inside the fake one."""
    real, fake = real.double(), fake.double()
    real_radii, fake_radii = _knn_radii(real, k), _knn_radii(fake, k)
    return _coverage(fake, real, real_radii), _coverage(real, fake, fake_radii)


def _moments(features: Tensor) -> tuple[Tensor, Tensor]:
    x = features.double()
    mean = x.mean(0)
    centered = x - mean
    return mean, centered.T @ centered / (len(x) - 1)


def _sqrt_psd(matrix: Tensor) -> Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def _knn_radii(points: Tensor, k: int, chunk: int = 2048) -> Tensor:
    """Distance from each point to its k-th nearest other point of the same set."""
    radii = []
    for start in range(0, len(points), chunk):
        distances = torch.cdist(points[start : start + chunk], points)
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # +1: itself at distance 0
    return torch.cat(radii)


def _coverage(queries: Tensor, points: Tensor, radii: Tensor, chunk: int = 2048) -> float:
    inside = 0
    for start in range(0, len(queries), chunk):
        distances = torch.cdist(queries[start : start + chunk], points)
        inside += int((distances <= radii[None, :]).any(1).sum())
    return inside / len(queries)
