"""The command line's stored programs: a second call runs the first call's executables and
prints the same numbers, which are the library's; whatever changes a program misses the cache."""

import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.cli import loaders, main, posteriors, programs
from clusteremu.emulators.gp import GPEmulator
from clusteremu.inference.family import likelihood_family
from clusteremu.inference.flow_likelihood import FlowLikelihoodModel
from clusteremu.inference.gaussian import Likelihood
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.model_check import DRAWS
from clusteremu.inference.sampling import run_nuts
from clusteremu.prior import ParameterBox
from tests.helpers import numpyro_keys, tiny_comparison

OBS = (0.8, 4.0, 400.0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLUSTEREMU_JAX_CACHE", str(folder))
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory, tiny_emulator, tiny_learned):
    path = tmp_path_factory.mktemp("models")
    (path / "emulator.eqx").write_bytes(tiny_emulator.to_bytes())
    (path / "learned.eqx").write_bytes(tiny_learned.to_bytes())
    (path / "inference.json").write_text(json.dumps(tiny_comparison("learned+selection", "learned").to_jsonable()))
    return path


def infer(root, data, *extra):
    f, s, r = OBS
    argv = ["infer", "--f-bound", f, "--sigma-v", s, "--r-h", r, "--data", data, "--profile", "smoke", "--root", root]
    return [str(a) for a in (*argv, *extra, "--json")]


def predict(root, data):
    argv = ["predict", "--q0", 0.9, "--a", 120, "--model", data / "learned.eqx", "--profile", "smoke", "--root", root]
    return [str(a) for a in (*argv, "--json")]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def refuse(*_):
    raise AssertionError("the model files were loaded again")


def test_a_second_call_runs_the_stored_programs(capsys, cache, root, data, monkeypatch):
    first = [run(capsys, predict(root, data)), run(capsys, infer(root, data))]
    stored = sorted(p.suffix for p in (cache / "programs").iterdir())
    assert stored == [".arrays", ".arrays", ".bin", ".bin", ".json"], "programs, arrays, the recommendation"
    monkeypatch.setattr(loaders, "emulator", refuse)
    monkeypatch.setattr(loaders, "likelihood", refuse)
    monkeypatch.setattr(loaders, "_recommended", refuse)
    assert [run(capsys, predict(root, data)), run(capsys, infer(root, data))] == first


@pytest.mark.slow
def test_stored_programs_run_in_a_new_process(cache, root, data):
    """A new process has registered no LAPACK kernel; NUTS's dense mass matrix calls one."""
    argv = [sys.executable, "-m", "clusteremu", *infer(root, data, "--method", "nuts")]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "src"), "CLUSTEREMU_JAX_CACHE": str(cache)}
    outs = [subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600) for _ in range(2)]
    assert [o.returncode for o in outs] == [0, 0], outs[-1].stderr
    assert json.loads(outs[0].stdout) == json.loads(outs[1].stdout)


@pytest.mark.slow
def test_the_numbers_are_the_librarys(capsys, root, data, monkeypatch):
    monkeypatch.setenv("CLUSTEREMU_JAX_CACHE", "off")
    like = loaders.likelihood("learned+selection", data, None, None, "smoke")
    grid = grid_posterior(like, np.array([OBS]), n_grid=60)
    cli = posteriors.grid_posterior(posteriors.grid_programs(like, 60), np.array(OBS))
    np.testing.assert_allclose(cli.density, grid.density, rtol=1e-12)
    result = run(capsys, infer(root, data))
    assert result["posterior"]["q0"]["mean"] == pytest.approx(float(grid.moments()["q0_mean"][0]), rel=1e-12)
    settings = {"chains": 2, "warmup": 60, "samples": 40}
    with numpyro_keys():
        draws, *_ = posteriors.sample(posteriors.nuts_programs(like, **settings), np.array(OBS), 5, 0)[0]
        expected = run_nuts(like, np.array(OBS), key=jax.random.key(5), **settings)
    np.testing.assert_array_equal(draws, expected.draws)


def test_the_weights_are_constants_and_a_program_loaded_ahead_is_the_one_loaded_on_call(cache, tiny_flow):
    """Only the arrays a command's values set are the executables' arguments; the model
    check loaded in the background while the chains run gives what loading it on call gives."""
    like = FlowLikelihoodModel(tiny_flow, obs_sd=np.array([0.01, 0.1, 5.0]))
    kw = {"settings": {}, "files": [], "load": lambda: like, "build": lambda m: posteriors.grid_programs(m, 12)}
    built, how = programs.load_or_build("grid", **kw)
    assert how == "built" and [a.shape for a in built.arrays] == [(3,)], "the measurement sds alone"
    theta, obs = np.column_stack([np.linspace(0.6, 1.4, DRAWS), np.linspace(60.0, 190.0, DRAWS)]), np.array(OBS)
    p = [programs.load_or_build("grid", **kw)[0] for _ in range(2)]
    p[1].load_ahead("check")
    on_call, ahead = (q("check", obs, theta, posteriors._key_data(3)) for q in p)
    assert float(on_call) == float(ahead) == float(built("check", obs, theta, posteriors._key_data(3)))
    assert not p[1]._ahead, "the background load was taken up"


