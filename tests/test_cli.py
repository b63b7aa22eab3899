"""Every subcommand of `clusteremu`: help, success, and each refusal with its exit code."""

import json

import numpy as np
import pytest

from clusteremu.cli import main
from tests.conftest import numpyro_keys

SUBCOMMANDS = ("audit", "simulate", "predict", "infer")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def data(tmp_path_factory, tiny_emulator, tiny_learned):
    """A profile's model folder: both ensembles and the coverage study's recommendation."""
    path = tmp_path_factory.mktemp("cli")
    (path / "emulator.eqx").write_bytes(tiny_emulator.to_bytes())
    (path / "learned.eqx").write_bytes(tiny_learned.to_bytes())
    study = {"recommended": "learned+selection", "measurement": {"likelihood": "learned"}}
    (path / "inference.json").write_text(json.dumps(study))
    return path


@pytest.fixture(scope="module")
def model(data):
    return data / "emulator.eqx"


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"] if command else ["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage: clusteremu" in out
    if command is None:
        assert all(c in out for c in SUBCOMMANDS)


def test_no_or_unknown_subcommand_is_a_usage_error(capsys):
    for argv in ([], ["render"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
    assert "invalid choice: 'render'" in capsys.readouterr().err


def test_simulate_prints_summaries_and_saves_state(capsys, tmp_path, root):
    argv = [
        "simulate",
        "--q0",
        0.9,
        "--a",
        120,
        "--seed",
        3,
        "--n-stars",
        16,
        "--t-end",
        5,
        "--profile",
        "smoke",
        "--root",
        root,
    ]
    code, out, _ = run(capsys, *argv, "--json", "--save-state", tmp_path / "s.npz")
    assert code == 0
    result = json.loads(out)
    assert result["settings"]["n_stars"] == 16 and 0 <= result["f_bound"] <= 1
    with np.load(tmp_path / "s.npz") as state:
        assert state["pos0"].shape == (3, 16) and float(state["q0"]) == 0.9
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "energy error" in out and "f_bound" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--q0", 2.0, "--a", 100, "--seed", 1],
            "--q0 2 is outside the domain of profile 'smoke'; allowed: 0.5 to 1.5",
        ),
        (["--q0", 1.0, "--a", 10, "--seed", 1], "--a 10 AU is outside the domain"),
        (["--q0", 1.0, "--a", 100, "--seed", -1], "--seed -1 is not allowed"),
        (["--q0", 1.0, "--a", 100, "--seed", 1, "--n-stars", 3], "--n-stars 3 is not allowed; allowed: >= 10"),
        (["--q0", 1.0, "--a", 100, "--seed", 1, "--t-end", -5], "--t-end -5 is not allowed"),
        (["--q0", "nan", "--a", 100, "--seed", 1], "--q0 nan is outside the domain"),
    ],
)
def test_simulate_refusals(capsys, root, extra, message):
    code, out, err = run(capsys, "simulate", *extra, "--profile", "smoke", "--root", root)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_unknown_profile_is_refused_by_every_subcommand(capsys, root, model):
    for argv in (
        ["simulate", "--q0", 1, "--a", 100, "--seed", 1],
        ["predict", "--q0", 1, "--a", 100, "--model", model],
        ["infer", "--f-bound", 0.5, "--sigma-v", 3, "--r-h", 200, "--data", model.parent],
        ["audit"],
    ):
        code, _, err = run(capsys, *argv, "--profile", "nope", "--root", root)
        assert code == 2 and "unknown profile 'nope'; allowed:" in err and "smoke" in err


