"""JAX settings the package needs before any array exists: float64, one CPU device per core.

- The simulator conserves energy to ~1e-6 only in float64, and JAX defaults to float32.
- On CPU, the simulator's batches run about twice as fast sharded over one JAX device per
  core as on one device with XLA's intra-op threads (measured with `make bench` on 2
  cores: 1.5e9 against 0.8e9 pair interactions per second); other work is unaffected.
  The device count must be set before JAX starts its backends, so it is skipped if they
  already run, and an explicit `--xla_force_host_platform_device_count` is respected.

Every module that creates JAX arrays imports this one first, so importing any part of the
package, in any order, applies both (the package's `__init__` stays free of JAX so that
light modules such as the config reader import in milliseconds).
"""

import contextlib
import os

import jax

jax.config.update("jax_enable_x64", True)
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    with contextlib.suppress(RuntimeError):  # the backends already started: keep their device count
        jax.config.update("jax_num_cpu_devices", len(os.sched_getaffinity(0)))
