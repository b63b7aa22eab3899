import numpy as np

from clusteremu.campaign import dataset_to_csv
from clusteremu.emulator_data import Normalizer, load_emulator_data


def synthetic_dataset(path, rng, shift=0.0):
    rows = []
    for p, split in enumerate(["train"] * 6 + ["validation"] * 2 + ["test"] * 2):
        q0, a = rng.uniform(0.5, 1.5), rng.uniform(50, 200)
        for r in range(3):
            off = shift if split != "train" else 0.0
            rows.append(
                (p, r, q0, a, split, p * 3 + r, 0.5 + off, 3.0 + off, 100.0 + off, 50, False, 1e-6, 1e-6, False)
            )
    names = ["point", "realization", "q0", "a_au", "split", "seed", "f_bound", "sigma_v_kms", "r_h_au",
             "n_bound", "few_bound", "energy_error", "energy_error_final", "flag_energy"]  # fmt: skip
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
    assert na.to_dict() == nb.to_dict()


def test_normalizer_round_trip():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(50, 2)) * [1, 100], rng.normal(size=(50, 3)) * [0.1, 2, 300] + 5
    from clusteremu.emulator_data import SplitData

    n = Normalizer.fit(SplitData(x, y, np.arange(50)))
    np.testing.assert_allclose(n.y_to_unit(y).std(0, ddof=1), 1.0)
    np.testing.assert_allclose(n.y_from_unit(n.y_to_unit(y)), y)
    assert Normalizer.from_dict(n.to_dict()).to_dict() == n.to_dict()
