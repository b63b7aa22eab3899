"""The emulator file: a lossless round trip, and clear refusals of anything else."""

import dataclasses
import json

import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.emulators.mean_ensemble import Emulator, read_header
from clusteremu.emulators.modelfile import EnsembleFileError, _checksum
from tests.helpers import make_tiny_emulator


def test_round_trip_predicts_identically(tmp_path, tiny_emulator):
    path = tmp_path / "e.eqx"
    path.write_bytes(tiny_emulator.to_bytes({"epochs_run": 7}))
    back = Emulator.load(path)
    x = np.array([[1.0, 120.0], [2.0, 120.0]])
    a, b = tiny_emulator.predict(x), back.predict(x)
    for field in ("mean", "ensemble_sd", "sim_sd", "total_sd", "members"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert back.domain == tiny_emulator.domain and back.outputs == tiny_emulator.outputs
    np.testing.assert_array_equal(np.asarray(back.residual_cov), np.asarray(tiny_emulator.residual_cov))
    assert read_header(path)["info"] == {"epochs_run": 7}
    assert b.members.shape == (3, 2, 3)
    assert back.in_domain(x).tolist() == [True, False]


def test_predictive_variance_is_composed_once(tiny_emulator):
    p = tiny_emulator.predict(np.array([[0.9, 100.0], [1.2, 150.0]]))
    np.testing.assert_allclose(p.total_sd**2, np.asarray(tiny_emulator.scale) ** 2 * (p.ensemble_sd**2 + p.sim_sd**2))
    raw = tiny_emulator.predict(np.array([[0.9, 100.0]]), calibrated=False)
    np.testing.assert_allclose(raw.total_sd**2, raw.ensemble_sd**2 + raw.sim_sd**2)


def test_corrupted_mixed_or_foreign_files_are_refused(tmp_path, tiny_emulator):
    good = tiny_emulator.to_bytes()
    head, _, blob = good.partition(b"\n")
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    (tmp_path / "corrupt.eqx").write_bytes(head + b"\n" + bytes(flipped))
    with pytest.raises(EnsembleFileError, match="do not match its checksum"):
        Emulator.load(tmp_path / "corrupt.eqx")
    other_head, _, other_blob = make_tiny_emulator(hidden=8).to_bytes().partition(b"\n")
    (tmp_path / "mixed.eqx").write_bytes(head + b"\n" + other_blob)
    with pytest.raises(EnsembleFileError, match="do not match its checksum"):
        Emulator.load(tmp_path / "mixed.eqx")
    lying = json.loads(other_head) | {"sizes": [2, 16, 3]}
    lying["sha256"] = _checksum(lying, other_blob)  # consistent checksum, wrong architecture
    (tmp_path / "lying.eqx").write_bytes(json.dumps(lying).encode() + b"\n" + other_blob)
    with pytest.raises(EnsembleFileError, match="do not fit the architecture"):
        Emulator.load(tmp_path / "lying.eqx")
    (tmp_path / "junk.eqx").write_bytes(b"hello\nworld")
    with pytest.raises(EnsembleFileError, match="not an emulator file"):
        Emulator.load(tmp_path / "junk.eqx")
    (tmp_path / "old.eqx").write_bytes(b'{"format": "clusteremu.ensemble/1"}\n')
    with pytest.raises(EnsembleFileError, match="format 'clusteremu.ensemble/1'"):
        Emulator.load(tmp_path / "old.eqx")
    with pytest.raises(EnsembleFileError, match="cannot read"):
        Emulator.load(tmp_path / "absent.eqx")


def test_an_edited_header_or_an_older_format_is_refused_with_the_refit_command(tmp_path, tiny_emulator):
    head, _, blob = tiny_emulator.to_bytes().partition(b"\n")
    header = json.loads(head)
    wider = header | {"domain": header["domain"] | {"q0_max": 5.0}}  # widen the box: predict would not flag Q0 = 5
    (tmp_path / "edited.eqx").write_bytes(json.dumps(wider).encode() + b"\n" + blob)
    with pytest.raises(
        EnsembleFileError, match="header or arrays do not match its checksum.*refit it with `make paper"
    ):
        Emulator.load(tmp_path / "edited.eqx")
    old = header | {"format": "clusteremu.emulator/2"}  # before the checksum covered the header
    (tmp_path / "old.eqx").write_bytes(json.dumps(old).encode() + b"\n" + blob)
    with pytest.raises(EnsembleFileError, match="format 'clusteremu.emulator/2', expected .*refit it with"):
        Emulator.load(tmp_path / "old.eqx")


def test_inconsistent_widths_are_refused(tiny_emulator):
    # Refused by the shape annotations under the test-time type checker, else by __check_init__.
    with pytest.raises((ValueError, TypeError), match="one entry per output|outputs"):
        dataclasses.replace(tiny_emulator, scale=jnp.ones(2))
