"""The executors, with real processes: the same bytes locally and on a Dask `LocalCluster`, a
worker killed mid-campaign, two campaigns (with different device counts) writing one cache
at once, a worker that would compute other numbers, the environment's choice, and the
SLURM job script the README's recipe renders."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from clusteremu.config import load_config
from clusteremu.datasets.design import make_design
from clusteremu.simulation import executor as ex
from clusteremu.simulation.cache import SimulationCache
from clusteremu.simulation.cache_archive import scan_cache
from clusteremu.simulation.campaign import device_batch_size, run_campaign, simulate_design
from clusteremu.simulation.simulate import SimulationSettings
from clusteremu.simulation.worker import ContextMismatch, SimulationTask, run_task
from tests.helpers import ROOT

distributed = pytest.importorskip("distributed")

# Tiny, yet long enough per task (tens of ms) that a worker is killed with a task assigned.
TINY = {"n_stars": 32, "n_steps": 2000, "n_energy_checks": 2, "t_end_yr": 100.0}
BATCH = 4
LIMIT = 180  # seconds a Dask run may take here before the test fails instead of hanging


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "analysis" / "config" / "smoke.yaml")


def tiny_design(cfg, points=8):
    return make_design({**cfg.data, "design": {**cfg["design"], "n_points": points, "n_realizations": 2}})


def tiny(cfg, design, root, executor=None):
    settings = SimulationSettings.from_config(cfg, **TINY)
    return run_campaign(design, settings, cache_root=root, batch_size=BATCH, energy_error_max=1e-3, executor=executor)


@pytest.fixture(scope="module")
def client():
    with ex.local_cluster(2) as cluster, distributed.Client(cluster) as client:
        yield client


def assert_intact(root, n_rows):
    """Every entry intact, one per row (no duplicate, nothing lost), one context."""
    scan = scan_cache(root)
    assert scan.damaged == [], scan.damaged
    assert scan.n_entries == n_rows
    assert len({name.split("/")[0] for name in scan.files}) == 1


@pytest.mark.slow
def test_smoke_campaign_has_the_same_bytes_locally_and_on_a_local_cluster(cfg, client, tmp_path):
    design = make_design(cfg)
    on_dask = simulate_design(design, cfg, tmp_path / "dask", executor=ex.DaskExecutor(client, timeout=LIMIT))
    local = simulate_design(design, cfg, tmp_path / "local", executor=ex.LocalExecutor())
    assert on_dask.n_simulated == local.n_simulated == design.seed.size
    assert on_dask.csv() == local.csv(), "the executor is how, not what"
    hits = simulate_design(design, cfg, tmp_path / "dask", executor=ex.LocalExecutor())
    assert hits.n_simulated == 0 and hits.csv() == local.csv(), "entries written by Dask workers are local hits"
    hits = simulate_design(design, cfg, tmp_path / "local", executor=ex.DaskExecutor(client, timeout=LIMIT))
    assert hits.n_simulated == 0 and hits.csv() == local.csv(), "and the other way round"


@pytest.fixture(scope="module")
def reference(cfg, tmp_path_factory):
    """The tiny campaign run in this process: what every executor must reproduce."""
    return tiny(cfg, tiny_design(cfg), tmp_path_factory.mktemp("reference"))


@pytest.mark.slow
def test_a_worker_killed_mid_campaign_loses_nothing(cfg, client, reference, tmp_path):
    design = tiny_design(cfg)
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(n):
        if not killed:
            busy = [addr for addr, keys in client.processing().items() if keys]
            assert busy, "no task was running: the kill would test nothing"
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(pids[busy[0]])

    result = run_campaign(
        design,
        SimulationSettings.from_config(cfg, **TINY),
        cache_root=tmp_path / "cache",
        batch_size=BATCH,
        energy_error_max=1e-3,
        executor=ex.DaskExecutor(client, timeout=LIMIT),
        progress=kill_a_busy_worker,
    )
    assert killed and killed[0] not in client.run(os.getpid).values(), "the worker died (its nanny restarted it)"
    assert result.csv() == reference.csv()
    assert_intact(tmp_path / "cache", design.seed.size)


CONCURRENT = textwrap.dedent(
    """
    import json, sys
    from clusteremu.config import load_config
    from clusteremu.datasets.design import make_design
    from clusteremu.simulation.campaign import run_campaign
    from clusteremu.simulation.simulate import SimulationSettings
    cfg = load_config(sys.argv[1])
    design = make_design({**cfg.data, "design": {**cfg["design"], "n_points": 8, "n_realizations": 2}})
    settings = SimulationSettings.from_config(cfg, **json.loads(sys.argv[2]))
    result = run_campaign(design, settings, cache_root=sys.argv[3], batch_size=int(sys.argv[4]), energy_error_max=1e-3)
    open(sys.argv[5], "w").write(result.csv())
    """
)


@pytest.mark.slow
def test_two_campaigns_writing_one_cache_at_once_with_other_device_counts(cfg, reference, tmp_path):
    """Two processes (2 and 4 JAX devices) run the same campaign into one cache at the same
    time: both datasets equal this process's, every entry intact, written once per key."""
    design = tiny_design(cfg)
    procs = []
    for devices in (2, 4):
        env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
        env["PYTHONPATH"] = str(ROOT / "src")
        args = [ROOT / "analysis/config/smoke.yaml", json.dumps(TINY), tmp_path / "shared", BATCH]
        args = [sys.executable, "-c", CONCURRENT, *map(str, args), str(tmp_path / f"{devices}.csv")]
        procs.append(subprocess.Popen(args, env=env, cwd=ROOT, text=True))
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    for devices in (2, 4):
        assert (tmp_path / f"{devices}.csv").read_text() == reference.csv()
    assert_intact(tmp_path / "shared", design.seed.size)
    reread = tiny(cfg, design, tmp_path / "shared")
    assert reread.n_simulated == 0, "the processes' entries are this process's cache hits"


