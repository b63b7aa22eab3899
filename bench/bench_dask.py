"""Wall time of the campaign step on each executor, as `make paper` runs it: the Dask path's overhead.

Each run is a new process running `analysis/03_simulate.py` with an empty simulation cache
(so it simulates every row), timed on the wall clock:

- `local`: the default executor, the two devices of the step's own process;
- `dask, running cluster`: a 2-worker `LocalCluster` this bench starts once and names by
  its scheduler file (`CLUSTEREMU_DASK_SCHEDULER_FILE`), as a cluster kept for a whole
  `make paper` (README, "Running on a cluster");
- `dask, started by the step`: `CLUSTEREMU_EXECUTOR=dask`, a `LocalCluster` per step.

JAX's persistent compilation cache (`CLUSTEREMU_JAX_CACHE`, a temporary folder) is warmed by
one untimed run of each first, as in a build where an earlier step compiled the same
programs; that first campaign of the running cluster (each worker compiles) is printed
apart. Then `--repeats` rounds of the three in turn, so that load slows all alike. Every
run's `campaign.csv` must be byte-identical. The profile's design is cut to its first
`--rows` rows (the paper profile's 2000 would take minutes per run).

Target (issue 22): the Dask path's overhead <= 15% of the local wall time on the same cores.

Usage: python bench/bench_dask.py [--profile smoke] [--repeats 3] [--rows 96]
"""

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import load, median_range

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.15


def campaign(config: Path, design: Path, folder: Path, env: dict[str, str]) -> tuple[float, bytes]:
    """Wall time (s) of one campaign step in a new process, on an empty cache, and its dataset."""
    cache, out = folder / "cache", folder / "out"
    out.mkdir(parents=True)
    argv = [sys.executable, str(ROOT / "analysis" / "03_simulate.py"), "--config", str(config)]
    argv += ["--design", str(design), "--cache", str(cache)]
    argv += ["--dataset", str(out / "campaign.csv"), "--summary", str(out / "summary.json")]
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=folder)
    seconds = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return seconds, (out / "campaign.csv").read_bytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=96, help="first design rows simulated per run")
    args = parser.parse_args()
    config = ROOT / "analysis" / "config" / f"{args.profile}.yaml"
    rows = (ROOT / "data" / args.profile / "design.csv").read_text().splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        design = tmp / "design.csv"
        design.write_text("".join(rows[: args.rows + 1]))
        base = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CLUSTEREMU_JAX_CACHE": str(tmp / "jax")}
        os.environ["CLUSTEREMU_JAX_CACHE"] = base["CLUSTEREMU_JAX_CACHE"]  # the cluster's workers read it
        from distributed import Client

        from clusteremu.simulation.executor import local_cluster

        with local_cluster(2) as cluster, Client(cluster) as client:
            client.write_scheduler_file(str(tmp / "scheduler.json"))
            envs = {
                "local": {**base, "CLUSTEREMU_EXECUTOR": "local"},
                "dask, running cluster": {**base, "CLUSTEREMU_DASK_SCHEDULER_FILE": str(tmp / "scheduler.json")},
                "dask, started by the step": {**base, "CLUSTEREMU_EXECUTOR": "dask", "CLUSTEREMU_DASK_WORKERS": "2"},
            }
            runs = itertools.count()  # a fresh cache folder per campaign: every run simulates
            first = {name: campaign(config, design, tmp / f"run{next(runs)}", env) for name, env in envs.items()}
            if any(data != first["local"][1] for _, data in first.values()):
                raise SystemExit("the executors' first campaigns differ")
            times = {name: [] for name in envs}
            for _ in range(args.repeats):
                for name, env in envs.items():
                    seconds, data = campaign(config, design, tmp / f"run{next(runs)}", env)
                    if data != first["local"][1]:
                        raise SystemExit(f"{name}: campaign.csv differs from the local run's")
                    times[name].append(seconds)
    n = min(args.rows, len(rows) - 1)
    print(f"campaign step, {args.profile} profile, {n} simulations, empty cache, {load()}")
    print(f"  first campaign of the running cluster (its workers compile): {first['dask, running cluster'][0]:.1f} s")
    local = statistics.median(times["local"])
    for name, values in times.items():
        over = statistics.median(values) / local - 1
        verdict = "" if name == "local" else f"  overhead {100 * over:+.0f}% ({'met' if over <= TARGET else 'missed'})"
        print(f"  {name:27s} {median_range(values)} s{verdict}")
    print(f"  every run's campaign.csv identical; target: overhead <= {100 * TARGET:.0f}% of local")


if __name__ == "__main__":
    main()
