"""Does FD's 95% interval hold? Simulated coverage and seed stability, old method beside new.

    python bench/fd_interval_coverage.py [--dim 128] [--counts 500,1000,2000,5000]
                                         [--trials 40] [--json F]

Two Gaussians with known moments stand for the real and the generated features (a decaying
spectrum like a network's features, different bases, a small shift), so the distance at
infinitely many samples is exact. Each trial draws n from each and computes FD's interval;
the table gives how often it holds two targets:
- FD at this sample count, E[FD_n] (the mean of the trials' estimates): what equal-count
  comparisons compare, the zoo table's and the field's (FID at 10k or 50k);
- the infinite-sample distance, which FD_n overestimates by O(1/n).
Methods: the old one (20 resamples, percentiles centred on the estimate), genzoo's interval
(`FrechetBootstrap.interval`: normal, 100 resamples) and its bias-corrected one
(`FrechetBootstrap.unbiased`). Stability: the spread of the upper endpoint over 10 bootstrap
seeds on one draw. Nominal coverage 0.95; with 40 trials a coverage is known to about ±0.07.
"""

from __future__ import annotations

import statistics

import torch

from timing import Figure, bench_parser, report


def populations(dim: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """(shift, Cholesky of the generated covariance, of the real one, the exact FD)."""
    from genzoo.metrics.distances import _frechet_of_moments

    rng = torch.Generator().manual_seed(0)
    spectrum = torch.logspace(0, -2, dim, dtype=torch.float64)
    basis_real, _ = torch.linalg.qr(torch.randn(dim, dim, generator=rng, dtype=torch.float64))
    basis_fake, _ = torch.linalg.qr(torch.randn(dim, dim, generator=rng, dtype=torch.float64))
    cov_real = (basis_real * spectrum) @ basis_real.T
    cov_fake = (basis_fake * spectrum * 1.3) @ basis_fake.T * 0.5 + cov_real * 0.5
    shift = torch.randn(dim, generator=rng, dtype=torch.float64) * 0.05
    exact = _frechet_of_moments(shift, cov_fake, torch.zeros(dim, dtype=torch.float64), cov_real)
    return shift, torch.linalg.cholesky(cov_fake), torch.linalg.cholesky(cov_real), exact


def old_interval(a: torch.Tensor, b: torch.Tensor, seed: int = 0) -> tuple[float, float]:
    """genzoo before issue 30: 20 resamples, 2.5/97.5 percentiles centred on the estimate."""
    from genzoo.metrics.distances import frechet_distance

    rng = torch.Generator().manual_seed(seed)
    values = torch.tensor(
        [
            frechet_distance(
                a[torch.randint(len(a), (len(a),), generator=rng)],
                b[torch.randint(len(b), (len(b),), generator=rng)],
            )
            for _ in range(20)
        ],
        dtype=torch.float64,
    )
    low, high = values.quantile(torch.tensor([0.025, 0.975], dtype=torch.float64))
    estimate = frechet_distance(a, b)
    return estimate + float(low - values.mean()), estimate + float(high - values.mean())


def main() -> None:
    from genzoo.metrics import frechet_bootstrap

    parser = bench_parser(__doc__)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--counts", default="500,1000,2000,5000")
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    shift, fake_root, real_root, exact = populations(args.dim)
    figures = []
    for n in (int(count) for count in args.counts.split(",")):
        rows: list[tuple[float, tuple[float, float], tuple[float, float], tuple[float, float]]]
        rows = []
        for trial in range(args.trials):
            rng = torch.Generator().manual_seed(1000 + trial)
            noise = torch.randn(2, n, args.dim, generator=rng, dtype=torch.float64)
            fake, real = (shift + noise[0] @ fake_root.T).float(), (noise[1] @ real_root.T).float()
            found = frechet_bootstrap(fake, real)
            rows.append((found.estimate, old_interval(fake, real), found.interval(),
                         found.unbiased()[1]))  # fmt: skip
        at_n = statistics.fmean(row[0] for row in rows)
        spread = statistics.stdev(row[0] for row in rows)
        print(f"n={n:,}: infinite-sample FD {exact:.4f}, E[FD_n] {at_n:.4f} (bias "
              f"{at_n - exact:+.4f}), sd of FD_n {spread:.4f}")  # fmt: skip
        for column, method in enumerate(("old: 20 centred percentiles", "genzoo interval",
                                         "genzoo bias-corrected"), start=1):  # fmt: skip
            intervals = [row[column] for row in rows]
            holds_n = statistics.fmean(low <= at_n <= high for low, high in intervals)
            holds_exact = statistics.fmean(low <= exact <= high for low, high in intervals)
            width = statistics.fmean(high - low for low, high in intervals)
            print(f"  {method:30} holds E[FD_n] {holds_n:.2f}  infinite {holds_exact:.2f}  "
                  f"width {width:.4f}")  # fmt: skip
            target = holds_exact if "bias" in method else holds_n
            figures.append(Figure(f"coverage, {method}, n={n:,}", "share", [target],
                                  target=">= 0.95 (nominal)"))  # fmt: skip
        rng = torch.Generator().manual_seed(1)
        noise = torch.randn(2, n, args.dim, generator=rng, dtype=torch.float64)
        fake, real = (shift + noise[0] @ fake_root.T).float(), (noise[1] @ real_root.T).float()
        old = [old_interval(fake, real, seed)[1] for seed in range(10)]
        new = [frechet_bootstrap(fake, real, seed=seed).interval()[1] for seed in range(10)]
        figures.append(Figure(f"upper endpoint over seeds, n={n:,}", "sd",
                              [statistics.stdev(new)], [statistics.stdev(old)],
                              "old: 20 centred percentiles"))  # fmt: skip
    report(figures, args.json)


if __name__ == "__main__":
    main()
