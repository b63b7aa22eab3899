"""The parameter box: the emulator's training domain and the uniform prior on it.

Inference puts a uniform prior on (Q0, a) over exactly the box the emulator was trained
on (it has no authority outside), and simulation-based calibration needs true parameters
drawn from that same prior. Both use this one definition: the NumPyro model samples with
[`ParameterBox.sample_numpyro`][], the coverage simulations with [`ParameterBox.draw`][].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
from jaxtyping import Float

__all__ = ["PARAMETERS", "ParameterBox"]

#: The inferred parameters, in order: initial virial ratio and Plummer scale radius (AU).
PARAMETERS = ("q0", "a_au")


@dataclass(frozen=True)
class ParameterBox:
    """The box Q0 in [q0_min, q0_max], a in [a_min_au, a_max_au] (AU), and the uniform prior on it."""

    q0_min: float
    q0_max: float
    a_min_au: float
    a_max_au: float

    def __post_init__(self):
        if not (self.q0_min < self.q0_max and self.a_min_au < self.a_max_au):
            raise ValueError(f"empty parameter box {self}")

    @classmethod
    def from_domain(cls, domain: Mapping[str, float]) -> ParameterBox:
        """From a profile's `domain` section (or any mapping with the same keys)."""
        return cls(*(float(domain[k]) for k in ("q0_min", "q0_max", "a_min_au", "a_max_au")))

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @property
    def low(self) -> np.ndarray:
        return np.array([self.q0_min, self.a_min_au])

    @property
    def high(self) -> np.ndarray:
        return np.array([self.q0_max, self.a_max_au])

    @property
    def prior_sd(self) -> np.ndarray:
        """Standard deviation of each parameter under the uniform prior, (high - low) / sqrt(12)."""
        return (self.high - self.low) / np.sqrt(12.0)

    def contains(self, theta: Float[np.ndarray, "rows 2"]) -> np.ndarray:
        """Whether each row (Q0, a) lies inside the box (edges included)."""
        theta = np.atleast_2d(theta)
        return np.all((self.low <= theta) & (theta <= self.high), axis=1)

    def draw(self, n: int, *, seed: int) -> Float[np.ndarray, "n 2"]:
        """`n` independent draws (Q0, a) from the uniform prior."""
        u = np.random.default_rng(seed).uniform(size=(n, 2))
        return self.low + u * (self.high - self.low)

    def quarter_edges(self, name: str) -> np.ndarray:
        """The five edges of the quarters of parameter `name`'s range ("q0" or "a_au")."""
        j = PARAMETERS.index(name)
        return np.linspace(self.low[j], self.high[j], 5)

    def grid(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres of an `n` x `n` grid over the box: (Q0 values, a values)."""
        centres = (np.arange(n) + 0.5) / n
        return self.q0_min + centres * (self.q0_max - self.q0_min), self.a_min_au + centres * (
            self.a_max_au - self.a_min_au
        )

    def sample_numpyro(self):
        """Sample (Q0, a) inside a NumPyro model, as sites `q0` and `a_au`; returns both."""
        import numpyro
        import numpyro.distributions as dist

        q0 = numpyro.sample("q0", dist.Uniform(self.q0_min, self.q0_max))
        a = numpyro.sample("a_au", dist.Uniform(self.a_min_au, self.a_max_au))
        return q0, a
