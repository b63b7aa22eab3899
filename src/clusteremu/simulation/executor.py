"""Where a campaign's tasks run: in this process (`local`) or on a Dask cluster (`dask`).

An executor is *how* simulations run, never *what* they compute: every task
([`SimulationTask`][clusteremu.simulation.worker.SimulationTask]) writes its results into the
shared cache and the campaign then reads its whole dataset from the cache, so the dataset's
bytes are the same with either executor, and the choice is read from the environment, not
from the profile (changing it reruns nothing):

| variable | meaning |
|---|---|
| `CLUSTEREMU_EXECUTOR` | `local` (default) or `dask` |
| `CLUSTEREMU_DASK_SCHEDULER` | address of a running scheduler (`tcp://host:8786`); implies `dask` |
| `CLUSTEREMU_DASK_SCHEDULER_FILE` | a scheduler file (`dask scheduler --scheduler-file`, SLURM); implies `dask` |
| `CLUSTEREMU_DASK_WORKERS` | `dask` without a scheduler: a `LocalCluster` of this many processes (default: cores / 2) |
| `CLUSTEREMU_DASK_RETRIES` | resubmissions of a task that raised (default 3); a dead worker's task is rerun anyway |

Dask is imported only when it is chosen (the `scale` extra: `pip install -e '.[scale]'`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ..compilation_cache import cache_folder
from . import worker
from .cache import DEVICES_PER_CALL, backend_description

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "local_cluster",
    "open_executor",
    "slurm_cluster",
]

EXECUTORS = ("local", "dask")
_DEVICE_FLAG = re.compile(r"--xla_force_host_platform_device_count=\S+")


@runtime_checkable
class Executor(Protocol):
    """Runs tasks, calling `progress(n)` with the simulations of each task as it finishes."""

    name: str

    def backend(self) -> dict[str, str]: ...

    def run(self, tasks: Sequence[worker.SimulationTask], progress: Callable[[int], None]) -> None: ...


class LocalExecutor:
    """Today's behaviour: the tasks in order, in this process, on its JAX devices."""

    name = "local"

    def backend(self) -> dict[str, str]:
        return backend_description()

    def run(self, tasks: Sequence[worker.SimulationTask], progress: Callable[[int], None]) -> None:
        for task in tasks:
            progress(worker.run_task(task))


class DaskExecutor:
    """Tasks submitted to a dask.distributed `Client`, collected as they finish.

    **Arguments:**

    - `client`: a connected `distributed.Client`.
    - `retries`: resubmissions of a task that raised; a task whose worker died is rerun by
      the scheduler on another worker (up to `distributed.scheduler.allowed-failures` times).
    - `timeout`: seconds the whole run may take before it fails (`None`: no limit).
    """

    name = "dask"

    def __init__(self, client: Any, retries: int = 3, timeout: float | None = None):
        self.client = client
        self.retries = int(retries)
        self.timeout = timeout

    def backend(self) -> dict[str, str]:
        """The workers' backend; all workers must share one (else their entries would differ)."""
        self.client.wait_for_workers(1, timeout=600)
        seen = {tuple(sorted(b.items())) for b in self.client.run(backend_description).values()}
        if len(seen) != 1:
            raise RuntimeError(
                f"the Dask workers run {len(seen)} different JAX backends ({sorted(seen)}): their results "
                "would differ in the last bits; start one campaign per kind of worker"
            )
        return dict(seen.pop())

    def run(self, tasks: Sequence[worker.SimulationTask], progress: Callable[[int], None]) -> None:
        from distributed import as_completed

        futures = [self.client.submit(worker.run_task, task, retries=self.retries, pure=False) for task in tasks]
        try:
            for future in as_completed(futures, timeout=self.timeout):
                progress(future.result())
        except BaseException:
            self.client.cancel(futures)
            raise


def _worker_env(devices_per_worker: int) -> dict[str, str]:
    """XLA_FLAGS for a worker with this many CPU devices (other flags of this process kept)."""
    flags = _DEVICE_FLAG.sub("", os.environ.get("XLA_FLAGS", "")).split()
    return {"XLA_FLAGS": " ".join([*flags, f"--xla_force_host_platform_device_count={devices_per_worker}"])}


def _compilation_cache() -> dict[str, str]:
    """JAX's persistent compilation cache in the per-user folder
    ([`cache_folder`][clusteremu.compilation_cache.cache_folder]; `$CLUSTEREMU_JAX_CACHE=off`
    disables it): a worker started by a later step loads the programs an earlier one
    compiled (the smoke campaign on a fresh 2-worker cluster: 17 s -> 10 s; the same bytes).
    Only on one machine: a cache folder shared by other CPU types is not worth the doubt."""
    folder = cache_folder()
    return {} if folder is None else {"JAX_COMPILATION_CACHE_DIR": str(folder)}


