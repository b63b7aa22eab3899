"""The force kernels: which runs where, the tiled kernel's physics, and the profiles' bits.

The tiled kernel sums in another order than the dense one, so it must never run for the
profiles' N (every cached simulation and every number of the paper depends on the dense
kernel's exact sums), its forces must meet the same contract (float64 agreement to
float32 rounding, zero net force), and its simulations must behave like the dense
kernel's (energy error, summaries) and not depend on the device count.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.repro.depscan import PACKAGE_DIR, module_closure
from clusteremu.simulation import forces
from clusteremu.simulation.energy import pair_inverse_distances, potential_energy
from clusteremu.simulation.forces import (
    BLOCK_PAIRS,
    accelerations,
    dense_accelerations,
    force_kernel,
    tile_size,
    tiled_accelerations,
)
from clusteremu.simulation.integrate import leapfrog
from clusteremu.simulation.simulate import simulate_one
from clusteremu.simulation.validation import cluster_state
from clusteremu.simulation.worker import simulate_shards
from clusteremu.units import G
from tests.helpers import profile_settings

PROFILES = ("smoke", "paper")


def direct_sum(pos, masses, eps):
    """a_i = G sum_j m_j d_ij / (|d_ij|^2 + eps^2)^1.5 in float64 NumPy, pair by pair in j."""
    d = pos[:, None, :] - pos[:, :, None]  # d[:, i, j] = x_j - x_i
    r2 = np.sum(d**2, axis=0) + eps**2
    np.fill_diagonal(r2, np.inf)
    return np.sum(G * masses[None, None, :] * d / r2[None] ** 1.5, axis=2)


def off_centre_cluster(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, n)) * 50 + 3000.0, rng.uniform(0.1, 2.0, n), 2.0  # far from the origin


#: N of a tiled-kernel run in the tests: two blocks, the second padded by one star.
TILED_N = 257


def test_profiles_run_the_dense_kernel():
    for name in PROFILES:
        n = profile_settings(name).n_stars
        assert force_kernel(n) == "dense", f"profile {name} (N = {n}) would change kernel, and every number"
    # ... and so does the validation's two-body orbit (N = 2), whose errors the paper reports
    kernels = {n: force_kernel(n) for n in (1, 2, 3, 63, 64, 100, 101)}
    assert kernels == {1: "tiled", 2: "dense", 3: "tiled", 63: "tiled", 64: "dense", 100: "dense", 101: "tiled"}
    assert force_kernel(TILED_N) == "tiled" and tile_size(TILED_N) == 129


def test_tile_size_is_the_fewest_equal_blocks_within_the_budget():
    for n in range(1, 2049):
        tile = tile_size(n)
        blocks = -(-n // tile)
        assert tile * n <= BLOCK_PAIRS and blocks * tile - n < blocks, n  # within budget, padding < 1 per block
        assert blocks == 1 or -(-n // (blocks - 1)) * n > BLOCK_PAIRS, n  # the fewest blocks
    assert tile_size(10_000) == 32


def test_the_cache_context_covers_the_kernel_choice():
    """The kernel is a function of N (in the settings) and of constants in forces.py, whose
    source is hashed into every cache context: entries of different kernels never mix."""
    closure = module_closure(PACKAGE_DIR / "simulation" / "simulate.py", with_init=False)
    assert Path(forces.__file__).resolve() in {Path(p).resolve() for p in closure}


def absolute_sum(pos, masses, eps):
    """sum_j |each pair term| of `direct_sum`, per star and component: what rounding scales with."""
    d = pos[:, None, :] - pos[:, :, None]
    r2 = np.sum(d**2, axis=0) + eps**2
    np.fill_diagonal(r2, np.inf)
    return np.sum(G * masses[None, None, :] * np.abs(d) / r2[None] ** 1.5, axis=2)


@pytest.mark.parametrize("force_dtype", ["float64", "float32"])
@pytest.mark.parametrize(("n", "tile"), [(333, None), (333, 32), (1000, None), (200, 64), (7, None)])
def test_tiled_matches_float64_direct_sum(n, tile, force_dtype):
    """Within the error bound of summing the n pair terms in float32 in any order (Higham 2002,
    eq. 4.4: |error| <= gamma_(n-1) sum_j |term_j|, gamma_k = k u / (1 - k u)), with a few more
    units of roundoff per term for the term itself (separation, rsqrt, products). The order is
    XLA's and depends on the host CPU: an empirical tolerance set on one CPU failed on another."""
    pos, m, eps = off_centre_cluster(n)
    got = np.asarray(jax.jit(lambda p, m: tiled_accelerations(p, m, eps, force_dtype, tile))(pos, m))
    want = direct_sum(pos, m, eps)
    assert got.dtype == np.float64 and got.shape == (3, n)
    if force_dtype == "float64":
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())
    else:
        k = (n + 8) * np.finfo(np.float32).eps / 2  # (n - 1) summation steps, up to 9 roundings per term
        np.testing.assert_array_less(np.abs(got - want), k / (1 - k) * absolute_sum(pos, m, eps))