def test_a_worker_with_other_code_or_backend_refuses(cfg, tmp_path):
    settings = SimulationSettings.from_config(cfg, **TINY)
    cache = SimulationCache(tmp_path, settings, device_batch_size(BATCH))
    context = {**cache.context, "backend": {**cache.context["backend"], "jax": "0.0.1"}}
    task = SimulationTask(settings, cache.device_batch_size, str(tmp_path), context, (1,), (0.8,), (100.0,))
    with pytest.raises(ContextMismatch, match="backend: worker .*driver .*same checkout and environment"):
        run_task(task)
    assert scan_cache(tmp_path).n_entries == 0


def test_the_environment_chooses_the_executor(cfg, client, tmp_path, monkeypatch):
    assert ex._choice({}) == "local"
    assert ex._choice({"CLUSTEREMU_DASK_SCHEDULER_FILE": "x.json"}) == "dask"
    with pytest.raises(ValueError, match="CLUSTEREMU_EXECUTOR='slurm'.*allowed: local, dask"):
        ex._choice({"CLUSTEREMU_EXECUTOR": "slurm"})
    with pytest.raises(ValueError, match="unset one"):
        ex._choice({"CLUSTEREMU_EXECUTOR": "local", "CLUSTEREMU_DASK_SCHEDULER": "tcp://h:1"})
    with (
        pytest.raises(FileNotFoundError, match="start the scheduler first"),
        ex.open_executor({"CLUSTEREMU_DASK_SCHEDULER_FILE": str(tmp_path / "none.json")}),
    ):
        pass
    # What analysis/03_simulate.py sees: the profile's settings, the executor from the environment.
    small = {**cfg.data, "simulation": {**cfg["simulation"], **TINY}}
    design = tiny_design(cfg, points=3)
    monkeypatch.setenv("CLUSTEREMU_DASK_SCHEDULER", client.scheduler.address)
    monkeypatch.chdir(tmp_path)  # a relative cache folder, as make passes it; the workers run elsewhere
    on_dask = simulate_design(design, small, "cache")
    monkeypatch.delenv("CLUSTEREMU_DASK_SCHEDULER")
    local = simulate_design(design, small, "cache")
    assert (on_dask.executor, on_dask.n_simulated, local.executor, local.n_simulated) == ("dask", 6, "local", 0)
    assert on_dask.counts["executor"] == "dask" and on_dask.csv() == local.csv()


def test_the_readme_slurm_recipe_renders_this_job_script(tmp_path):
    pytest.importorskip("dask_jobqueue")
    readme = (ROOT / "README.md").read_text()
    call = 'slurm_cluster(cores=8, memory="16GB", walltime="02:00:00", python=PYTHON, queue="compute", account="astro")'
    assert call in readme, "the README's recipe and this test must stay the same call"
    python = "/shared/clusteremu/.venv/bin/python"
    cluster = ex.slurm_cluster(
        cores=8, memory="16GB", walltime="02:00:00", python=python, queue="compute", account="astro"
    )
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in (
        "#SBATCH -p compute",
        "#SBATCH -A astro",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --mem=15G",
        "#SBATCH -t 02:00:00",
        "export XLA_FLAGS='--xla_force_host_platform_device_count=2'",
    ):
        assert line in script, (line, script)
    worker = script.strip().splitlines()[-1]
    assert worker.startswith(f"{python} -m distributed.cli.dask_worker")
    assert "--nworkers 4" in worker and "--nthreads 1" in worker, "one task at a time per two cores"
    with pytest.raises(ValueError, match="even number of cores"):
        ex.slurm_cluster(cores=3, memory="1GB", walltime="00:10:00", python=python)