def local_cluster(n_workers: int | None = None) -> Any:
    """A `LocalCluster` of worker processes on this machine, one task at a time each, each with
    two JAX CPU devices (a call is sharded over two; by default one worker per two cores)."""
    from distributed import LocalCluster

    n_workers = n_workers or max(1, len(os.sched_getaffinity(0)) // DEVICES_PER_CALL)
    return LocalCluster(
        n_workers=n_workers,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        env={**_worker_env(DEVICES_PER_CALL), **_compilation_cache()},
    )


def slurm_cluster(*, cores: int, memory: str, walltime: str, python: str, **job_kwargs: Any) -> Any:
    """A dask-jobqueue `SLURMCluster` whose every job books `cores` CPUs and runs one
    single-threaded worker per two of them, each with two JAX CPU devices (a call is sharded
    over two), so the cores are neither idle nor oversubscribed (README, "Running on a cluster").

    **Arguments:**

    - `cores`, `memory`, `walltime`: per SLURM job (`cores` even; `memory` as "32GB",
      `walltime` as "02:00:00").
    - `python`: the interpreter of the clone's `.venv` on the shared filesystem.
    - `job_kwargs`: passed on (`queue`, `account`, `job_extra_directives`, `log_directory`, ...).
    """
    from dask_jobqueue import SLURMCluster

    if cores < DEVICES_PER_CALL or cores % DEVICES_PER_CALL:
        raise ValueError(f"cores={cores}: book an even number of cores per job (each worker uses two)")
    env = _worker_env(DEVICES_PER_CALL)
    prologue = [*job_kwargs.pop("job_script_prologue", []), *(f"export {k}='{v}'" for k, v in env.items())]
    workers = cores // DEVICES_PER_CALL
    return SLURMCluster(
        cores=workers,  # Dask threads: one per worker process, one task at a time each
        processes=workers,
        job_cpu=cores,
        memory=memory,
        walltime=walltime,
        python=python,
        job_script_prologue=prologue,
        # The dashboard on a free port (`cluster.dashboard_link`): a login node often runs several.
        scheduler_options=job_kwargs.pop("scheduler_options", {"dashboard_address": ":0"}),
        **job_kwargs,
    )


def _choice(environ: Mapping[str, str]) -> str:
    name = environ.get("CLUSTEREMU_EXECUTOR", "").strip().lower()
    scheduler = environ.get("CLUSTEREMU_DASK_SCHEDULER") or environ.get("CLUSTEREMU_DASK_SCHEDULER_FILE")
    if name and name not in EXECUTORS:
        raise ValueError(f"CLUSTEREMU_EXECUTOR={name!r} is not an executor; allowed: {', '.join(EXECUTORS)}")
    if name == "local" and scheduler:
        raise ValueError(
            "CLUSTEREMU_EXECUTOR=local but a Dask scheduler is named (CLUSTEREMU_DASK_SCHEDULER[_FILE]): "
            "unset one of them"
        )
    return name or ("dask" if scheduler else "local")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 0:
        raise ValueError(f"{name}={raw!r} must be a whole number >= 0")
    return int(raw)


@contextlib.contextmanager
def open_executor(environ: Mapping[str, str] | None = None) -> Iterator[Executor]:
    """The executor the environment chooses (see the module docs), closed on exit."""
    environ = os.environ if environ is None else environ
    if _choice(environ) == "local":
        yield LocalExecutor()
        return
    try:
        from distributed import Client
    except ImportError as err:
        raise ImportError(
            "the dask executor needs dask.distributed: "
            ".venv/bin/python -m pip install -c requirements.lock -e '.[scale]'"
        ) from err
    retries = _int(environ, "CLUSTEREMU_DASK_RETRIES", 3)
    address, file = environ.get("CLUSTEREMU_DASK_SCHEDULER"), environ.get("CLUSTEREMU_DASK_SCHEDULER_FILE")
    with contextlib.ExitStack() as stack:
        if address:
            client = stack.enter_context(Client(address))
        elif file:
            if not os.path.exists(file):
                raise FileNotFoundError(
                    f"CLUSTEREMU_DASK_SCHEDULER_FILE={file}: no such file; start the scheduler first (README)"
                )
            client = stack.enter_context(Client(scheduler_file=file))
        else:
            cluster = stack.enter_context(local_cluster(_int(environ, "CLUSTEREMU_DASK_WORKERS", 0) or None))
            client = stack.enter_context(Client(cluster))
        yield DaskExecutor(client, retries=retries)
