"""Clusters that differ from the model in one way each: the misspecification study's simulations.

A real cluster never matches the simulated one exactly. Each [`Variant`][] changes one
ingredient of the profile's physics and keeps the rest:

- `kroupa`: masses from the Kroupa (2001) IMF between the profile's limits, rescaled to the
  model's total mass (N x the equal mass), so that only the spectrum differs;
- `binaries`: the model's clusters observed with unresolved binaries: a fraction f_b of the
  stars are binaries whose orbital motion adds a 1-D velocity dispersion sigma_orb to the
  measured one, sigma_v,obs^2 = sigma_v^2 + f_b sigma_orb^2 (the expected inflation,
  after Gieles, Sana & Portegies Zwart 2010; the binaries are not integrated);
- `age1.5`, `age2`: observed at 1.5 and 2 times the model's age T, with the same timestep.

[`simulate_misspecified`][] draws each variant's (Q0, a) from the prior with its own seed and
simulates them through the cache (the variant's settings are part of every entry's key).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .prior_sets import simulate_prior_draws

__all__ = ["AGE_FACTORS", "Variant", "misspecified_variants", "simulate_misspecified"]

#: Ages of the age variants, in units of the model's T.
AGE_FACTORS = (1.5, 2.0)


@dataclass(frozen=True)
class Variant:
    """One way a cluster differs from the model: its `name` (the dataset's split label), a
    `label` for tables, the `simulation` settings it overrides and, for unresolved binaries,
    the measured sigma_v's inflation (`binary_fraction`, `binary_sigma_kms`; zero: none)."""

    name: str
    label: str
    simulation: Mapping[str, Any] = field(default_factory=dict)
    binary_fraction: float = 0.0
    binary_sigma_kms: float = 0.0

    def observe(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The simulated columns as observed: sigma_v inflated by the binaries, if any."""
        if not self.binary_fraction:
            return columns
        sigma = np.sqrt(columns["sigma_v_kms"] ** 2 + self.binary_fraction * self.binary_sigma_kms**2)
        return {**columns, "sigma_v_kms": sigma}


def misspecified_variants(config: Mapping[str, Any]) -> tuple[Variant, ...]:
    """The study's variants for a profile (sections `simulation` and `misspecification`)."""
    sim, mis = config["simulation"], config["misspecification"]
    ages = tuple(
        Variant(
            f"age{factor:g}",
            f"observed at {factor:g} T",
            {"t_end_yr": factor * sim["t_end_yr"], "n_steps": round(factor * sim["n_steps"])},
        )
        for factor in AGE_FACTORS
    )
    return (
        Variant("kroupa", "Kroupa (2001) masses, same total mass", {"mass_function": "kroupa2001-same-mass"}),
        Variant(
            "binaries",
            f"unresolved binaries (fraction {mis['binary_fraction']:g}, "
            f"orbital motion {mis['binary_sigma_kms']:g} km/s)",
            binary_fraction=mis["binary_fraction"],
            binary_sigma_kms=mis["binary_sigma_kms"],
        ),
        *ages,
    )


def simulate_misspecified(config: Mapping[str, Any], cache: str | Path) -> dict[str, np.ndarray]:
    """Every variant's `misspecification.n_sims` clusters, their (Q0, a) drawn from the prior
    with seed `misspecification.seed + k` for the k-th variant, as one dataset whose `split`
    names the variant."""
    mis, parts = config["misspecification"], []
    for k, variant in enumerate(misspecified_variants(config)):
        varied = copy.deepcopy(dict(config))
        varied["simulation"] = {**config["simulation"], **variant.simulation}
        result = simulate_prior_draws(varied, n=mis["n_sims"], seed=mis["seed"] + k, split=variant.name, cache=cache)
        parts.append(variant.observe(result.columns))
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
