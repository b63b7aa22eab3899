"""When the cluster is not the model: the recommended likelihood on clusters of other physics.

[`misspecification_study`][] takes the variants of
[`clusteremu.simulation.misspecified`][] (a mass spectrum, unresolved binaries, older ages)
and, for each, the exact grid posteriors of the recommended likelihood, summarized by
[`robustness_row`][clusteremu.evaluation.robustness.robustness_row]: coverage and bias, the
model check's flag rate and the coverage of what it lets through, and the tempered
posteriors. The first row is the model's own physics, from the confirmation set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from ..datasets.splits import usable_rows
from ..inference.grid import grid_posterior
from ..inference.model import LikelihoodModel
from ..simulation.misspecified import misspecified_variants
from .confirmation import ConfirmationStudy
from .reports import SchemaRecord
from .robustness import RobustnessRow, robustness_row

__all__ = ["MisspecificationStudy", "misspecification_study"]


@dataclass(frozen=True)
class MisspecificationStudy(SchemaRecord):
    """The recommended likelihood (`likelihood`) on every set: `rows`, the first the model's
    own physics (the confirmation set), then one per variant, with `n_total` clusters
    simulated per variant and the `seed` of the check's draws."""

    SCHEMA: ClassVar[str] = "clusteremu.misspecification/1"

    likelihood: str
    n_total: int
    seed: int
    rows: list[RobustnessRow]


def misspecification_study(
    like: LikelihoodModel,
    name: str,
    columns: Mapping[str, np.ndarray],
    confirmation: ConfirmationStudy,
    config: Mapping[str, Any],
    null: ArrayLike | None,
) -> MisspecificationStudy:
    """The study for the recommended likelihood `like` (named `name`) on the misspecified
    clusters `columns` (their variant in `split`), from a profile's sections `simulation`,
    `inference` (`grid_points`) and `misspecification` (`seed`, `n_sims`); the model check
    calibrated against the null p-values `null`."""
    mis, box = config["misspecification"], like.domain
    rows = [confirmation.robustness[0]]
    for k, variant in enumerate(misspecified_variants(config)):
        held = usable_rows({c: v[columns["split"] == variant.name] for c, v in columns.items()})
        grid = grid_posterior(like, held.y, n_grid=config["inference"]["grid_points"])
        rows.append(robustness_row(variant.name, variant.label, like, grid, held, box, seed=mis["seed"] + k, null=null))
    return MisspecificationStudy(name, mis["n_sims"], mis["seed"], rows)
