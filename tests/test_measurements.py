"""Stored wall-time measurements (`clusteremu.repro.measurements`): reused for the same code,
inputs and machine, taken again otherwise, never read when damaged, and carried by the cache's
archive (not the measurement-noise model, which is `test_measurement.py`)."""

import hashlib
import json

import pytest

from clusteremu.repro import measurements as ms
from clusteremu.simulation import cache_archive as ca

RECORD = {
    "script": {"path": "analysis/80_costs.py", "sha256": "0" * 64},
    "inputs": [{"path": "data/x/flow.eqx", "sha256": "1" * 64}],
    "git": {"commit": "abc"},
}


class Timer:
    """A stand-in measurement that counts how often it ran and returns a new value each time."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"seconds": 0.1 * self.calls}


def test_the_same_record_on_the_same_machine_reuses_the_measurement(tmp_path):
    store, timer = ms.MeasurementStore(tmp_path), Timer()
    first, reused = ms.reuse_or_measure(store, RECORD, timer, environ={})
    assert (reused, timer.calls, first["seconds"]) == (False, 1, 0.1) and "measured_utc" in first
    again, reused = ms.reuse_or_measure(store, {**RECORD, "git": {"commit": "def"}}, timer, environ={})
    assert (reused, timer.calls, again) == (True, 1, first), "another commit of the same code reuses it"
    edited = {**RECORD, "inputs": [{"path": "data/x/flow.eqx", "sha256": "2" * 64}]}
    other, reused = ms.reuse_or_measure(store, edited, timer, environ={})
    assert (reused, timer.calls, other["seconds"]) == (False, 2, 0.2), "another model is measured again"


def test_another_machine_measures_again(tmp_path, monkeypatch):
    store, timer = ms.MeasurementStore(tmp_path), Timer()
    ms.reuse_or_measure(store, RECORD, timer, environ={})
    real = ms.machine_description()
    monkeypatch.setattr(ms, "machine_description", lambda: {**real, "cores": real["cores"] + 1})
    assert ms.reuse_or_measure(store, RECORD, timer, environ={})[1] is False and timer.calls == 2


def test_remeasure_replaces_the_stored_measurement_and_a_bad_value_is_refused_first(tmp_path):
    store, timer = ms.MeasurementStore(tmp_path), Timer()
    ms.reuse_or_measure(store, RECORD, timer, environ={})
    new, reused = ms.reuse_or_measure(store, RECORD, timer, environ={ms.REMEASURE_VARIABLE: "1"})
    assert (reused, new["seconds"]) == (False, 0.2)
    assert ms.reuse_or_measure(store, RECORD, timer, environ={})[0] == new, "the new one replaced the old"
    with pytest.raises(ValueError, match="CLUSTEREMU_REMEASURE='yes' is not allowed; allowed: 1"):
        ms.reuse_or_measure(store, RECORD, timer, environ={ms.REMEASURE_VARIABLE: "yes"})
    assert timer.calls == 2, "refused before measuring"


def _stored(tmp_path):
    files = [p for p in (tmp_path / ms.FOLDER).rglob("*.json")]
    assert len(files) == 1
    return files[0]


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.replace(b'"seconds":0.1', b'"seconds":0.01'),  # the value edited
        lambda d: d[:-5],  # a torn write
        lambda d: json.dumps(json.loads(d), indent=1).encode(),  # not canonical
    ],
)
def test_a_damaged_measurement_is_not_read(tmp_path, edit):
    store, timer = ms.MeasurementStore(tmp_path), Timer()
    ms.reuse_or_measure(store, RECORD, timer, environ={})
    path = _stored(tmp_path)
    path.write_bytes(edit(path.read_bytes()))
    assert ms.measurement_problem(path.stem, path.read_bytes()) is not None
    assert ms.reuse_or_measure(store, RECORD, timer, environ={})[1] is False and timer.calls == 2


def test_the_archive_carries_measurements_and_keeps_a_local_one(tmp_path):
    sender, receiver = tmp_path / "sender", tmp_path / "receiver"
    store, timer = ms.MeasurementStore(sender), Timer()
    sent, _ = ms.reuse_or_measure(store, RECORD, timer, environ={})
    out = ca.export_cache(sender, tmp_path / "a.tar.gz")
    assert (out["entries"], out["contexts"], out["measurements"], out["skipped"]) == (0, 0, 1, [])
    got = ca.import_cache(tmp_path / "a.tar.gz", receiver)
    assert (got["added"], got["measurements_added"]) == (0, 1)
    reused = ms.reuse_or_measure(ms.MeasurementStore(receiver), RECORD, timer, environ={})
    assert reused == (sent, True) and timer.calls == 1, "the fresh clone reuses the sender's measurement"
    # A receiver that measured itself keeps its own; the archive is not refused for that.
    ms.reuse_or_measure(ms.MeasurementStore(receiver), RECORD, timer, environ={ms.REMEASURE_VARIABLE: "1"})
    own = _stored(receiver).read_bytes()
    assert ca.import_cache(tmp_path / "a.tar.gz", receiver)["measurements_added"] == 0
    assert _stored(receiver).read_bytes() == own


def test_a_tampered_measurement_is_left_out_of_an_export_and_refused_in_an_archive(tmp_path):
    sender = tmp_path / "sender"
    ms.reuse_or_measure(ms.MeasurementStore(sender), RECORD, Timer(), environ={})
    name, data = _stored(sender).relative_to(sender).as_posix(), _stored(sender).read_bytes()
    edited = data.replace(b'"seconds":0.1', b'"seconds":0.01')
    _stored(sender).write_bytes(edited)
    assert ca.export_cache(sender, tmp_path / "a.tar.gz")["skipped"] == [name]
    # The same edit inside an archive whose manifest hash was recomputed: refused on import.
    manifest = {"format": ca.FORMAT, "files": {name: hashlib.sha256(edited).hexdigest()}}
    (tmp_path / "b.tar.gz").write_bytes(ca._tar_bytes({ca.MANIFEST: json.dumps(manifest).encode(), name: edited}))
    with pytest.raises(ca.ArchiveError, match="its content does not match its hash"):
        ca.import_cache(tmp_path / "b.tar.gz", tmp_path / "receiver")
    assert not (tmp_path / "receiver").exists()
