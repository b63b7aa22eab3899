"""When a NUTS posterior counts as healthy, and what a run does when it does not: in NumPy only.

- The targets ([`RHAT_MAX`][], [`ESS_MIN`][]) are constants, so that the sampler
  ([`clusteremu.inference.sampling`][]) and the text that states them
  ([`clusteremu.paper.findings`][]) read the same numbers.
- The diagnostics are those of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021,
  *Bayesian Analysis* 16, 667): rank-normalized split R-hat ([`rhat`][]) and the bulk and
  tail effective sample sizes ([`ess_bulk`][], [`ess_tail`][]). They follow ArviZ's
  implementation step by step (`arviz.rhat`, `arviz.ess(method="bulk" | "tail")`; the
  tests hold them to it within 1e-10 on several chains) without importing ArviZ or SciPy's
  stats module, which cost the command line about 3 s per call: the inverse normal CDF is
  `statistics.NormalDist`'s (Wichura's AS241, within 2e-15 of SciPy's `ndtri`).
- The Monte Carlo error of a posterior sd ([`mcse_sd`][]) is ArviZ's
  (`arviz.mcse(method="sd")`): from the ESS of the squared deviations, not a Gaussian's
  1/sqrt(2 ESS), which understates it when the tails are heavy or mix slowly.
- A run that misses a target continues the same chains ([`continue_chains`][]), with the
  settings of [`nuts_settings`][].

Nothing here imports JAX, NumPyro or equinox, so that `clusteremu infer --method nuts`
runs its stored sampler ([`clusteremu.cli.programs`][]) without them.
"""

from __future__ import annotations

import numpy as np

from ..prior import PARAMETERS

__all__ = [
    "ESS_MIN",
    "RHAT_MAX",
    "continue_chains",
    "diagnostics",
    "ess_bulk",
    "ess_tail",
    "mcse_sd",
    "mixed",
    "nuts_healthy",
    "nuts_settings",
    "rhat",
]

#: Diagnostic thresholds a NUTS run must meet (Vehtari et al. 2021): rank-normalized R-hat
#: below `RHAT_MAX`, bulk and tail effective sample sizes above `ESS_MIN`, and no divergence.
RHAT_MAX, ESS_MIN = 1.01, 400


def _valid(draws: np.ndarray, min_chains: int) -> bool:
    """ArviZ's shape and NaN check: at least `min_chains` chains of 4 draws, no NaN."""
    return draws.shape[0] >= min_chains and draws.shape[1] >= 4 and not np.isnan(draws).any()


