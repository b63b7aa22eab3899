"""The campaign through the cache: resume, reruns that simulate nothing, growth."""

import numpy as np
import pytest

from clusteremu.config import load_config
from clusteremu.datasets.design import make_design
from clusteremu.datasets.table import dataset_to_csv
from clusteremu.simulation import campaign, worker
from clusteremu.simulation.cache import SimulationCache
from clusteremu.simulation.campaign import campaign_statistics, run_campaign
from clusteremu.simulation.simulate import SimulationSettings


@pytest.fixture(scope="module")
def setup(request):
    cfg = load_config(request.config.rootpath / "analysis" / "config" / "smoke.yaml")
    settings = SimulationSettings.from_config(cfg, n_stars=24, n_steps=100, n_energy_checks=2, t_end_yr=50.0)

    def design(points=7, realizations=2, added=0):
        return make_design(
            {
                **cfg.data,
                "design": {**cfg["design"], "n_points": points, "n_realizations": realizations, "added_points": added},
            }
        )

    return design, settings


def run(design, settings, cache, **kw):
    return run_campaign(design, settings, cache_root=cache, batch_size=4, energy_error_max=1e-3, **kw)


class Interrupt(Exception):
    pass


def test_interrupted_campaign_resumes_and_a_rerun_simulates_nothing(setup, tmp_path, monkeypatch):
    design, settings = setup
    full = run(design(), settings, tmp_path / "reference")
    assert full.n_simulated == 14 and full.n_cached == 0

    calls = []
    real = worker.run_task

    def flaky(*args):
        if len(calls) == 2:
            raise Interrupt
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(worker, "run_task", flaky)
    with pytest.raises(Interrupt):
        run(design(), settings, tmp_path / "cache")
    monkeypatch.setattr(worker, "run_task", real)
    resumed = run(design(), settings, tmp_path / "cache")
    assert (resumed.n_cached, resumed.n_simulated) == (8, 6), "two batches of 4 were kept, the rest ran"
    assert dataset_to_csv(resumed.columns) == dataset_to_csv(full.columns), "resumed equals uninterrupted"
    again = run(design(), settings, tmp_path / "cache")
    assert again.n_simulated == 0 and dataset_to_csv(again.columns) == dataset_to_csv(full.columns)


def test_growing_the_design_runs_only_the_new_simulations(setup, tmp_path):
    design, settings = setup
    base = run(design(), settings, tmp_path)
    more = run(design(realizations=3), settings, tmp_path)
    assert more.n_simulated == 7, "one new realization per point"
    added = run(design(realizations=3, added=3), settings, tmp_path)
    assert added.n_simulated == 9, "three added points, three realizations each"
    old = base.columns["realization"] < 2
    rows = np.isin(more.columns["seed"], base.columns["seed"][old])
    np.testing.assert_array_equal(more.columns["f_bound"][rows], base.columns["f_bound"])


def test_a_corrupted_entry_is_recomputed_not_read(setup, tmp_path):
    design, settings = setup
    d = design()
    first = run(d, settings, tmp_path)
    cache = SimulationCache(tmp_path, settings, campaign.device_batch_size(4))
    path = cache.path(int(d.seed[3]), float(d.q0[3]), float(d.a_au[3]))
    path.write_text(path.read_text().replace('"f_bound":', '"f_bound":1'))
    second = run(d, settings, tmp_path)
    assert second.n_simulated == 1
    assert dataset_to_csv(second.columns) == dataset_to_csv(first.columns)


def test_statistics_flag_and_count(setup, tmp_path):
    design, settings = setup
    cols = dict(run(design(), settings, tmp_path).columns)
    cols["flag_energy"] = np.zeros_like(cols["flag_energy"])
    cols["flag_energy"][0] = True
    stats = campaign_statistics(cols, 1e-3)
    assert stats["n_simulations"] == 14 and stats["n_flag_energy"] == 1
    assert stats["n_usable"] == 14 - 1 - int(cols["few_bound"][1:].sum())
    assert set(stats["noise_floor"]) == {"f_bound", "sigma_v_kms", "r_h_au"}
