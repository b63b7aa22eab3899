import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.emulator import Emulator
from clusteremu.emulator_data import Normalizer
from clusteremu.ensemble_io import EnsembleFileError, ensemble_bytes, load_ensemble
from clusteremu.mlp import ensemble_apply, make_ensemble
from clusteremu.uncertainty import NoiseModel

NORM = Normalizer(np.array([1.0, 120.0]), np.array([0.3, 40.0]), np.array([0.6, 4.0, 400.0]), np.array([0.3, 2, 200]))


def header(sizes=(2, 8, 3), members=3):
    noise = NoiseModel(np.zeros((4, 2)), np.ones((4, 3)), 1.0)
    return {"sizes": list(sizes), "n_members": members, "normalizer": NORM.to_dict(), "outputs": ["a", "b", "c"],
            "domain": {"q0_min": 0.5, "q0_max": 1.5, "a_min_au": 50.0, "a_max_au": 200.0},
            "noise_model": noise.to_dict(), "calibration_scale": [1.0, 2.0, 0.0]}  # fmt: skip


def test_round_trip(tmp_path):
    ens = make_ensemble(3, (2, 8, 3), key=jax.random.key(0))
    path = tmp_path / "e.eqx"
    path.write_bytes(ensemble_bytes(ens, header()))
    back, norm, head = load_ensemble(path)
    x = jnp.ones((4, 2))
    np.testing.assert_array_equal(np.asarray(ensemble_apply(back, x)), np.asarray(ensemble_apply(ens, x)))
    assert norm.to_dict() == NORM.to_dict() and head["calibration_scale"] == [1.0, 2.0, 0.0]
    em = Emulator.load(path)
    p = em.predict(np.array([[1.0, 120.0], [2.0, 120.0]]))
    assert p.members.shape == (3, 2, 3)
    np.testing.assert_allclose(p.total_sd**2, em.scale**2 * p.ensemble_sd**2 + p.sim_sd**2)
    assert em.in_domain(np.array([[1.0, 120.0], [2.0, 120.0]])).tolist() == [True, False]


def test_mismatched_or_corrupted_files_are_refused(tmp_path):
    ens = make_ensemble(3, (2, 8, 3), key=jax.random.key(0))
    good = ensemble_bytes(ens, header())
    head, _, blob = good.partition(b"\n")
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    (tmp_path / "corrupt.eqx").write_bytes(head + b"\n" + bytes(flipped))
    with pytest.raises(EnsembleFileError, match="do not match the header"):
        load_ensemble(tmp_path / "corrupt.eqx")
    other = ensemble_bytes(make_ensemble(3, (2, 16, 3), key=jax.random.key(0)), header(sizes=(2, 8, 3)))
    (tmp_path / "mixed.eqx").write_bytes(other)
    with pytest.raises(EnsembleFileError, match="do not fit the architecture"):
        load_ensemble(tmp_path / "mixed.eqx")
    (tmp_path / "junk.eqx").write_bytes(b"hello\nworld")
    with pytest.raises(EnsembleFileError, match="not an ensemble file"):
        load_ensemble(tmp_path / "junk.eqx")
