import numpy as np
import pytest

from clusteremu.datasets.table import COLUMNS, DatasetError, dataset_to_csv, read_dataset, usable


def columns(n=4):
    rng = np.random.default_rng(0)
    cols = {
        "point": np.arange(n) // 2,
        "realization": np.arange(n) % 2,
        "q0": rng.uniform(0.5, 1.5, n),
        "a_au": rng.uniform(50, 200, n),
        "split": np.array(["train", "train", "test", "test"][:n]),
        "seed": rng.integers(0, 2**32, n),
        "f_bound": rng.uniform(size=n),
        "sigma_v_kms": rng.uniform(1, 5, n),
        "r_h_au": rng.uniform(50, 500, n),
        "n_bound": rng.integers(0, 100, n),
        "few_bound": np.zeros(n, bool),
        "energy_error": rng.uniform(0, 1e-5, n),
        "energy_error_final": rng.uniform(0, 1e-5, n),
        "flag_energy": np.zeros(n, bool),
    }
    cols["few_bound"][1], cols["sigma_v_kms"][1], cols["r_h_au"][1] = True, np.nan, np.nan
    cols["flag_energy"][2] = True
    return cols


def test_round_trip_is_exact_and_byte_stable(tmp_path):
    cols = columns()
    path = tmp_path / "d.csv"
    path.write_text(dataset_to_csv(cols))
    back = read_dataset(path)
    assert list(back) == list(COLUMNS)
    for name, values in cols.items():
        np.testing.assert_array_equal(back[name], values)  # floats round-trip exactly, NaN included
    assert dataset_to_csv(back) == path.read_text()
    assert usable(back).tolist() == [True, False, False, True]


def test_wrong_files_are_refused(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DatasetError, match="not a simulation dataset"):
        read_dataset(tmp_path / "x.csv")
    cols = columns()
    del cols["seed"]
    with pytest.raises(DatasetError, match="lacks columns seed"):
        dataset_to_csv(cols)
