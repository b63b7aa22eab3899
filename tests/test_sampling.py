"""NUTS through the compiled sampler, checked against the exact grid posterior."""

import jax
import numpy as np
import pytest
from numpyro.infer.util import potential_energy

from clusteremu.evaluation import study
from clusteremu.evaluation.reports import NutsCheck, from_jsonable
from clusteremu.inference.gaussian import Likelihood
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.model import cluster_model
from clusteremu.inference.sampling import NutsResult, nuts_healthy, nuts_settings, run_nuts, sampler_check
from tests.helpers import numpyro_keys


def constant(em, sigma):
    sigma = np.asarray(sigma)
    return Likelihood(em, "constant", sigma, np.diag(sigma**2))


def synthetic(em, sigma, n, seed):
    theta = em.domain.draw(n, seed=seed)
    mean = em.predict(theta).mean
    return theta, mean + np.random.default_rng(seed).normal(size=mean.shape) * sigma


def test_nuts_agrees_with_the_grid_and_reports_diagnostics(tiny_emulator):
    sigma = np.array([0.05, 0.5, 30.0])
    like = constant(tiny_emulator, sigma)
    _, obs = synthetic(tiny_emulator, sigma, 1, seed=5)
    grid = grid_posterior(like, obs, n_grid=120)
    with numpyro_keys():
        row, draws, seconds = sampler_check(
            like, obs[0], grid, 0, key=jax.random.key(0), chains=2, warmup=300, samples=600
        )
    assert draws.shape == (1200, 2) and seconds > 0
    for p in ("q0", "a_au"):
        r = row[p]
        assert r["nuts_mean"] == pytest.approx(r["grid_mean"], abs=0.15 * r["grid_sd"])
        assert r["nuts_sd"] == pytest.approx(r["grid_sd"], rel=0.15)
    assert row["healthy"] == nuts_healthy(row)
    with numpyro_keys():
        again = run_nuts(like, obs[0], key=jax.random.key(0), chains=2, warmup=300, samples=600)
    np.testing.assert_array_equal(again.draws.reshape(-1, 2), draws), "same key, same draws"
    sick = row | {"divergences": 1}
    assert not nuts_healthy(sick)
    slow = row | {"q0": row["q0"] | {"r_hat": 1.0100001}}
    assert not nuts_healthy(slow), "1.0100001 fails R-hat < 1.01 even though it rounds to 1.010"


def test_sampler_uses_the_numpyro_models_potential(tiny_emulator):
    """The compiled sampler runs on the model's own potential: same priors, transforms, likelihood."""
    like = Likelihood.of(tiny_emulator, "fullcov")
    obs = np.array([0.6, 5.0, 400.0])
    z = {"q0": 0.3, "a_au": -0.7}  # unconstrained coordinates of the box (logits)
    u = 1 / (1 + np.exp(-np.array([z["q0"], z["a_au"]])))
    theta = tiny_emulator.domain.low + u * (tiny_emulator.domain.high - tiny_emulator.domain.low)
    m = like.forward(theta[None])
    log_like = float(like.distribution(m.mean[0], m.total_var[0]).log_prob(obs))
    log_jacobian = float(np.sum(np.log(u * (1 - u) * (tiny_emulator.domain.high - tiny_emulator.domain.low))))
    log_prior = -float(np.sum(np.log(tiny_emulator.domain.high - tiny_emulator.domain.low)))
    expected = -(log_like + log_prior + log_jacobian)
    assert float(potential_energy(cluster_model, (like,), {"obs": obs}, z)) == pytest.approx(expected, rel=1e-9)


def test_inference_data_keeps_chains_and_divergences():
    result = NutsResult(np.zeros((3, 10, 2)), np.zeros((3, 10), bool), np.ones((3, 10), int))
    idata = result.to_inference_data()
    assert idata.posterior["q0"].shape == (3, 10) and "diverging" in idata.sample_stats


def test_runs_missing_a_diagnostic_target_continue_the_same_chains(tiny_emulator):
    """100 draws cannot reach an ESS of 400: the run continues, up to its limit, and keeps its first draws."""
    like = constant(tiny_emulator, np.array([0.05, 0.5, 30.0]))
    _, obs = synthetic(tiny_emulator, np.array([0.05, 0.5, 30.0]), 1, seed=6)
    kw = {"key": jax.random.key(3), "chains": 2, "warmup": 100, "samples": 50}
    with numpyro_keys():
        short = run_nuts(like, obs[0], **kw)
        longer = run_nuts(like, obs[0], extensions=2, **kw)
    assert short.extensions == 0 and longer.extensions == 2
    assert longer.draws.shape == (2, 150, 2) and longer.num_steps.shape == longer.diverging.shape == (2, 150)
    np.testing.assert_array_equal(longer.draws[:, :50], short.draws)
    assert not np.array_equal(longer.draws[:, 50:100], longer.draws[:, 100:])
    assert nuts_settings({"nuts_chains": 4, "nuts_warmup": 10, "nuts_samples": 20, "nuts_extensions": 1}) == {
        "chains": 4,
        "warmup": 10,
        "samples": 20,
        "extensions": 1,
    }


def test_the_studys_nuts_rows_do_not_depend_on_how_many_run_at_once(tiny_emulator, monkeypatch):
    """The inference study's rows, sampled one and two at a time from worker threads, are
    those of `sampler_check` called in turn (continuations included: 100 draws per chain
    miss the ESS target, so the chains continue)."""
    sigma = np.array([0.05, 0.5, 30.0])
    like = constant(tiny_emulator, sigma)
    _, obs = synthetic(tiny_emulator, sigma, 3, seed=6)
    grid = grid_posterior(like, obs, n_grid=40)
    keys = jax.random.split(jax.random.key(2), 4)
    sampler, indices = dict(chains=2, warmup=100, samples=100, extensions=1), [2, 0, 1]
    # NumPyro's multi-chain start trips the key-reuse check, and the worker threads do not
    # see the calling thread's context that suspends it: suspend it for the whole process.
    jax.config.update("jax_debug_key_reuse", False)
    try:
        in_turn = [sampler_check(like, obs[i], grid, i, key=keys[k], **sampler)[0] for k, i in enumerate(indices)]
        assert any(row["extensions"] for row in in_turn), "the continuation ran"
        for n in (1, 2):
            monkeypatch.setattr(study, "concurrent_runs", lambda n=n: n)
            rows, seconds = study._nuts_rows(like, obs, grid, indices, sampler, keys)
            assert rows == [from_jsonable(NutsCheck, row) for row in in_turn] and len(seconds) == 3
    finally:
        jax.config.update("jax_debug_key_reuse", True)
