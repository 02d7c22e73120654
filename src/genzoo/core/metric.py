"""A measured figure with the protocol that produced it: what `genzoo.evaluate` returns, a
card records and every table shows, at the precision its uncertainty supports."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Metric"]


@dataclass(frozen=True)
class Metric:
    """One measured figure and the protocol that produced it."""

    name: str  # e.g. "frechet_distance"
    value: float
    protocol: str  # how it was measured: features, sample count, seed, split
    split: str = "test"
    interval: tuple[float, float] | None = None  # a confidence interval (FD's bootstrap)
    spread: float | None = None  # a standard deviation over subsets (KID's): no interval

    def shown(self) -> str:
        """The value as far as its uncertainty supports, with it, for tables."""
        if self.interval is not None:
            low, high = self.interval
            digits = _digits((high - low) / 2)
            return f"{self.value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"
        if self.spread is not None:
            digits = _digits(self.spread)
            return f"{self.value:.{digits}f} ± {self.spread:.{digits}f} (std over subsets)"
        return f"{self.value:.4g}"

    @property
    def rounded(self) -> float:
        """The value to as many decimals as its interval or spread supports."""
        width = (self.interval[1] - self.interval[0]) / 2 if self.interval else self.spread
        return round(self.value, _digits(width)) if width else self.value


def _digits(uncertainty: float) -> int:
    """Decimals that show an uncertainty's first two significant digits (0.27 -> 2)."""
    if not uncertainty or uncertainty != uncertainty or uncertainty < 0:
        return 4
    return max(0, 1 - math.floor(math.log10(uncertainty)))
