"""NUTS diagnostics in NumPy: ArviZ's rank-normalized R-hat and bulk/tail ESS, and the continuation rule."""

import warnings

import numpy as np
import pytest

from clusteremu.inference import health
from clusteremu.prior import PARAMETERS


def ar1(rng, chains: int, n: int, phi: float) -> np.ndarray:
    """Autocorrelated chains: x_t = phi x_{t-1} + e_t."""
    e = rng.normal(size=(chains, n))
    x = np.zeros((chains, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


def chain_sets():
    """Independent, autocorrelated, unmixed (chains offset), tied (rounded) and heavy-tailed
    draws, for even and odd lengths and one to eight chains."""
    rng = np.random.default_rng(7)
    for chains, n in [(1, 50), (2, 200), (3, 501), (4, 1000), (8, 37)]:
        yield f"normal {chains}x{n}", rng.normal(size=(chains, n))
        yield f"ar1 {chains}x{n}", ar1(rng, chains, n, 0.9)
        yield f"unmixed {chains}x{n}", rng.normal(size=(chains, n)) + 0.4 * np.arange(chains)[:, None]
        yield f"ties {chains}x{n}", np.round(rng.normal(size=(chains, n)), 1)
        yield f"cauchy {chains}x{n}", rng.standard_cauchy(size=(chains, n))


@pytest.mark.parametrize(("name", "draws"), list(chain_sets()), ids=lambda v: v if isinstance(v, str) else "")
def test_diagnostics_equal_arviz(name, draws):
    az = pytest.importorskip("arviz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ArviZ warns about a single chain
        expected = (
            az.rhat(draws),
            az.ess(draws, method="bulk"),
            az.ess(draws, method="tail"),
            az.mcse(draws, method="sd"),
        )
    got = (health.rhat(draws), health.ess_bulk(draws), health.ess_tail(draws), health.mcse_sd(draws))
    for e, g in zip(expected, got, strict=True):
        if np.isnan(e):
            assert np.isnan(g), name
        else:
            assert g == pytest.approx(float(e), rel=1e-10, abs=0), name


def test_the_diagnostics_see_what_they_should():
    """Known answers: independent chains mix, offset chains do not, autocorrelation costs ESS."""
    rng = np.random.default_rng(3)
    iid = rng.normal(size=(4, 1000))
    assert health.rhat(iid) < 1.01 and health.ess_bulk(iid) == pytest.approx(4000, rel=0.15)
    offset = iid + np.arange(4)[:, None]
    assert health.rhat(offset) > 1.5
    slow = ar1(rng, 4, 1000, 0.9)  # ESS of an AR(1) mean: n (1 - phi) / (1 + phi) = 4000 / 19 = 210
    assert 100 < health.ess_bulk(slow) < 400
    assert health.ess_bulk(np.ones((2, 10))) == 20, "constant chains: every draw counts"
    # The sd of n independent Gaussian draws has a standard error of sd / sqrt(2 n); heavy
    # tails (Student's t, 5 degrees of freedom: kurtosis 9) make it larger.
    assert health.mcse_sd(iid) == pytest.approx(1 / np.sqrt(2 * 4000), rel=0.15)
    heavy = rng.standard_t(5, size=(4, 1000))
    assert health.mcse_sd(heavy) > 1.5 * heavy.std() / np.sqrt(2 * 4000)


@pytest.mark.parametrize(
    ("draws", "why"),
    [(np.zeros((1, 100)), "one chain"), (np.zeros((2, 3)), "three draws"), (np.full((2, 100), np.nan), "NaN")],
)
def test_undefined_diagnostics_are_nan(draws, why):
    rng = np.random.default_rng(0)
    x = draws + (rng.normal(size=draws.shape) if why != "NaN" else 0)
    assert np.isnan(health.rhat(x)), why
    if why != "one chain":
        assert np.isnan(health.ess_bulk(x)) and np.isnan(health.ess_tail(x)), why


def sampler(rng, diverge_at: int | None = None):
    """A fake continuation: independent draws (2 chains x 50 per call), diverging on call `diverge_at`."""
    calls = []

    def more(obs, state):
        calls.append(state)
        draws = rng.normal(size=(2, 50, 2))
        diverging = np.zeros((2, 50), bool)
        if len(calls) == diverge_at:
            diverging[0, 0] = True
        return state + 1, (draws, diverging, np.ones((2, 50), int))

    return more, calls


def test_runs_missing_a_target_continue_until_the_limit_keeping_every_draw():
    rng = np.random.default_rng(1)
    more, calls = sampler(rng)
    _, first = more(None, 0)
    calls.clear()
    kept, n = health.continue_chains(more, None, 0, first, 3)
    assert n == 3 and calls == [0, 1, 2], "200 draws per chain: never an ESS of 400 for 2 chains"
    assert kept[0].shape == (2, 200, 2) and kept[1].shape == kept[2].shape == (2, 200)
    np.testing.assert_array_equal(kept[0][:, :50], first[0])
    assert health.continue_chains(more, None, 0, first, 0)[1] == 0


def test_divergences_and_healthy_runs_stop_the_continuation():
    rng = np.random.default_rng(2)
    more, calls = sampler(rng, diverge_at=2)
    _, first = more(None, 0)
    kept, n = health.continue_chains(more, None, 0, first, 5)
    assert n == 1 and kept[1].any(), "a divergence ends it: more draws cannot fix the geometry"
    healthy = (rng.normal(size=(4, 1000, 2)), np.zeros((4, 1000), bool), np.ones((4, 1000), int))
    diag = health.diagnostics(healthy[0])
    assert set(diag) == set(PARAMETERS) and health.mixed(diag)
    assert health.continue_chains(more, None, 0, healthy, 5)[1] == 0
    assert health.nuts_healthy({"divergences": 0, **diag}) and not health.nuts_healthy({"divergences": 1, **diag})
