"""The simulation cache: keys, integrity, and what it never touches."""

import json
import math

import pytest

from clusteremu.simulation import cache as simcache
from clusteremu.simulation.cache import RESULT_FIELDS, SimulationCache, simulator_code_sha256
from clusteremu.simulation.simulate import SimulationSettings
from tests.helpers import profile_settings

SETTINGS = profile_settings(
    "smoke", n_stars=24, t_end_yr=50.0, n_steps=100, n_energy_checks=2, min_bound_stars=5, force_precision="float64"
)
RESULT = {
    "f_bound": 0.5,
    "sigma_v_kms": math.nan,
    "r_h_au": 123.25,
    "n_bound": 12,
    "few_bound": True,
    "energy_error": 1.5e-7,
    "energy_error_final": 1e-7,
}


def test_round_trip_keeps_nan_and_exact_floats(tmp_path):
    cache = SimulationCache(tmp_path, SETTINGS, 4)
    assert cache.get(1, 0.7, 80.0) is None
    cache.put(1, 0.7, 80.0, RESULT)
    got = cache.get(1, 0.7, 80.0)
    assert set(got) == set(RESULT_FIELDS) and math.isnan(got["sigma_v_kms"])
    assert {k: v for k, v in got.items() if k != "sigma_v_kms"} == {
        k: v for k, v in RESULT.items() if k != "sigma_v_kms"
    }
    context = json.loads((cache.folder / "context.json").read_text())
    assert context["settings"] == SETTINGS.as_dict() and context["device_batch_size"] == 4


def test_key_depends_on_everything_that_determines_a_result(tmp_path, monkeypatch):
    base = SimulationCache(tmp_path, SETTINGS, 4)
    key = base.key(1, 0.7, 80.0)
    assert len({key, base.key(2, 0.7, 80.0), base.key(1, 0.7000001, 80.0), base.key(1, 0.7, 80.5)}) == 4
    other = SimulationSettings(**{**SETTINGS.as_dict(), "n_steps": 200})
    assert SimulationCache(tmp_path, other, 4).key(1, 0.7, 80.0) != key
    assert SimulationCache(tmp_path, SETTINGS, 8).key(1, 0.7, 80.0) != key, "another per-device compiled shape"
    monkeypatch.setattr(simcache, "simulator_code_sha256", lambda: "edited simulator")
    assert SimulationCache(tmp_path, SETTINGS, 4).key(1, 0.7, 80.0) != key


def test_simulator_code_hash_covers_the_simulator_and_only_it():
    from clusteremu.repro.depscan import PACKAGE_DIR, module_closure

    names = {p.name for p in module_closure(PACKAGE_DIR / "simulation" / "simulate.py", with_init=False)}
    assert {"simulate.py", "integrate.py", "energy.py", "plummer.py", "summaries.py", "units.py"} <= names
    assert not names & {"__init__.py", "plotting.py", "cli.py", "emulator.py", "campaign.py"}
    assert len(simulator_code_sha256()) == 64


@pytest.mark.parametrize("damage", ["truncate", "edit_value", "edit_inputs", "garbage"])
def test_damaged_entries_read_as_missing(tmp_path, damage):
    cache = SimulationCache(tmp_path, SETTINGS, 4)
    cache.put(1, 0.7, 80.0, RESULT)
    path = cache.path(1, 0.7, 80.0)
    raw = path.read_text()
    damaged = {
        "truncate": raw[: len(raw) // 2],
        "edit_value": raw.replace("123.25", "123.5"),
        "edit_inputs": raw.replace('"seed":1', '"seed":2'),
        "garbage": "\x00\x01",
    }[damage]
    assert damaged != raw
    path.write_text(damaged)
    assert cache.get(1, 0.7, 80.0) is None


def test_put_leaves_foreign_files_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    cache = SimulationCache(tmp_path, SETTINGS, 4)
    (cache.folder).mkdir(parents=True)
    (cache.folder / "other.bin").write_bytes(b"x")
    cache.put(1, 0.7, 80.0, RESULT)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (cache.folder / "other.bin").exists()
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file left behind"


def test_context_names_the_call_not_the_machine(tmp_path):
    """What must match for an entry to be reused: the per-device shape, the devices a call is
    sharded over and the backend; the worker's device count is not part of it."""
    context = SimulationCache(tmp_path, SETTINGS, 4).context
    assert set(context) == {"format", "simulator_code_sha256", "settings", "device_batch_size", "backend"}
    assert set(context["backend"]) == {"platform", "device_kind", "devices_per_call", "jax", "jaxlib"}
    import jax

    assert context["backend"]["devices_per_call"] == min(simcache.DEVICES_PER_CALL, len(jax.devices()))
