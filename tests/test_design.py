import numpy as np
import pytest

from clusteremu.config import load_config
from clusteremu.datasets.design import SPLITS, assign_splits, latin_hypercube, make_design, read_design


def test_latin_hypercube_one_point_per_stratum():
    bounds = np.array([[0.5, 1.5], [50.0, 200.0]])
    n = 37
    pts = latin_hypercube(n, bounds, seed=4)
    assert pts.shape == (n, 2)
    for j in range(2):
        lo, hi = bounds[j]
        strata = np.floor((pts[:, j] - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n)), f"column {j} is not a Latin hypercube"


def test_split_proportions_and_randomness():
    fr = {"train": 0.7, "validation": 0.15, "test": 0.15}
    labels = assign_splits(200, fr, seed=1)
    assert {s: int((labels == s).sum()) for s in SPLITS} == {"train": 140, "validation": 30, "test": 30}
    assert not np.array_equal(labels, assign_splits(200, fr, seed=2))


def test_too_small_design_is_refused():
    with pytest.raises(ValueError, match="no training point"):
        assign_splits(2, {"train": 0.7, "validation": 0.15, "test": 0.15}, seed=0)


@pytest.fixture
def smoke(root):
    return load_config(root / "analysis" / "config" / "smoke.yaml")


def test_realizations_share_their_point_and_split(smoke):
    d = make_design(smoke)
    m = smoke["design"]["n_realizations"]
    assert d.q0.size == smoke["design"]["n_points"] * m
    for p in np.unique(d.point):
        rows = d.point == p
        assert rows.sum() == m
        assert len(set(d.split[rows])) == 1, "one design point spread over several splits"
        assert np.ptp(d.q0[rows]) == 0 and np.ptp(d.a_au[rows]) == 0
    assert len(set(d.seed.tolist())) == d.seed.size, "simulation seeds must be distinct"


def test_design_inside_domain_and_deterministic(smoke):
    d1, d2 = make_design(smoke), make_design(smoke)
    dom = smoke["domain"]
    assert dom["q0_min"] <= d1.q0.min() and d1.q0.max() <= dom["q0_max"]
    assert dom["a_min_au"] <= d1.a_au.min() and d1.a_au.max() <= dom["a_max_au"]
    assert d1.to_csv() == d2.to_csv()


def _with(smoke, **design):
    return make_design({**smoke.data, "design": {**smoke["design"], **design}})


def test_growing_the_design_moves_no_point_and_no_seed(smoke):
    base = _with(smoke)
    more = _with(smoke, n_realizations=5)
    np.testing.assert_array_equal(base.points().q0, more.points().q0)
    np.testing.assert_array_equal(base.points().split, more.points().split)
    old = more.realization < smoke["design"]["n_realizations"]
    np.testing.assert_array_equal(more.seed[old], base.seed), "existing simulations keep their seeds"
    added = _with(smoke, added_points=6)
    n = smoke["design"]["n_points"]
    assert added.points().q0.size == n + 6
    np.testing.assert_array_equal(added.points().q0[:n], base.points().q0)
    np.testing.assert_array_equal(added.seed[: base.seed.size], base.seed)
    assert set(added.points().split[n:]) <= {"train", "validation", "test"}
    assert len(set(added.seed.tolist())) == added.seed.size


def test_csv_round_trip(smoke):
    d = make_design(smoke)
    back = read_design(d.to_csv())
    assert back.to_csv() == d.to_csv()
    with pytest.raises(ValueError, match="must have columns"):
        read_design("x,y\n1,2\n")


def test_truth_design_is_interior_and_dense(smoke):
    from clusteremu.datasets.design import truth_design

    cfg = {**smoke.data, "truth": {"seed": 5, "n_points": 6, "n_realizations": 10, "interior_fraction": 0.5}}
    d = truth_design(cfg)
    dom = smoke["domain"]
    span = dom["q0_max"] - dom["q0_min"]
    assert d.q0.min() >= dom["q0_min"] + 0.25 * span and d.q0.max() <= dom["q0_max"] - 0.25 * span
    assert len(d.seed) == 60 and len(set(d.seed.tolist())) == 60 and set(d.split) == {"truth"}
    assert np.array_equal(truth_design(cfg).seed, d.seed)
