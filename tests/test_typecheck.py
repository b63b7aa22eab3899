"""The shape checks are on: pyproject's `--jaxtyping-packages` hook checks every annotated
shape and dtype of the library at test time, so a test suite that passes checked them.

If the hook were dropped from `addopts` (or jaxtyping stopped instrumenting the package),
these calls would silently broadcast or compute, and this test would fail.
"""

import numpy as np
import pytest

from clusteremu.simulation.energy import kinetic_energy


def test_a_wrong_shape_is_refused_at_the_call():
    vel, masses = np.ones((3, 4)), np.ones(4)
    assert float(kinetic_energy(vel, masses)) == pytest.approx(6.0)  # 4 stars, |v|^2 = 3, K = 4 * 3 / 2
    with pytest.raises(Exception, match="kinetic_energy") as info:
        kinetic_energy(vel, np.ones(5))  # 5 masses for 4 stars: n disagrees
    assert type(info.value).__name__ in ("TypeCheckError", "BeartypeCallHintParamViolation"), type(info.value)


def test_a_wrong_rank_is_refused_at_the_call():
    with pytest.raises(Exception, match="kinetic_energy") as info:
        kinetic_energy(np.ones(3), np.ones(1))  # velocities must be (3, n)
    assert type(info.value).__name__ in ("TypeCheckError", "BeartypeCallHintParamViolation"), type(info.value)
