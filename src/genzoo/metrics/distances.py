"""Distances between sets of features, and scores of class predictions.

- Fréchet distance (Heusel et al. 2017): between Gaussians fitted to two feature sets.
- Inception-Score-style score (Salimans et al. 2016): exp E_x KL(p(y|x) || p(y)).
- Precision and recall (Kynkäänniemi et al. 2019): how much of one set lies inside
  the k-nearest-neighbour balls of the other.
- Density and coverage (Naeem et al. 2020): precision and recall made robust to outliers,
  counting real neighbourhoods rather than taking the union of the fake ones.
- Kernel distance (KID, Bińkowski et al. 2018): the unbiased squared MMD under the cubic
  polynomial kernel, averaged over subsets; unlike FD it is unbiased at any sample count.
- A bootstrap for FD: its spread over resamples of both sets gives an interval, and their
  mean its upward bias at a finite sample count (Efron & Tibshirani 1993, ch. 10).
All computed in float64 on the CPU or the device the features are on.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


def frechet_distance(a: Tensor, b: Tensor) -> float:
    """|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)) for (N, D) and (M, D) features."""
    (mean_a, cov_a), (mean_b, cov_b) = _moments(a), _moments(b)
    return _frechet_of_moments(mean_a, cov_a, mean_b, cov_b)


def _frechet_of_moments(mean_a: Tensor, cov_a: Tensor, mean_b: Tensor, cov_b: Tensor) -> float:
    root_a = _sqrt_psd(cov_a)
    # tr((C_a C_b)^(1/2)) = tr((R C_b R)^(1/2)) with R = C_a^(1/2): a symmetric PSD matrix
    middle = root_a @ cov_b @ root_a
    trace_root = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    value = (mean_a - mean_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * trace_root
    return float(value.clamp(min=0))


#: Fewer samples in either set and no FD interval is given: the bootstrap's normal
#: approximation was only checked from here up (bench/fd_interval_coverage.py).
MIN_INTERVAL_SAMPLES = 1000


class FrechetBootstrap(NamedTuple):
    """FD between two feature sets and its bootstrap: both sets resampled with replacement.

    `spread` is the standard deviation of the resampled distances, `bias` their mean less
    the estimate. FD is biased upward by O(1/n) (a covariance estimated from n samples
    looks farther from any other than the true one does); the bootstrap's bias estimates
    that, so `estimate - bias` estimates the distance at infinitely many samples."""

    estimate: float
    spread: float
    bias: float

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """The normal interval for FD at this sample count (what equal-count comparisons,
        as in the field's tables, compare): estimate ± z * spread."""
        half = _normal_quantile(level) * self.spread
        return max(0.0, self.estimate - half), self.estimate + half

    def unbiased(self, level: float = 0.95) -> tuple[float, tuple[float, float]]:
        """The bias-corrected estimate of FD at infinitely many samples, and its interval."""
        centre = max(0.0, self.estimate - self.bias)
        half = _normal_quantile(level) * self.spread
        return centre, (max(0.0, centre - half), centre + half)


def frechet_bootstrap(
    a: Tensor, b: Tensor, resamples: int = 100, seed: int = 0
) -> FrechetBootstrap:
    """`frechet_distance(a, b)` with its spread and bias over `resamples` seeded resamples.
    A normal interval from the spread moves far less with the seed than percentiles of as
    many resamples do (20 percentile resamples moved endpoints by about 0.1)."""
    rng = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(resamples):
        pick_a = torch.randint(len(a), (len(a),), generator=rng)
        pick_b = torch.randint(len(b), (len(b),), generator=rng)
        values.append(_resampled_distance(a[pick_a.to(a.device)], b[pick_b.to(b.device)]))
    spread = torch.tensor(values, dtype=torch.float64)
    estimate = frechet_distance(a, b)
    return FrechetBootstrap(estimate, float(spread.std()), float(spread.mean()) - estimate)


def frechet_interval(
    a: Tensor, b: Tensor, resamples: int = 100, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """The `level` interval of FD at this sample count (`FrechetBootstrap.interval`)."""
    return frechet_bootstrap(a, b, resamples, seed).interval(level)


def _resampled_distance(a: Tensor, b: Tensor) -> float:
    """FD with the moments accumulated in float32 (twice as fast; the spread of the
    resamples needs no more digits than that), the matrix roots in float64."""
    (mean_a, cov_a), (mean_b, cov_b) = _moments(a, torch.float32), _moments(b, torch.float32)
    return _frechet_of_moments(mean_a, cov_a, mean_b, cov_b)


def _normal_quantile(level: float) -> float:
    return float(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor((1 + level) / 2)))


def kernel_distance(
    a: Tensor, b: Tensor, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """(mean, std) over `subsets` random subsets of the unbiased MMD^2 between (N, D) and
    (M, D) features, kernel k(x, y) = (x.y / D + 1)^3 (the KID of Bińkowski et al. 2018)."""
    a, b = a.double(), b.double()
    size = min(subset_size, len(a), len(b))
    if size < 2:
        raise ValueError("the kernel distance needs at least 2 features in each set")
    rng = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        x = a[torch.randperm(len(a), generator=rng)[:size].to(a.device)]
        y = b[torch.randperm(len(b), generator=rng)[:size].to(b.device)]
        values.append(_mmd2(x, y))
    spread = torch.tensor(values, dtype=torch.float64)
    return float(spread.mean()), float(spread.std(correction=0))


def _mmd2(x: Tensor, y: Tensor) -> float:
    dim, m = x.shape[1], len(x)

    def kernel(p: Tensor, q: Tensor) -> Tensor:
        return (p @ q.T / dim + 1) ** 3

    k_xx, k_yy = kernel(x, x), kernel(y, y)
    within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (
        m * (m - 1)
    )  # the diagonals dropped: that is what makes the estimate unbiased
    return float(within - 2 * kernel(x, y).mean())


def density_coverage(real: Tensor, fake: Tensor, k: int = 5) -> tuple[float, float]:
    """(density, coverage): how many real k-NN balls hold each fake sample, over k (about 1
    for a fake set distributed like the real one), and the share of real balls that hold
    at least one fake sample."""
    found = neighbourhoods(real, fake, pr_k=k, dc_k=k)
    return found.density, found.coverage


class Neighbourhoods(NamedTuple):
    precision: float
    recall: float
    density: float
    coverage: float


def knn_radii(points: Tensor, ks: tuple[int, ...], chunk: int = 2048) -> dict[int, Tensor]:
    """Each point's distance to its k-th nearest other point of the same set, for every k
    in `ks`, from one pass over the pairs."""
    points = points.double()
    largest = max(ks) + 1  # +1: each point is its own nearest, at distance 0
    nearest = []
    for start in range(0, len(points), chunk):
        distances = torch.cdist(points[start : start + chunk], points)
        nearest.append(distances.topk(largest, dim=1, largest=False).values)
    ordered = torch.cat(nearest)
    return {k: ordered[:, k] for k in ks}


def neighbourhoods(
    real: Tensor,
    fake: Tensor,
    pr_k: int = 3,
    dc_k: int = 5,
    real_radii: dict[int, Tensor] | None = None,
    chunk: int = 2048,
) -> Neighbourhoods:
    """Precision/recall (k = `pr_k`) and density/coverage (k = `dc_k`) from two passes over
    the pairs: the fake set's own radii, then fake against real for all four. `real_radii`
    (`knn_radii(real, (pr_k, dc_k))`) may be shared by several fake sets."""
    real, fake = real.double(), fake.double()
    radii = real_radii or knn_radii(real, (pr_k, dc_k), chunk)
    fake_radii = knn_radii(fake, (pr_k,), chunk)[pr_k]
    precise, within, reached = 0, 0, torch.zeros(len(real), dtype=torch.bool, device=real.device)
    held = torch.zeros(len(real), dtype=torch.long, device=real.device)
    for start in range(0, len(fake), chunk):
        distances = torch.cdist(fake[start : start + chunk], real)  # (chunk, N)
        precise += int((distances <= radii[pr_k][None, :]).any(1).sum())
        inside = distances <= radii[dc_k][None, :]
        within += int(inside.sum())
        held += inside.sum(0)
        reached |= (distances <= fake_radii[start : start + chunk, None]).any(0)
    return Neighbourhoods(
        precise / len(fake),
        float(reached.double().mean()),
        within / (dc_k * len(fake)),
        float((held > 0).double().mean()),
    )


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
    found = neighbourhoods(real, fake, pr_k=k, dc_k=k)
    return found.precision, found.recall


def _moments(features: Tensor, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    """Mean and covariance, accumulated in `dtype`, returned in float64."""
    x = features.to(dtype)
    mean = x.mean(0)
    centered = x - mean
    return mean.double(), (centered.T @ centered / (len(x) - 1)).double()


def _sqrt_psd(matrix: Tensor) -> Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T
