"""Enable 64-bit floats in JAX before any array exists.

The simulator conserves energy to ~1e-6 only in float64, and JAX defaults to float32.
Every module that creates JAX arrays imports this one first, so importing any part of
the package, in any order, gives float64 (the package's `__init__` stays free of JAX so
that light modules such as the config reader import in milliseconds).
"""

import jax

jax.config.update("jax_enable_x64", True)
