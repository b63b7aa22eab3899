"""Is a posterior honest? Coverage, simulation-based calibration and contraction.

For observations simulated at known parameters drawn from the prior, the posterior CDF
of each parameter at its true value (the probability integral transform, PIT) is uniform
exactly when the posteriors are calibrated (Talts et al. 2018). From the PIT values:

- the *coverage* of central credible intervals at each nominal level: the fraction of
  true values with |PIT - 1/2| <= level / 2;
- the SBC rank-histogram test: a chi-squared test of uniformity of the PIT in 10 bins;
- with the posterior moments, the *contraction* prior sd / posterior sd (how much the
  data teach) and the standardized error (posterior mean - truth) / posterior sd.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .inference import GridPosterior
from .prior import PARAMETERS, ParameterBox

__all__ = ["LEVELS", "binomial_se", "calibration_study", "coverage_at", "representative_cases"]

#: Nominal levels of the expected-coverage curves.
LEVELS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def binomial_se(level: float, n: int) -> float:
    """Standard error of an empirical coverage of `n` cases whose true rate is `level`."""
    return float(np.sqrt(level * (1.0 - level) / n))


def coverage_at(pit: np.ndarray, level: float) -> float:
    """Fraction of PIT values inside the central interval of credibility `level`."""
    return float(np.mean(np.abs(np.asarray(pit) - 0.5) <= level / 2))


def calibration_study(
    grid: GridPosterior, truth: np.ndarray, box: ParameterBox, levels: np.ndarray = LEVELS, bins: int = 10
) -> dict[str, dict]:
    """Coverage, SBC and contraction of grid posteriors against the true parameters.

    **Arguments:**

    - `grid`: posteriors of `n` observations.
    - `truth`: the parameters (Q0, a in AU) that generated each observation, shape `(n, 2)`.
    - `box`: the prior box (its standard deviations measure contraction).
    - `levels`: nominal credibility levels of the coverage curve.
    - `bins`: bins of the SBC rank histogram.

    **Returns:**

    For each parameter name: `pit` (n values), `coverage` (one per level), `coverage68`,
    `coverage95`, `sbc_chi2_p`, `contraction_median`, `z_bias_mean` and `z_bias_sd`.
    """
    mom = grid.moments()
    out = {}
    for j, p in enumerate(PARAMETERS):
        pit = grid.cdf(p, truth[:, j])
        counts, _ = np.histogram(pit, bins=bins, range=(0, 1))
        z = (mom[f"{p}_mean"] - truth[:, j]) / mom[f"{p}_sd"]
        out[p] = {
            "pit": pit.tolist(),
            "coverage": [coverage_at(pit, lv) for lv in levels],
            "coverage68": coverage_at(pit, 0.68),
            "coverage95": coverage_at(pit, 0.95),
            "sbc_chi2_p": float(stats.chisquare(counts).pvalue),
            "contraction_median": float(np.median(box.prior_sd[j] / mom[f"{p}_sd"])),
            "z_bias_mean": float(np.mean(z)),
            "z_bias_sd": float(np.std(z, ddof=1)),
        }
    return out


def representative_cases(truth: np.ndarray, grid: GridPosterior, box: ParameterBox) -> dict[str, int]:
    """Indices of three observations worth a corner plot.

    `typical`: the truth nearest the centre of the box; `edge`: the truth nearest any
    edge; `ridge`: the posterior with the strongest Q0-a correlation among the others.
    """
    u = (truth - box.low) / (box.high - box.low)
    typical = int(np.argmin(np.sum((u - 0.5) ** 2, axis=1)))
    edge = int(np.argmin(np.minimum(u, 1 - u).min(axis=1)))
    corr = np.abs(grid.correlation())
    corr[[typical, edge]] = -1.0
    return {"typical": typical, "edge": edge, "ridge": int(np.argmax(corr))}
