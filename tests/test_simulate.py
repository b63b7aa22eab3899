import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from clusteremu.simulation.simulate import SimulationSettings, simulate_batch, simulate_one
from tests.helpers import profile_settings

SETTINGS = profile_settings(
    "smoke", n_stars=32, t_end_yr=50.0, n_steps=200, n_energy_checks=4, min_bound_stars=5, force_precision="float64"
)
SEEDS, Q0, A = np.array([3, 4, 5, 6]), np.array([0.6, 0.9, 1.2, 1.5]), np.array([60.0, 90.0, 120.0, 150.0])


def test_batch_equals_single_and_is_deterministic():
    batch = simulate_batch(SEEDS, Q0, A, SETTINGS)
    again = simulate_batch(SEEDS, Q0, A, SETTINGS)
    np.testing.assert_array_equal(batch.summary.f_bound, again.summary.f_bound)
    one = simulate_one(Q0[2], A[2], SETTINGS, key=jax.random.key(SEEDS[2]))
    assert float(one.summary.f_bound) == batch.summary.f_bound[2]
    np.testing.assert_allclose(float(one.summary.r_h_au), batch.summary.r_h_au[2], rtol=1e-9)
    assert np.all(batch.energy_error < 1e-2)


def test_kroupa_masses_run():
    s = SimulationSettings(**{**SETTINGS.as_dict(), "mass_function": "kroupa2001"})
    out = simulate_batch(SEEDS, Q0, A, s, keep_state=True)
    masses = out.state["masses"]
    assert masses.shape == (4, 32) and len(np.unique(masses[0])) > 20
    assert out.state["pos0"].shape == (4, 3, 32)


@pytest.mark.slow
def test_sharded_over_two_cpu_devices_gives_the_same_answer(tmp_path):
    code = f"""
import json, numpy as np, jax
import clusteremu
from clusteremu.simulation.simulate import SimulationSettings, simulate_batch
from tests.helpers import profile_settings
assert len(jax.devices()) == 2, jax.devices()
s = SimulationSettings(**json.loads('{json.dumps(SETTINGS.as_dict())}'))
out = simulate_batch(np.array({SEEDS.tolist()}), np.array({Q0.tolist()}), np.array({A.tolist()}), s)
print(json.dumps(out.summary.r_h_au.tolist()))
"""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    sharded = np.array(json.loads(proc.stdout.strip().splitlines()[-1]))
    local = simulate_batch(SEEDS, Q0, A, SETTINGS).summary.r_h_au
    np.testing.assert_allclose(sharded, local, rtol=1e-9)
