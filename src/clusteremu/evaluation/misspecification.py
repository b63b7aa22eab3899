"""When the cluster is not the model: the recommended likelihood on clusters of other physics.

[`misspecification_study`][] takes the variants of
[`clusteremu.simulation.misspecified`][] (a mass spectrum, unresolved binaries, older ages)
and, for each, the exact grid posteriors of the recommended likelihood, summarized by
[`robustness_row`][clusteremu.evaluation.robustness.robustness_row]: coverage and bias, the
model check's flag rate and the coverage of what it lets through, and the tempered
posteriors. The first row is the model's own physics, from the confirmation set.

The robust option a user is told to take is tempering (`robust_beta`): the largest exponent
beta < 1 of [`TEMPERING`][clusteremu.evaluation.robustness.TEMPERING] (the least loss of
contraction) whose 95% intervals cover both parameters in at least [`ROBUST_TARGET`][] of
the clusters of every set in [`ROBUST_SETS`][] (a mass spectrum and a 1.5 times older
cluster: the deviations a real cluster is most likely to have). The choice is made on one
half of each of those sets, its even-numbered usable clusters ([`HeldOutChoice`][]), and
judged on the other half, which the choice never saw; the other sets (binaries, twice the
age) test it on deviations it was not chosen on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from ..datasets.splits import usable_rows
from ..datasets.table import usable
from ..inference.grid import grid_posterior
from ..inference.gridded import GridPosterior
from ..inference.model import LikelihoodModel
from ..prior import ParameterBox
from ..simulation.misspecified import misspecified_variants
from .confirmation import ConfirmationStudy
from .reports import SchemaRecord
from .robustness import RobustnessRow, TemperedRow, at_beta, robustness_row, tempered_rows

__all__ = [
    "ROBUST_SETS",
    "ROBUST_TARGET",
    "HeldOutChoice",
    "IntegrationCheck",
    "MisspecificationStudy",
    "held_out_choice",
    "integration_check",
    "misspecification_study",
    "robust_beta",
]

#: The 95% coverage the robust option must reach for both parameters on every set of [`ROBUST_SETS`][].
ROBUST_TARGET = 0.90
#: The misspecified sets on which the robust option is chosen.
ROBUST_SETS = ("kroupa", "age1.5")


@dataclass(frozen=True)
class HeldOutChoice:
    """One set of [`ROBUST_SETS`][] split in two halves: the tempered posteriors (one
    [`TemperedRow`][clusteremu.evaluation.robustness.TemperedRow] per beta) of the
    `n_tuning` even-numbered usable clusters, which choose the exponent (`tuning`), and of
    the `n_held_out` odd-numbered ones, which report it (`held_out`)."""

    name: str
    n_tuning: int
    n_held_out: int
    tuning: list[TemperedRow]
    held_out: list[TemperedRow]

    def at(self, beta: float) -> TemperedRow:
        """The held-out half tempered with exponent `beta`."""
        return at_beta(self.held_out, beta)


@dataclass(frozen=True)
class IntegrationCheck:
    """How well the fixed-step integrator kept the energy of one set (`name`), and whether its
    clusters kept as well as the model's own miss as much: of the `n` simulations, the largest
    relative energy error |E - E0| / |W0| of each (its `median`, 99th percentile `p99` and
    `largest`), `n_flagged` above the campaign's threshold (excluded, as in every set); of the
    usable ones, the `n_within` whose error is at most `within` (the largest of the model's own
    campaign) and their 95% coverage per parameter (`coverage95_within`; None for fewer than two)."""

    name: str
    n: int
    median: float
    p99: float
    largest: float
    n_flagged: int
    within: float
    n_within: int
    coverage95_within: dict[str, float] | None


def integration_check(
    name: str,
    columns: Mapping[str, np.ndarray],
    truth: np.ndarray,
    grid: GridPosterior,
    box: ParameterBox,
    within: float,
) -> IntegrationCheck:
    """[`IntegrationCheck`][] of the simulations `columns` of one set, whose usable rows have
    the true parameters `truth` (shape `(usable, 2)`: Q0, a in AU) and the posteriors `grid`;
    `within` is the energy error the model's own campaign reaches."""
    err = columns["energy_error"]
    kept = err[usable(columns)] <= within
    cover = None
    if kept.sum() > 1:
        sub = GridPosterior(grid.q0, grid.a_au, grid.density[kept])
        cover = at_beta(tempered_rows(sub, truth[kept], box), 1.0).coverage95
    quantiles = np.quantile(err, [0.5, 0.99])
    return IntegrationCheck(
        name,
        int(err.size),
        float(quantiles[0]),
        float(quantiles[1]),
        float(err.max()),
        int(columns["flag_energy"].sum()),
        float(within),
        int(kept.sum()),
        cover,
    )


