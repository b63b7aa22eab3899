"""Coverage counts as statistics: the Wilson interval, the exact binomial test's power, and Holm's procedure.

A coverage is a count k of n cases whose intervals contained the truth: [`wilson_interval`][]
bounds its rate, [`detectable_shortfall`][] says how small an under-coverage n cases detect
with a stated power, and [`holm`][] decides many such tests together at a family-wise rate.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["detectable_shortfall", "holm", "wilson_interval"]


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (Wilson 1927); (nan, nan) for n = 0."""
    if n == 0:
        return math.nan, math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    # exact at the ends, where rounding would leave a hair of interval below 0 % or above 100 %
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def detectable_shortfall(level: float, n: int, alpha: float, power: float) -> float:
    """The smallest under-coverage delta that a two-sided exact binomial test at `alpha` on `n`
    cases detects with probability `power`, for a nominal `level`: the true coverage
    `level - delta` is rejected at least that often (found by bisection on the exact power)."""
    k = np.arange(n + 1)
    pmf0 = stats.binom.pmf(k, n, level)
    # Exact two-sided test by the minimum-likelihood rule: reject the counts whose null
    # probability, summed with every count no likelier, stays below alpha.
    order = np.argsort(pmf0)
    reject = np.zeros(n + 1, bool)
    reject[order[np.cumsum(pmf0[order]) <= alpha]] = True
    low = k[reject & (k < n * level)]
    if not low.size:
        return math.nan
    cut = low.max()  # the largest count still rejected below the nominal level

    def power_at(delta: float) -> float:
        return float(stats.binom.cdf(cut, n, level - delta))

    lo, hi = 0.0, level
    if power_at(hi) < power:
        return math.nan
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if power_at(mid) < power else (lo, mid)
    return hi


def holm(p_values: dict[str, float], alpha: float) -> list[str]:
    """The tests Holm's step-down procedure rejects at family-wise error rate `alpha`, in order."""
    ranked = sorted(p_values.items(), key=lambda kv: kv[1])
    rejected = []
    for i, (name, p) in enumerate(ranked):
        if p > alpha / (len(ranked) - i):
            break
        rejected.append(name)
    return rejected
