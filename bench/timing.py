"""Timing helpers shared by the bench scripts: wall time of a call, best of and median of repeats."""

import statistics
import time

import jax


def timed(fn) -> float:
    """Wall time (s) of `fn()`, waiting for any JAX result it returns."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - t0


def best_of(fn, repeats: int) -> float:
    """The shortest of `repeats` timings: the least disturbed by the rest of the machine."""
    return min(timed(fn) for _ in range(repeats))


def median_range(values) -> str:
    """'median (min - max)' of `values`, to 3 significant digits."""
    return f"{statistics.median(values):.3g} ({min(values):.3g} - {max(values):.3g})"
