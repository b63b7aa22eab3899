import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.config import load_config
from clusteremu.simulation.integrate import accelerations
from clusteremu.simulation.simulate import SimulationSettings
from clusteremu.simulation.validation import energy_history, momentum_drift, reversibility_error, two_body_errors
from clusteremu.units import G


# N = 64 runs the dense force kernel (the profiles' N), N = 257 the tiled one (two blocks).
@pytest.fixture(scope="module", params=[("float64", 64), ("float32", 64), ("float64", 257), ("float32", 257)])
def settings(request):
    root = request.config.rootpath
    cfg = load_config(root / "analysis" / "config" / "smoke.yaml")
    force_dtype, n = request.param
    return SimulationSettings.from_config(
        cfg, n_stars=n, t_end_yr=100.0, n_steps=400, n_energy_checks=4, force_precision=force_dtype
    )


@pytest.mark.parametrize("n", [30, 64])  # the tiled and the dense kernel
@pytest.mark.parametrize(("force_dtype", "rtol"), [("float64", 1e-10), ("float32", 2e-5)])
def test_accelerations_match_naive_sum(force_dtype, rtol, n):
    rng = np.random.default_rng(0)
    pos, m, eps = rng.normal(size=(3, n)) * 50 + 3000.0, rng.uniform(0.1, 2, n), 2.0  # far from the origin
    naive = np.zeros((3, n))
    for i in range(n):
        for j in range(n):
            d = pos[:, j] - pos[:, i]
            naive[:, i] += G * m[j] * d / (d @ d + eps**2) ** 1.5
    got = np.asarray(accelerations(jnp.asarray(pos), m, eps, force_dtype))
    assert got.dtype == np.float64
    scale = np.abs(naive).max()
    np.testing.assert_allclose(got, naive, rtol=rtol, atol=rtol * scale)


# (a in AU, step counts) where the coarsest step resolves the closest encounters: at N = 257
# and a = 50 AU it does not (both kernels alike, to 8 digits); at N = 64 and a = 150 AU the
# float32 force's rounding (~1e-8) reaches the truncation error of the finest step.
RESOLVED = {64: (50.0, (1600, 3200, 6400)), 257: (150.0, (800, 1600, 3200))}


def test_energy_error_is_second_order(settings):
    a_au, steps = RESOLVED[settings.n_stars]
    errs = []
    for n_steps in steps:
        _, err = energy_history(0.5, a_au, settings, seed=12, n_steps=n_steps, n_checks=4)
        errs.append(err.max())
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    assert np.all((ratios > 3.0) & (ratios < 5.5)), f"halving dt changed the error by {ratios}"
    assert errs[-1] < 1e-5


def test_momentum_is_conserved(settings):
    assert momentum_drift(1.2, 60.0, settings, seed=5) < 1e-12


def test_time_reversible(settings):
    assert reversibility_error(0.8, 70.0, settings, seed=6, n_steps=200) < 1e-8


@pytest.mark.parametrize("force_dtype", ["float64", "float32"])
def test_two_body_orbit_matches_kepler(force_dtype):
    _, perr_coarse, eerr = two_body_errors(dt=0.02, n_orbits=2, force_dtype=force_dtype)
    _, perr_fine, _ = two_body_errors(dt=0.01, n_orbits=2, force_dtype=force_dtype)
    assert perr_fine.max() < 5e-3
    assert perr_coarse.max() / perr_fine.max() == pytest.approx(4.0, rel=0.2)
    assert eerr.max() < 1e-3