@dataclass(frozen=True)
class MisspecificationStudy(SchemaRecord):
    """The recommended likelihood (`likelihood`) on every set: `rows`, the first the model's
    own physics (the confirmation set), then one per variant, with `n_total` clusters
    simulated per variant and the `seed` of the check's draws; `choices`, the sets of
    [`ROBUST_SETS`][] split into the half that chooses the tempering exponent and the half
    held out ([`HeldOutChoice`][]); `robust_beta`, the exponent recommended
    ([`robust_beta`][]), None where none reaches the target; `integration`, per variant, how
    well the integrator kept its energy ([`IntegrationCheck`][])."""

    SCHEMA: ClassVar[str] = "clusteremu.misspecification/4"

    likelihood: str
    n_total: int
    seed: int
    rows: list[RobustnessRow]
    choices: list[HeldOutChoice]
    robust_beta: float | None
    integration: list[IntegrationCheck]

    def row(self, name: str) -> RobustnessRow:
        """The row of the set `name` (`model`, or a variant's name)."""
        return next(r for r in self.rows if r.name == name)


def robust_beta(choices: list[HeldOutChoice]) -> float | None:
    """The largest tempering exponent below 1 whose 95% coverage of both parameters reaches
    [`ROBUST_TARGET`][] on the tuning half of every set in `choices`; None if none does."""
    betas = sorted({t.beta for c in choices for t in c.tuning if t.beta < 1.0}, reverse=True)
    for beta in betas:
        at = [at_beta(c.tuning, beta) for c in choices]
        if all(min(t.coverage95.values()) >= ROBUST_TARGET for t in at):
            return beta
    return None


def held_out_choice(name: str, grid: GridPosterior, truth: np.ndarray, box: ParameterBox) -> HeldOutChoice:
    """The set `name` (posteriors `grid` of clusters with true parameters `truth`) in two
    halves by position: even-numbered clusters tune, odd-numbered ones are held out. The
    parameters are prior draws in simulation order, so the halves are alike but for chance."""
    tuning = np.arange(len(truth)) % 2 == 0

    def half(keep):
        return tempered_rows(GridPosterior(grid.q0, grid.a_au, grid.density[keep]), truth[keep], box)

    return HeldOutChoice(name, int(tuning.sum()), int((~tuning).sum()), half(tuning), half(~tuning))


def misspecification_study(
    like: LikelihoodModel,
    name: str,
    columns: Mapping[str, np.ndarray],
    confirmation: ConfirmationStudy,
    config: Mapping[str, Any],
    null: ArrayLike | None,
    energy_within: float,
) -> MisspecificationStudy:
    """The study for the recommended likelihood `like` (named `name`) on the misspecified
    clusters `columns` (their variant in `split`), from a profile's sections `simulation`,
    `inference` (`grid_points`) and `misspecification` (`seed`, `n_sims`); the model check
    calibrated against the null p-values `null`; `energy_within`, the largest energy error of
    the model's own campaign ([`IntegrationCheck`][])."""
    mis, box = config["misspecification"], like.domain
    rows, choices, integration = [confirmation.robustness[0]], [], []
    for k, variant in enumerate(misspecified_variants(config)):
        one = {c: v[columns["split"] == variant.name] for c, v in columns.items()}
        held = usable_rows(one)
        grid = grid_posterior(like, held.y, n_grid=config["inference"]["grid_points"])
        rows.append(robustness_row(variant.name, variant.label, like, grid, held, box, seed=mis["seed"] + k, null=null))
        integration.append(integration_check(variant.name, one, held.x, grid, box, energy_within))
        if variant.name in ROBUST_SETS:
            choices.append(held_out_choice(variant.name, grid, held.x, box))
    return MisspecificationStudy(name, mis["n_sims"], mis["seed"], rows, choices, robust_beta(choices), integration)