def _split_chains(draws: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as separate chains (the middle draw of an odd count is dropped)."""
    half = draws.shape[1] // 2
    return np.vstack((draws[:, :half], draws[:, -half:]))


def _z_scale(x: np.ndarray) -> np.ndarray:
    """Rank-normalized values: the normal quantiles of the pooled ranks (ties averaged),
    with Blom's offset 3/8, as `scipy.stats.rankdata` and `norm.ppf` compute them."""
    from statistics import NormalDist  # 30 ms; SciPy's stats module costs 0.6 s

    flat = x.ravel()
    order = np.argsort(flat, kind="mergesort")
    ordered = flat[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = np.cumsum(new)
    bounds = np.r_[np.nonzero(new)[0], new.size]
    ranks = np.empty(flat.size)
    ranks[order] = 0.5 * (bounds[dense] + bounds[dense - 1] + 1)
    p = (ranks - 3 / 8) / (flat.size - 2 * 3 / 8 + 1)
    inv_cdf = NormalDist().inv_cdf
    return np.array([inv_cdf(v) for v in p.tolist()]).reshape(x.shape)


def _rhat(x: np.ndarray) -> float:
    """Split R-hat of already split chains: between- against within-chain variance."""
    n = x.shape[1]
    between = n * np.var(x.mean(axis=1), ddof=1)
    within = np.mean(np.var(x, axis=1, ddof=1))
    return float(np.sqrt((between / within + n - 1) / n))


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariance of each chain at every lag (FFT, zero-padded to at least twice the length)."""
    n = x.shape[1]
    m = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(x - x.mean(axis=1, keepdims=True), n=m, axis=1)
    return np.fft.irfft(f * np.conjugate(f), n=m, axis=1)[:, :n] / n


def _ess(x: np.ndarray) -> float:
    """Effective sample size of chains `x` (chains, draws): Geyer's initial positive and
    initial monotone sequences on the multi-chain autocorrelation (Vehtari et al. 2021, eq. 10)."""
    x = np.asarray(x, dtype=float)
    if np.max(x) - np.min(x) < np.finfo(float).resolution:
        return float(x.size)
    chains, n = x.shape
    acov = _autocov(x)
    mean_var = np.mean(acov[:, 0]) * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus += np.var(x.mean(axis=1), ddof=1)
    rho = np.zeros(n)
    rho_even, rho_odd = 1.0, 1.0 - (mean_var - np.mean(acov[:, 1])) / var_plus
    rho[0], rho[1] = rho_even, rho_odd
    t = 1
    while t < n - 3 and rho_even + rho_odd > 0.0:
        rho_even = 1.0 - (mean_var - np.mean(acov[:, t + 1])) / var_plus
        rho_odd = 1.0 - (mean_var - np.mean(acov[:, t + 2])) / var_plus
        if rho_even + rho_odd >= 0:
            rho[t + 1], rho[t + 2] = rho_even, rho_odd
        t += 2
    max_t = t - 2
    if rho_even > 0:
        rho[max_t + 1] = rho_even
    t = 1
    while t <= max_t - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    tau = -1.0 + 2.0 * np.sum(rho[: max_t + 1]) + np.sum(rho[max_t + 1 : max_t + 2])
    tau = max(tau, 1 / np.log10(chains * n))
    return float("nan") if np.isnan(rho).any() else float(chains * n / tau)


def rhat(draws: np.ndarray) -> float:
    """Rank-normalized split R-hat of one parameter's draws, shape `(chains, draws)`: the
    larger of the bulk (rank-normalized) and tail (folded about the median) split R-hats.
    NaN for fewer than 2 chains or 4 draws, or any NaN draw."""
    draws = np.asarray(draws, dtype=float)
    if not _valid(draws, min_chains=2):
        return float("nan")
    split = _split_chains(draws)
    bulk = _rhat(_z_scale(split))
    tail = _rhat(_z_scale(np.abs(split - np.median(split))))
    return max(bulk, tail)


def ess_bulk(draws: np.ndarray) -> float:
    """Bulk effective sample size of one parameter's draws `(chains, draws)`: the ESS of
    the rank-normalized split chains. NaN for fewer than 4 draws or any NaN draw."""
    draws = np.asarray(draws, dtype=float)
    if not _valid(draws, min_chains=1):
        return float("nan")
    return _ess(_z_scale(_split_chains(draws)))


def ess_tail(draws: np.ndarray) -> float:
    """Tail effective sample size of one parameter's draws `(chains, draws)`: the smaller
    ESS of the indicators of lying below the 5% and the 95% quantile (type 7, as R's and
    NumPy's default) in split chains. NaN for fewer than 4 draws or any NaN draw."""
    draws = np.asarray(draws, dtype=float)
    if not _valid(draws, min_chains=1):
        return float("nan")
    return min(_ess(_split_chains(draws <= np.quantile(draws, p))) for p in (0.05, 0.95))


def mcse_sd(draws: np.ndarray) -> float:
    """Monte Carlo standard error of the sd estimated from one parameter's draws
    `(chains, draws)`, in the parameter's units: the delta method on the variance, whose
    error uses the ESS of the squared deviations in split chains. NaN for fewer than 4 draws
    or any NaN draw."""
    draws = np.asarray(draws, dtype=float)
    if not _valid(draws, min_chains=1):
        return float("nan")
    squares = (draws - draws.mean()) ** 2
    variance = squares.mean()
    var_of_variance = ((squares**2).mean() - variance**2) / _ess(_split_chains(squares))
    return float(np.sqrt(var_of_variance / variance / 4))


def diagnostics(draws: np.ndarray) -> dict[str, dict[str, float]]:
    """R-hat, bulk and tail ESS and the sd's Monte Carlo error of each parameter of `draws`
    (chains, draws, parameters), by name ([`clusteremu.prior.PARAMETERS`][])."""
    return {
        p: {
            "r_hat": rhat(draws[..., j]),
            "ess_bulk": ess_bulk(draws[..., j]),
            "ess_tail": ess_tail(draws[..., j]),
            "mcse_sd": mcse_sd(draws[..., j]),
        }
        for j, p in enumerate(PARAMETERS)
    }


def mixed(diag: dict) -> bool:
    """Whether R-hat and both effective sample sizes meet their targets for every parameter
    (`diag`: per parameter name `r_hat`, `ess_bulk`, `ess_tail`, unrounded; other keys ignored)."""
    return all(
        diag[p]["r_hat"] < RHAT_MAX and diag[p]["ess_bulk"] > ESS_MIN and diag[p]["ess_tail"] > ESS_MIN
        for p in PARAMETERS
    )


def nuts_healthy(row: dict) -> bool:
    """Whether a run passes every diagnostic, on unrounded numbers (`row`: its
    `divergences` and, per parameter, the [`diagnostics`][])."""
    return row["divergences"] == 0 and mixed(row)


def continue_chains(more, obs, state, kept, extensions: int) -> tuple[tuple[np.ndarray, ...], int]:
    """The chains continued while R-hat or an effective sample size misses its target and
    no transition diverged, at most `extensions` times; every draw is kept.

    `kept`: the first run's `(draws, diverging, num_steps)`, shapes (chains, samples, ...);
    `more(obs, state)`: the sampler's continuation, returning the new state and the next
    `kept`. Returns the kept arrays, concatenated along the draws, and how many times the
    chains were continued.
    """
    kept, n = tuple(map(np.asarray, kept)), 0
    while n < extensions and not kept[1].any() and not mixed(diagnostics(kept[0])):
        state, out = more(obs, state)
        kept, n = tuple(np.concatenate([a, np.asarray(b)], axis=1) for a, b in zip(kept, out, strict=True)), n + 1
    return kept, n


def nuts_settings(inference: dict) -> dict:
    """The sampler's settings (chains, warm-up, draws, extensions) of a profile's
    `inference` section, as [`run_nuts`][clusteremu.inference.sampling.run_nuts] takes them."""
    return {
        "chains": inference["nuts_chains"],
        "warmup": inference["nuts_warmup"],
        "samples": inference["nuts_samples"],
        "extensions": inference["nuts_extensions"],
    }
