"""NUTS on a CPU: one XLA worker thread for a process that samples one posterior, and several
posteriors at once for a study that samples many.

A NUTS posterior runs one small compiled program of a few hundred kernels some 10^4
times. With a worker thread per core, XLA:CPU hands those kernels between its threads,
and each handoff costs more than the kernel: on 2 cores, one thread ran the stepwise
sampler about 1.5 times faster (`bench/bench_inference.py --one-thread` against the same
bench without it). Batched work (the simulator, grid posteriors) is slower on one thread,
so the pipeline's steps keep the default and only `clusteremu infer --method nuts` and
the bench call [`start_one_thread`][]. The results do not depend on it: the programs
are the same.

A study that samples many posteriors runs [`concurrent_runs`][] of them at once, from as
many Python threads: each run is then mostly one core's work, which serves the same end
without changing the process's backend.
"""

from __future__ import annotations

import os

import jax

from .. import _jaxconfig  # noqa: F401  (float64 before any array)

__all__ = ["concurrent_runs", "start_one_thread"]


def start_one_thread() -> bool:
    """Start JAX's CPU backend with one CPU device and one XLA worker thread.

    XLA sizes its thread pool from the CPUs the process may use when the backend starts,
    so the backend starts while the calling thread is confined to one CPU, which is
    released afterwards. Call it before the process creates any JAX array.

    **Returns:**

    Whether the backend runs so: False where it had already started with several
    devices or the system has no CPU-affinity call (then nothing changes).
    """
    if not hasattr(os, "sched_setaffinity"):
        return False
    cpus = os.sched_getaffinity(0)
    try:
        jax.config.update("jax_num_cpu_devices", 1)
    except RuntimeError:  # the backend already runs, with another device count
        return False
    os.sched_setaffinity(0, {min(cpus)})
    try:
        jax.devices()
    finally:
        os.sched_setaffinity(0, cpus)
    return True


def concurrent_runs() -> int:
    """How many NUTS posteriors a study runs at once: one per CPU the process may use.

    Two runs at once keep both cores busy with their own small kernels instead of handing
    each kernel between the worker threads: on 2 cores, six posteriors of the paper
    profile's recommended likelihood took 19.8 s one after another and 8.4 s two at a time,
    with the same draws bit for bit (each run is its own call of the compiled sampler, with
    its own key).
    """
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