def test_predict_inside_and_outside_the_domain(capsys, root, model):
    base = ["predict", "--model", model, "--profile", "smoke", "--root", root]
    code, out, _ = run(capsys, *base, "--q0", 0.9, "--a", 120, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["extrapolated"] is False and set(result) >= {"f_bound", "sigma_v_kms", "r_h_au"}
    assert result["f_bound"]["predictive_sd"] > 0 and "ensemble_sd" in result["f_bound"]
    code, out, _ = run(capsys, *base, "--q0", 0.9, "--a", 120)
    assert code == 0 and "predictive sd for one new simulation" in out
    code, out, err = run(capsys, *base, "--q0", 1.7, "--a", 120)
    assert code == 2 and "outside the training domain" in err and "--allow-extrapolation" in err
    code, out, _ = run(capsys, *base, "--q0", 1.7, "--a", 120, "--allow-extrapolation")
    assert code == 0 and "EXTRAPOLATED" in out
    code, _, err = run(capsys, *base, "--q0", "inf", "--a", 120)
    assert code == 2 and "must be finite numbers" in err


def test_predict_defaults_to_the_learned_ensemble_with_physical_intervals(capsys, root, data, tmp_path):
    (tmp_path / "data" / "smoke").mkdir(parents=True)
    (tmp_path / "data" / "smoke" / "learned.eqx").write_bytes((data / "learned.eqx").read_bytes())
    (tmp_path / "analysis" / "config").mkdir(parents=True)
    (tmp_path / "analysis" / "config" / "smoke.yaml").write_text((root / "analysis/config/smoke.yaml").read_text())
    code, out, _ = run(capsys, "predict", "--q0", 1.4, "--a", 60, "--profile", "smoke", "--root", tmp_path, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["model"].endswith("learned.eqx")
    lo, hi = result["f_bound"]["interval95"]
    assert 0 <= lo <= result["f_bound"]["mean"] <= hi <= 1
    assert result["r_h_au"]["interval95"][0] > 0


def test_missing_or_damaged_model_is_refused(capsys, root, tmp_path):
    base = ["--profile", "smoke", "--root", root, "--q0", 1, "--a", 100]
    code, _, err = run(capsys, "predict", *base, "--model", tmp_path / "absent.eqx")
    assert code == 2 and "no trained emulator at" in err and "make paper PROFILE=smoke" in err
    (tmp_path / "junk.eqx").write_bytes(b"not a model")
    code, _, err = run(capsys, "predict", *base, "--model", tmp_path / "junk.eqx")
    assert code == 2 and "not an emulator file" in err


@pytest.mark.parametrize(
    ("obs", "extra", "message"),
    [
        ([1.2, 3.0, 200.0], [], "--f-bound 1.2 is impossible; allowed: a fraction in [0, 1]"),
        ([0.5, -3.0, 200.0], [], "--sigma-v -3 is impossible; allowed: a positive number"),
        ([0.5, 3.0, 0.0], [], "--r-h 0 is impossible"),
        ([0.5, "nan", 200.0], [], "observations must be finite numbers"),
        ([0.5, 3.0, 200.0], ["--likelihood", "fulcov"], "--likelihood 'fulcov'; allowed: recommended, constant"),
        ([0.5, 3.0, 200.0], ["--likelihood", "constant", "--sigma", 0.1, 0, 10], "--sigma needs three positive"),
        ([0.5, 3.0, 200.0], ["--sigma", 0.1, 1, 10], "--sigma fixes the widths of the constant likelihood"),
        ([0.5, 3.0, 200.0], ["--obs-sd", 0.1, -1, 10], "--obs-sd needs three non-negative numbers"),
        ([0.5, 3.0, 200.0], ["--likelihood", "gp"], "the 'gp' likelihood needs"),
        ([0.5, 3.0, 200.0], ["--likelihood", "flow", "--obs-sd", 0.1, 1, 10], "has no measurement-error model"),
    ],
)
def test_infer_refusals(capsys, root, data, obs, extra, message):
    f, s, r = obs
    argv = ["infer", "--f-bound", f, "--sigma-v", s, "--r-h", r, *extra, "--data", data, "--profile", "smoke"]
    code, out, err = run(capsys, *argv, "--root", root)
    assert code == 2 and message in err and "Traceback" not in err


def test_infer_without_a_coverage_study_needs_a_named_likelihood(capsys, root, tmp_path, model):
    (tmp_path / "emulator.eqx").write_bytes(model.read_bytes())
    argv = [
        "infer",
        "--f-bound",
        0.5,
        "--sigma-v",
        3,
        "--r-h",
        200,
        "--data",
        tmp_path,
        "--profile",
        "smoke",
        "--root",
        root,
    ]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "no coverage study at" in err and "--likelihood" in err
    code, out, _ = run(capsys, *argv, "--likelihood", "input")
    assert code == 0 and "[input-dependent likelihood, grid" in out


def test_infer_uses_the_recommended_likelihood_by_default(capsys, root, data, tiny_learned):
    obs = tiny_learned.predict(np.array([[1.0, 120.0]])).mean[0]
    argv = [
        "infer",
        "--f-bound",
        obs[0],
        "--sigma-v",
        obs[1],
        "--r-h",
        obs[2],
        "--data",
        data,
        "--profile",
        "smoke",
        "--root",
        root,
    ]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "[recommended: learned noise + selection likelihood, grid" in out
    code, named, _ = run(capsys, *argv, "--likelihood", "learned")
    assert code == 0 and "[learned noise likelihood" in named
    assert named.splitlines()[1:] != out.splitlines()[1:], "the selection factor changes the posterior"
    code, measured, _ = run(capsys, *argv, "--obs-sd", 0.01, 0.1, 5)
    assert code == 0 and "[recommended: learned noise likelihood" in measured, "the study's choice with errors"


def test_infer_on_the_grid_and_with_nuts_saves_the_posterior(capsys, root, data, tmp_path, tiny_emulator):
    import arviz as az

    obs = tiny_emulator.predict(np.array([[1.0, 120.0]])).mean[0]
    argv = [
        "infer",
        "--f-bound",
        obs[0],
        "--sigma-v",
        obs[1],
        "--r-h",
        obs[2],
        "--data",
        data,
        "--likelihood",
        "input",
        "--profile",
        "smoke",
        "--root",
        root,
    ]
    code, out, _ = run(capsys, *argv, "--out", tmp_path / "grid.nc")
    assert code == 0 and "grid" in out and "q0" in out and "diagnostics: ok" in out
    assert az.from_netcdf(tmp_path / "grid.nc").posterior["q0"].size == 2 * 200, "chains x draws of the profile"
    code, wide, _ = run(capsys, *argv, "--obs-sd", 0.2, 2, 100)
    assert code == 0 and wide != out, "measurement errors change the posterior"
    with numpyro_keys():
        code, out, _ = run(capsys, *argv, "--method", "nuts", "--out", tmp_path / "nuts.nc")
    assert code == 0 and "r_hat" in out and "divergences:" in out and "diagnostics:" in out
    idata = az.from_netcdf(tmp_path / "nuts.nc")
    assert set(idata.posterior.data_vars) >= {"q0", "a_au"} and "diverging" in idata.sample_stats
    assert idata.posterior["q0"].shape[0] == 2, "chains from the smoke profile"


def test_audit_of_an_unbuilt_profile_fails_and_names_what_is_missing(capsys, tmp_path, root):
    (tmp_path / "analysis" / "config").mkdir(parents=True)
    (tmp_path / "analysis" / "config" / "smoke.yaml").write_text((root / "analysis/config/smoke.yaml").read_text())
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "index.qmd").write_text("![x](figures/design.png){#fig-d}\n")
    code, out, _ = run(capsys, "audit", "--profile", "smoke", "--root", tmp_path)
    assert code == 1
    assert "missing: not built (run `make paper`)" in out and "figures/smoke/design.png" in out
