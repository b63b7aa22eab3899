import numpy as np
import pytest

from clusteremu import campaign
from clusteremu.campaign import dataset_to_csv, read_dataset, run_campaign, usable
from clusteremu.config import load_config
from clusteremu.design import make_design
from clusteremu.simulate import SimulationSettings


@pytest.fixture(scope="module")
def setup(request):
    cfg = load_config(request.config.rootpath / "analysis" / "config" / "smoke.yaml")
    data = {**cfg.data, "design": {**cfg["design"], "n_points": 7, "n_realizations": 2}}
    design = make_design(data)
    settings = SimulationSettings.from_config(cfg, n_stars=24, n_steps=100, n_energy_checks=2, t_end_yr=50.0)
    return design, settings


class Interrupt(Exception):
    pass


def test_resume_does_not_redo_or_duplicate_work(setup, tmp_path, monkeypatch):
    design, settings = setup
    ckpt = tmp_path / "ckpt"
    full = run_campaign(design, settings, batch_size=4, energy_error_max=1e-3, checkpoints=tmp_path / "ref")

    calls = []
    real = campaign._run_batch

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(campaign, "_run_batch", counting)
    done = []

    def stop_after_two(n):
        done.append(n)
        if len(done) == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_campaign(design, settings, batch_size=4, energy_error_max=1e-3, checkpoints=ckpt, progress=stop_after_two)
    assert len(calls) == 2
    resumed = run_campaign(design, settings, batch_size=4, energy_error_max=1e-3, checkpoints=ckpt)
    assert len(calls) == 4, "14 rows in batches of 4: two batches redone would make 6 calls"
    assert dataset_to_csv(resumed) == dataset_to_csv(full)
    assert len(resumed["seed"]) == design.seed.size

    other = SimulationSettings(**{**settings.as_dict(), "n_steps": 50, "n_energy_checks": 1})
    run_campaign(design, other, batch_size=4, energy_error_max=1e-3, checkpoints=ckpt)
    assert len(calls) == 8, "checkpoints of other settings must not be reused"
    assert len(list(ckpt.iterdir())) == 1, "stale checkpoint folders are removed"

    monkeypatch.setattr(campaign, "library_sha256", lambda: "other simulator code")
    run_campaign(design, other, batch_size=4, energy_error_max=1e-3, checkpoints=ckpt)
    assert len(calls) == 12, "checkpoints of other library code must not be reused"


def test_dataset_round_trip_and_flags(setup, tmp_path):
    design, settings = setup
    cols = run_campaign(design, settings, batch_size=8, energy_error_max=1e-9, checkpoints=tmp_path / "c")
    assert cols["flag_energy"].all(), "a tiny threshold flags every simulation"
    path = tmp_path / "d.csv"
    path.write_text(dataset_to_csv(cols))
    back = read_dataset(path)
    assert dataset_to_csv(back) == path.read_text()
    np.testing.assert_array_equal(back["r_h_au"], cols["r_h_au"])
    assert not usable(back).any()
