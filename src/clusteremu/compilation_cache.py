"""JAX's persistent compilation cache, in a per-user folder and never in the repository.

A process that compiles a program another process compiled before loads XLA's executable
from the cache instead. The pipeline's steps are such processes: several simulate batches
of the same shape, several evaluate the same flow on grids of the same size. Every step
([`clusteremu.repro.steps.step_main`][]) and the command line's `simulate` use the cache;
the numbers do not depend on it (an executable is the same program however it was
obtained): the smoke pipeline from an empty cache took 207 s with it and 252 s without (one
run each on 2 cores, `make -j2 paper PROFILE=smoke`), every artifact byte for byte the same
but the measured times.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_folder", "use_compilation_cache"]


def cache_folder() -> Path | None:
    """The per-user cache folder: `$CLUSTEREMU_JAX_CACHE` (`off`: None, no cache), else
    `$XDG_CACHE_HOME/clusteremu/jax`, else `~/.cache/clusteremu/jax`."""
    folder = os.environ.get("CLUSTEREMU_JAX_CACHE")
    if folder == "off":
        return None
    if folder is not None:
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "clusteremu" / "jax"


def use_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at [`cache_folder`][], for every program
    however quick to compile (the small ones add up over a pipeline's processes), unless
    this process already named a folder (then that one is kept).

    **Returns:** the folder JAX now uses, or None where the cache is off.
    """
    import jax

    if jax.config.jax_compilation_cache_dir is None:
        folder = cache_folder()
        if folder is None:
            return None
        jax.config.update("jax_compilation_cache_dir", str(folder))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return Path(jax.config.jax_compilation_cache_dir)
