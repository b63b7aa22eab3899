import numpy as np

from clusteremu.datasets.splits import Normalizer, SplitData, load_emulator_data
from clusteremu.datasets.table import dataset_to_csv


def synthetic_dataset(path, rng, shift=0.0):
    rows = []
    for p, split in enumerate(["train"] * 6 + ["validation"] * 2 + ["test"] * 2):
        q0, a = rng.uniform(0.5, 1.5), rng.uniform(50, 200)
        for r in range(3):
            off = shift if split != "train" else 0.0
            rows.append(
                (p, r, q0, a, split, p * 3 + r, 0.5 + off, 3.0 + off, 100.0 + off, 50, False, 1e-6, 1e-6, False)
            )
    names = [
        "point",
        "realization",
        "q0",
        "a_au",
        "split",
        "seed",
        "f_bound",
        "sigma_v_kms",
        "r_h_au",
        "n_bound",
        "few_bound",
        "energy_error",
        "energy_error_final",
        "flag_energy",
    ]
    cols = {n: np.array([row[i] for row in rows]) for i, n in enumerate(names)}
    cols["few_bound"][0] = True  # one excluded for too few bound stars
    cols["flag_energy"][1] = True  # one excluded for energy error
    path.write_text(dataset_to_csv(cols))
    return path


def test_flagged_rows_are_excluded_and_counted(tmp_path):
    data = load_emulator_data(synthetic_dataset(tmp_path / "d.csv", np.random.default_rng(0)))
    assert data.n_excluded_few_bound == 1 and data.n_excluded_energy == 1
    assert len(data.train.x) == 6 * 3 - 2
    assert len(data.validation.x) == 6 and len(data.test.x) == 6


def test_normalization_ignores_validation_and_test_data(tmp_path):
    a = load_emulator_data(synthetic_dataset(tmp_path / "a.csv", np.random.default_rng(1)))
    b = load_emulator_data(synthetic_dataset(tmp_path / "b.csv", np.random.default_rng(1), shift=1000.0))
    assert not np.allclose(a.test.y, b.test.y), "the held-out data really differ"
    na, nb = Normalizer.fit(a.train), Normalizer.fit(b.train)
    for field in ("x_mean", "x_std", "y_mean", "y_std"):
        np.testing.assert_array_equal(getattr(na, field), getattr(nb, field))


def test_normalizer_round_trip():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(50, 2)) * [1, 100], rng.normal(size=(50, 3)) * [0.1, 2, 300] + 5
    n = Normalizer.fit(SplitData(x, y, np.arange(50)))
    np.testing.assert_allclose(n.y_to_unit(y).std(0, ddof=1), 1.0)
    np.testing.assert_allclose(n.y_from_unit(n.y_to_unit(y)), y)


def test_point_statistics_per_design_point():
    x = np.repeat(np.array([[1.0, 100.0], [1.2, 60.0], [0.7, 80.0]]), [3, 2, 1], axis=0)
    y = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 5.0], [2.0, 2.0, 4.0], [0.0, 1.0, 1.0], [2.0, 3.0, 3.0], [9.0, 9.0, 9.0]])
    stats = SplitData(x, y, np.array([0, 0, 0, 1, 1, 2])).point_statistics()
    assert stats.count.tolist() == [3, 2], "a point with one realization has no scatter"
    np.testing.assert_allclose(stats.mean, [[2.0, 2.0, 4.0], [1.0, 2.0, 2.0]])
    np.testing.assert_allclose(stats.sd[0], [1.0, 0.0, 1.0])