def gp_emulator(n: int = 6) -> GPEmulator:
    """A small but complete GP (arbitrary numbers): only the program's structure is under test."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, n, n))
    arrays = (
        rng.uniform(-1, 1, (n, 2)),
        rng.normal(size=(3, n)),
        np.linalg.cholesky(a @ a.transpose(0, 2, 1) + n * np.eye(n)),
        [1.0, 2.0, 3.0],
        np.ones((3, 2)),
        [0.1, 0.1, 0.1],
        [1.0, 125.0],
        [0.3, 45.0],
        [0.5, 4.0, 300.0],
        [0.1, 1.0, 100.0],
    )
    return GPEmulator(*(jnp.asarray(np.asarray(x, float)) for x in arrays), ParameterBox(0.5, 1.5, 50.0, 200.0))


def test_new_measurement_sds_reuse_the_executables_with_the_same_numbers(cache, tiny_emulator, tiny_learned):
    """Measurement sds and fixed widths enter the programs only through the likelihood's
    arrays, so the executables built for one value serve another (with the other value's
    arrays), for every likelihood that takes measurement errors."""
    sds = (np.array([0.01, 0.1, 5.0]), np.array([0.05, 0.4, 30.0]))
    families = [likelihood_family(tiny_emulator, tiny_learned, gp_emulator(), obs_sd=sd) for sd in sds]
    cases = {name: [f[name] for f in families] for name in families[0]}
    assert set(cases) == {"constant", "input", "fullcov", "gp", "learned", "learned+selection"}
    widths = [np.array(s) for s in ((0.05, 0.5, 30.0), (0.1, 1.0, 60.0))]
    cases["constant --sigma"] = [Likelihood(tiny_emulator, "constant", s, np.diag(s**2)) for s in widths]
    for name, (a, b) in cases.items():
        kw = {"settings": {"name": name}, "files": [], "build": lambda m: posteriors.grid_programs(m, 12)}
        assert programs.load_or_build("grid", load=lambda a=a: a, values={"v": 1}, **kw)[1] == "built", name
        reused, how = programs.load_or_build("grid", load=lambda b=b: b, values={"v": 2}, **kw)
        assert how == "arrays", name
        got, want = (posteriors.grid_posterior(p, np.array(OBS)).density for p in (reused, kw["build"](b)))
        np.testing.assert_array_equal(got, want, err_msg=name)
        assert not np.array_equal(got, posteriors.grid_posterior(kw["build"](a), np.array(OBS)).density), name


def test_a_value_fixed_into_the_executables_is_not_reused_for_another(cache, tiny_emulator, monkeypatch):
    """Were a fixed width held by a leaf outside VALUE_LEAVES, it would be a constant of the
    executables: a new value then builds them again instead of running the old one."""
    monkeypatch.setattr(programs, "VALUE_LEAVES", frozenset())
    a, b = (Likelihood(tiny_emulator, "constant", s, np.diag(s**2)) for s in (np.full(3, 0.1), np.full(3, 0.3)))
    kw = {"settings": {}, "files": [], "build": lambda m: posteriors.grid_programs(m, 12)}
    assert programs.load_or_build("grid", load=lambda: a, values={"v": 1}, **kw)[1] == "built"
    again, how = programs.load_or_build("grid", load=lambda: b, values={"v": 2}, **kw)
    assert how == "built"
    got, want = (posteriors.grid_posterior(p, np.array(OBS)).density for p in (again, kw["build"](b)))
    np.testing.assert_array_equal(got, want)


def test_an_edited_model_file_is_checked_again(capsys, cache, root, data, tmp_path):
    model = tmp_path / "learned.eqx"
    model.write_bytes((data / "learned.eqx").read_bytes())
    argv = [a if a != str(data / "learned.eqx") else str(model) for a in predict(root, data)]
    run(capsys, argv)
    head, blob = model.read_bytes().split(b"\n", 1)
    header = json.loads(head)
    wider = header | {"domain": header["domain"] | {"q0_max": 5.0}}  # predict would not flag Q0 = 5
    model.write_bytes(json.dumps(wider).encode() + b"\n" + blob)
    assert main(argv) == 2
    assert str(model) in capsys.readouterr().err


def test_a_damaged_entry_is_built_again(cache, data):
    like = loaders.likelihood("learned", data, None, None, "smoke")
    kw = {"settings": {}, "files": [], "load": lambda: like, "build": lambda m: posteriors.grid_programs(m, 12)}
    assert programs.load_or_build("grid", **kw)[1] == "built"
    assert programs.load_or_build("grid", **kw)[1] == "cache"
    (entry,) = (cache / "programs").glob("*.bin")
    entry.write_bytes(entry.read_bytes()[:-10])
    again, how = programs.load_or_build("grid", **kw)
    assert how == "built" and np.isfinite(posteriors.grid_posterior(again, np.array(OBS)).density).all()
    assert programs.load_or_build("grid", **kw)[1] == "cache"
    assert programs.load_or_build("grid", **{**kw, "settings": {"other": 1}})[1] == "built"
