"""Is a posterior honest? Coverage, simulation-based calibration and contraction.

For observations simulated at known parameters drawn from the prior, the posterior CDF
of each parameter at its true value (the probability integral transform, PIT) is uniform
exactly when the posteriors are calibrated (Talts et al. 2018). From the PIT values:

- the *coverage* of central credible intervals at each nominal level: the fraction of
  true values with |PIT - 1/2| <= level / 2;
- the SBC rank-histogram test: a chi-squared test of uniformity of the PIT in 10 bins;
- with the posterior moments, the *contraction* prior sd / posterior sd (how much the
  data teach) and the standardized error (posterior mean - truth) / posterior sd;
- coverage within bins of a parameter ([`binned_coverage`][]), which shows calibration
  failures that average out over the box.

The PIT tests each marginal; TARP ([`tarp`][], Lemos et al. 2023) tests the joint
posterior of (Q0, a) through the posterior mass of random balls around reference points.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
from jaxtyping import Float
from scipy import stats

from ..inference.gridded import GridPosterior
from ..prior import PARAMETERS, ParameterBox
from .reports import CalibrationReport, CoverageBin, ParameterCalibration, SplitStudy, TarpResult, from_jsonable

__all__ = [
    "LEVELS",
    "binned_coverage",
    "binomial_se",
    "calibration_checks",
    "parameter_checks",
    "calibration_report",
    "calibration_study",
    "coverage_at",
    "recommend",
    "representative_cases",
    "tarp",
]

#: Nominal levels of the expected-coverage curves.
LEVELS = np.round(np.arange(0.05, 0.96, 0.05), 2)

# Second word of the TARP reference points' seed: keeps them off the stream of ParameterBox.draw.
_TARP_STREAM = 0x7A59


def binomial_se(level: float, n: int) -> float:
    """Standard error of an empirical coverage of `n` cases whose true rate is `level`."""
    return float(np.sqrt(level * (1.0 - level) / n))


def coverage_at(pit: np.ndarray, level: float) -> float:
    """Fraction of PIT values inside the central interval of credibility `level`."""
    return float(np.mean(np.abs(np.asarray(pit) - 0.5) <= level / 2))


def calibration_study(
    grid: GridPosterior, truth: np.ndarray, box: ParameterBox, levels: np.ndarray = LEVELS, bins: int = 10
) -> SplitStudy:
    """Coverage, SBC and contraction of grid posteriors against the true parameters.

    **Arguments:**

    - `grid`: posteriors of `n` observations.
    - `truth`: the parameters (Q0, a in AU) that generated each observation, shape `(n, 2)`.
    - `box`: the prior box (its standard deviations measure contraction).
    - `levels`: nominal credibility levels of the coverage curve.
    - `bins`: bins of the SBC rank histogram.

    **Returns:**

    A [`SplitStudy`][clusteremu.evaluation.reports.SplitStudy]: for each parameter `pit` (n
    values), `coverage` (one per level), `coverage68`, `coverage95`, `sbc_chi2_p`,
    `contraction_median`, `z_bias_mean` and `z_bias_sd`.
    """
    return from_jsonable(SplitStudy, _study(grid, truth, box, levels, bins))


def _study(grid: GridPosterior, truth: np.ndarray, box: ParameterBox, levels: np.ndarray, bins: int) -> dict:
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


def tarp(
    grid: GridPosterior,
    truth: Float[np.ndarray, "n 2"],
    box: ParameterBox,
    *,
    seed: int,
    levels: Float[np.ndarray, " levels"] = LEVELS,
    chunk: int = 64,
) -> dict:
    """Tests of Accuracy with Random Points (TARP; Lemos et al. 2023) for grid posteriors.

    For each observation `i` a reference point theta_ref_i is drawn from the uniform prior,
    and f_i is the posterior mass of the cells whose centre lies strictly closer to
    theta_ref_i than the truth does. Distances are measured in box-normalized coordinates
    ((theta - low) / (high - low)) so that neither parameter's units dominate. The
    posteriors are calibrated exactly when f is uniform on [0, 1], i.e. when the expected
    coverage probability ECP(alpha) = mean(f_i < alpha) equals alpha at every alpha. Unlike
    the marginal PIT this also tests the joint (Q0, a) posterior, correlations included.

    **Arguments:**

    - `grid`: posteriors of `n` observations.
    - `truth`: the parameters (Q0, a in AU) that generated each observation, shape `(n, 2)`.
    - `box`: the prior box, from which the reference points are drawn uniformly.
    - `seed`: seed of the reference points. Their stream differs from `box.draw(n, seed=seed)`,
      so that truths drawn with the same seed do not coincide with them (which gives f = 0).
    - `levels`: credibility levels alpha at which ECP is reported.
    - `chunk`: observations per vectorized batch (bounds the memory to `chunk` grids).

    **Returns:**

    A dict of `f` (n values in [0, 1]), `reference` (the n reference points (Q0, a in AU)),
    `alpha` (the levels), `ecp` (one per level),
    `ks_p` (Kolmogorov-Smirnov p-value of f against U(0, 1)), `max_deviation`
    (max |ECP - alpha|), `band` (the half-width of the simultaneous 95% band, the
    Kolmogorov critical value for n: calibrated posteriors stay inside it at every level
    at once with probability 0.95; a pointwise binomial band would be left somewhere by
    chance) and `inside_band` (whether every |ECP - alpha| <= band).
    """
    n = len(truth)
    if grid.density.shape[0] != n:
        raise ValueError(f"{grid.density.shape[0]} posteriors but {n} true parameters")
    span = box.high - box.low
    uq, ua = (grid.q0 - box.low[0]) / span[0], (grid.a_au - box.low[1]) / span[1]
    ref = (_reference_points(box, n, seed=seed) - box.low) / span
    r2 = np.sum(((truth - box.low) / span - ref) ** 2, axis=1)
    f = np.empty(n)
    for s in range(0, n, chunk):
        sl = slice(s, s + chunk)
        dens = grid.density[sl]
        d2 = (uq[None, :, None] - ref[sl, 0, None, None]) ** 2 + (ua[None, None, :] - ref[sl, 1, None, None]) ** 2
        inside = np.where(d2 < r2[sl, None, None], dens, 0.0).sum(axis=(1, 2))
        # normalize by the grid sum, not the midpoint rule, so that f = 1 exactly for the whole grid
        f[sl] = inside / dens.sum(axis=(1, 2))
    alpha = np.asarray(levels, float)
    ecp = np.mean(f[:, None] < alpha[None, :], axis=0)
    band = float(stats.kstwo.ppf(0.95, n))
    dev = np.abs(ecp - alpha)
    return {
        "f": f.tolist(),
        "reference": (box.low + ref * span).tolist(),
        "alpha": alpha.tolist(),
        "ecp": ecp.tolist(),
        "ks_p": float(stats.kstest(f, "uniform").pvalue),
        "max_deviation": float(dev.max()),
        "band": band,
        "inside_band": bool(np.all(dev <= band)),
    }


def _reference_points(box: ParameterBox, n: int, *, seed: int) -> np.ndarray:
    """`n` uniform draws from `box` on a stream of their own (see [`tarp`][])."""
    u = np.random.default_rng([seed, _TARP_STREAM]).uniform(size=(n, 2))
    return box.low + u * (box.high - box.low)


def binned_coverage(
    pit: Float[np.ndarray, " n"],
    values: Float[np.ndarray, " n"],
    edges: Sequence[float] | Float[np.ndarray, " edges"],
    levels: Sequence[float] = (0.68, 0.95),
) -> list[dict]:
    """Coverage of central credible intervals within bins of a parameter (or any per-case value).

    A global coverage can be right on average while the posteriors are overconfident in one
    corner of the box and underconfident in another; binning by the true parameter shows it.

    **Arguments:**

    - `pit`: PIT value of each case (posterior CDF at the truth), shape `(n,)`.
    - `values`: the value each case is binned by (e.g. its true Q0), shape `(n,)`.
    - `edges`: increasing bin edges; bin k is [edges[k], edges[k+1]), the last one closed.
      Cases outside [edges[0], edges[-1]] are not counted.
    - `levels`: nominal credibility levels; a level of 0.68 gives keys suffixed `68`.

    **Returns:**

    One dict per bin with `lo`, `hi`, `n` (cases in the bin) and, for each level,
    `coverage{L}` (fraction inside the central interval; NaN for an empty bin), `se{L}`
    (binomial standard error at the nominal level for `n` cases; NaN if empty) and
    `within_2se{L}` (|coverage - level| <= 2 se; False for an empty bin).
    """
    pit, values, edges = np.asarray(pit), np.asarray(values), np.asarray(edges, float)
    if pit.shape != values.shape:
        raise ValueError(f"pit {pit.shape} and values {values.shape} differ in shape")
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bin edges must be at least two increasing values, got {edges}")
    out = []
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        last = k == len(edges) - 2
        sel = (values >= lo) & ((values <= hi) if last else (values < hi))
        row = {"lo": float(lo), "hi": float(hi), "n": int(sel.sum())}
        for level in levels:
            tag = f"{round(100 * level)}"
            if row["n"] == 0:
                cov, se, ok = float("nan"), float("nan"), False
            else:
                cov, se = coverage_at(pit[sel], level), binomial_se(level, row["n"])
                ok = bool(abs(cov - level) <= 2.0 * se)
            row |= {f"coverage{tag}": cov, f"se{tag}": se, f"within_2se{tag}": ok}
        out.append(row)
    return out


def calibration_report(
    grid: GridPosterior, truth: Float[np.ndarray, "n 2"], box: ParameterBox, *, seed: int
) -> CalibrationReport:
    """Everything the paper asks of one likelihood's posteriors, on one held-out set.

    [`calibration_study`][] per parameter, with, for each parameter, its coverage in the
    four quarters of the Q0 range (`by_q0`) and of the a range (`by_a`), the joint
    [`tarp`][] test (`tarp`, reference points from `seed`) and which targets it meets
    ([`calibration_checks`][]).
    """
    study = _study(grid, truth, box, LEVELS, 10)
    per = {}
    for p in PARAMETERS:
        pit = np.asarray(study[p]["pit"])
        bins = {
            "by_q0": binned_coverage(pit, truth[:, 0], box.quarter_edges("q0")),
            "by_a": binned_coverage(pit, truth[:, 1], box.quarter_edges("a_au")),
        }
        per[p] = ParameterCalibration(
            **study[p], **{k: [CoverageBin(**row) for row in rows] for k, rows in bins.items()}
        )
    report = CalibrationReport(**per, tarp=TarpResult(**tarp(grid, truth, box, seed=seed)), checks={})
    return dataclasses.replace(report, checks=calibration_checks(report))


def parameter_checks(report: CalibrationReport, name: str, *, alpha: float = 0.05) -> dict[str, bool]:
    """The calibration targets for one parameter of one [`calibration_report`][].

    - `global`: 68% and 95% coverage within 2 binomial s.e. of the nominal levels;
    - `quarters`: the same in every quarter of the Q0 range;
    - `sbc`: the SBC uniformity test not rejected at level `alpha`.
    """
    r = report.parameter(name)
    n = len(r.pit)
    return {
        "global": all(
            abs(cov - lv) <= 2 * binomial_se(lv, n) for cov, lv in ((r.coverage68, 0.68), (r.coverage95, 0.95))
        ),
        "quarters": all(b.within_2se68 and b.within_2se95 for b in r.by_q0),
        "sbc": r.sbc_chi2_p > alpha,
    }


def calibration_checks(report: CalibrationReport, *, alpha: float = 0.05) -> dict[str, bool]:
    """The calibration targets for both parameters ([`parameter_checks`][], each check
    passed by both) and `tarp`: the joint TARP curve inside its simultaneous 95% band."""
    per = [parameter_checks(report, p, alpha=alpha) for p in PARAMETERS]
    return {k: all(c[k] for c in per) for k in per[0]} | {"tarp": bool(report.tarp.inside_band)}


def recommend(reports: Mapping[str, CalibrationReport]) -> str:
    """The likelihood to recommend: the one passing most [`calibration_checks`][], ties
    broken by the larger median contraction of a, then of Q0 (the most informative honest
    posterior). Returns its name."""

    def merit(name):
        r = reports[name]
        return (sum(calibration_checks(r).values()), r.a_au.contraction_median, r.q0.contraction_median)

    return max(reports, key=merit)