@pytest.mark.parametrize("force_dtype", ["float64", "float32"])
def test_tiled_net_force_is_zero(force_dtype):
    pos, m, eps = off_centre_cluster(333, seed=1)
    acc = np.asarray(tiled_accelerations(pos, m, eps, force_dtype))
    assert np.abs(acc @ m).max() < 1e-14 * np.abs(acc).max() * m.sum()


def test_tiled_softening_zero_runs_unsoftened_and_a_traced_zero_fails_loudly():
    """Lengths are scaled by the softening: a softening of 0 given as a number runs the
    unsoftened sum; a traced one (never 0 in a simulation) gives NaN, not a wrong force."""
    pos, m, _ = off_centre_cluster(5, seed=4)
    np.testing.assert_allclose(tiled_accelerations(pos, m, 0.0), direct_sum(pos, m, 0.0), rtol=1e-12)
    traced = jax.jit(lambda eps: tiled_accelerations(pos, m, eps))(0.0)
    assert np.all(np.isnan(traced))


def test_kernels_agree_either_side_of_the_dense_range():
    """At and beyond the ends of DENSE_N both kernels give the float64 forces to float32 rounding."""
    for n in (63, 64, 100, 101):
        pos, m, eps = off_centre_cluster(n, seed=2)
        want = direct_sum(pos, m, eps)
        for kernel in (dense_accelerations, tiled_accelerations, accelerations):
            np.testing.assert_allclose(kernel(pos, m, eps, "float32"), want, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("n", [64, TILED_N + 76])
def test_potential_and_inverse_distances_match_numpy(n):
    pos, m, eps = off_centre_cluster(n, seed=3)
    d = pos[:, None, :] - pos[:, :, None]
    inverse = 1 / np.sqrt(np.sum(d**2, axis=0) + eps**2)
    np.fill_diagonal(inverse, 0.0)
    np.testing.assert_allclose(pair_inverse_distances(jnp.asarray(pos), eps), inverse, rtol=1e-13, atol=0)
    assert float(potential_energy(pos, m, eps)) == pytest.approx(-0.5 * G * m @ inverse @ m, rel=1e-13)


def _run(settings, kernel, seed, n_steps):
    """The profile's leapfrog of one cluster with `kernel` forced (a fresh trace)."""
    masses, pos, vel, eps = cluster_state(0.8, 80.0, settings, seed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(forces, "DENSE_N", range(10**9) if kernel == "dense" else range(0))
        run = jax.jit(lambda p, v: leapfrog(p, v, masses, eps, settings.dt_yr, n_steps, 4, settings.force_precision))
        x, v, energies = run(pos, vel)
    w0 = abs(float(potential_energy(pos, masses, eps)))
    return np.asarray(x), np.asarray(v), masses, np.abs(np.asarray(energies) - float(energies[0])) / w0


def test_tiled_run_conserves_momentum_and_energy_like_the_dense_one():
    s = profile_settings("paper", n_stars=TILED_N)
    dense = _run(s, "dense", seed=4, n_steps=400)
    tiled = _run(s, "tiled", seed=4, n_steps=400)
    masses, _, vel0, _ = cluster_state(0.8, 80.0, s, 4)
    p0, scale = np.asarray(vel0) @ masses, np.sum(masses * np.linalg.norm(vel0, axis=0))
    for _, v, m, _ in (dense, tiled):
        assert np.linalg.norm(v @ m - p0) < 1e-12 * scale
    err_dense, err_tiled = dense[3].max(), tiled[3].max()
    assert err_tiled < 1e-4
    assert 0.9 < err_tiled / err_dense < 1.1, (err_dense, err_tiled)
    # The same orbits to the rounding both make: far closer than the cluster's size (80 AU).
    assert np.abs(tiled[0] - dense[0]).max() < 0.01


@pytest.mark.slow
def test_tiled_summaries_agree_with_the_dense_ones():
    """16 smoke-profile clusters of N = 257 from the same initial states with each
    kernel: chaos turns the kernels' last bits into other realizations, so the paired
    differences of the summaries are noise centred on zero."""
    s = profile_settings("smoke", n_stars=TILED_N)
    seeds, q0, a = np.arange(16), np.linspace(0.5, 1.5, 16), np.linspace(50.0, 200.0, 16)
    summaries = {}
    for kernel in ("dense", "tiled"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(forces, "DENSE_N", range(10**9) if kernel == "dense" else range(0))
            run = jax.jit(jax.vmap(lambda seed, q, a: simulate_one(q, a, s, key=jax.random.key(seed)).summary))
            out = run(seeds, q0, a)
        summaries[kernel] = np.column_stack([out.f_bound, out.sigma_v_kms, out.r_h_au])
    diffs = summaries["tiled"] - summaries["dense"]
    assert np.all(np.isfinite(diffs)) and np.any(diffs != 0)
    mean, se = diffs.mean(axis=0), diffs.std(axis=0, ddof=1) / np.sqrt(len(diffs))
    assert np.all(np.abs(mean) <= 4 * se), (mean, se)


# Campaign outputs pinned before the tiled kernel existed (commit e42b056, JAX 0.10.2 on the
# 2-core AMD EPYC development machine): SHA-256 of the worker's results for 8 simulations
# of each profile, called exactly as the campaign calls them (2 shards of 4 over 2 devices).
PINNED = {
    "smoke": "87262bbec2d30359683293f4bc01221cb67d450efe64e59dbdbaac25f1801559",
    "paper": "8e00ca8b23c9e322dac324697d020f7c3def3372169f24d972f946d59ab1596d",
}


def _pinned_machine() -> bool:
    try:
        cpu = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return jax.__version__ == "0.10.2" and "AMD EPYC" in cpu and " avx512f " in cpu and len(jax.devices()) >= 2


@pytest.mark.slow
@pytest.mark.skipif(not _pinned_machine(), reason="bits pinned on JAX 0.10.2, AMD EPYC with AVX-512, 2 devices")
@pytest.mark.parametrize("profile", PROFILES)
def test_profile_simulations_are_bitwise_unchanged(profile):
    seeds, q0, a = np.arange(100, 108), np.linspace(0.5, 1.5, 8), np.linspace(50.0, 200.0, 8)
    results = simulate_shards(seeds, q0, a, profile_settings(profile), 4, 2)
    assert hashlib.sha256(json.dumps(results).encode()).hexdigest() == PINNED[profile]


@pytest.mark.slow
def test_tiled_simulations_do_not_depend_on_the_device_count():
    code = f"""
import json, jax, numpy as np
from clusteremu.simulation.simulate import SimulationSettings, simulate_one
from clusteremu.simulation.worker import simulate_shards
assert len(jax.devices()) == 4, jax.devices()
s = SimulationSettings(**json.loads('{json.dumps(_tiny_tiled().as_dict())}'))
print(json.dumps(simulate_shards(np.arange(3), np.full(3, 0.9), np.full(3, 90.0), s, 2, 2)))
"""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    here = simulate_shards(np.arange(3), np.full(3, 0.9), np.full(3, 90.0), _tiny_tiled(), 2, 2)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == here


def _tiny_tiled():
    return profile_settings("smoke", n_stars=TILED_N, n_steps=40, t_end_yr=10.0, n_energy_checks=2)
