"""The reference bank: simulations on a grid of nodes over the whole prior box, with common random numbers.

An amortized simulator-based reference serves any observation in the box: `realizations`
simulations at every node of a `q0_nodes` x `a_nodes` grid that includes the box edges
([`BankNodes`][clusteremu.evaluation.bank_posterior.BankNodes]). Realization `r` uses the
same seed at every node (common random numbers, [`bank_design`][]), so the Monte Carlo
error of a synthetic likelihood built from the bank varies smoothly from node to node
instead of as independent noise per node (which is what gave a local-grid reference a
marginal with three peaks), and one realization is one unit for the bootstrap. The
simulation cache keys on (seed, Q0, a), so equal seeds at different nodes are distinct
entries.

[`bank_realizations`][] arranges the bank's simulations as the synthetic likelihoods of
[`clusteremu.evaluation.synthetic_likelihood`][] read them: summaries in the transformed
space z of [`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform] per node
and realization, which of them are usable, and the z-width of one bound star.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from jaxtyping import Bool, Float

from ..datasets.design import Design, simulation_seed
from ..datasets.table import OUTPUT_NAMES, usable
from ..emulators.transforms import SummaryTransform
from .bank_posterior import BankNodes

__all__ = ["MIN_USABLE", "BankRealizations", "bank_design", "bank_realizations"]

#: Fewest distinct usable realizations behind a node's synthetic likelihood: a covariance of
#: the d = 3 summaries needs more than d draws, and one more keeps it away from singular.
MIN_USABLE = len(OUTPUT_NAMES) + 2


def bank_design(nodes: BankNodes, *, seed: int, realizations: int) -> Design:
    """`realizations` simulations at every node, labelled split "reference", with common random numbers.

    Row (node `k`, realization `r`) is design point `k`, realization `r`, with seed
    [`simulation_seed`][clusteremu.datasets.design.simulation_seed]`(seed, 0, r)` at every
    node: realization `r` draws the same random numbers whatever the node's (Q0, a), and a
    bank with more realizations keeps the ones of a smaller bank.
    """
    pts = nodes.points
    n, m = len(pts), realizations
    seeds = np.array([simulation_seed(seed, 0, r) for r in range(m)], dtype=np.int64)
    return Design(
        np.repeat(np.arange(n), m),
        np.tile(np.arange(m), n),
        np.repeat(pts[:, 0], m),
        np.repeat(pts[:, 1], m),
        np.full(n * m, "reference"),
        np.tile(seeds, n),
    )


@dataclass(frozen=True)
class BankRealizations:
    """The bank's simulations, by node and realization.

    - `z`: summaries in z = (logit f_bound with continuity correction, log sigma_v, log
      r_h), zero where the simulation is not usable.
    - `usable`: energy conserved and enough stars bound (the emulators' condition).
    - `count_width`: per node, the z-width of one bound star in the bound fraction's
      coordinate at the node's median bound count (f_bound = k / N is a count).
    """

    z: Float[np.ndarray, "nodes realizations 3"]
    usable: Bool[np.ndarray, "nodes realizations"]
    count_width: Float[np.ndarray, " nodes"]

    @property
    def realizations(self) -> int:
        return self.z.shape[1]


def count_width(f_bound: Float[np.ndarray, " n"], n_stars: int) -> float:
    """The z-width of one bound star around the median of `f_bound` (bound fractions of `n_stars`).

    The mean step of z's first coordinate between the counts one below and one above the
    median count, clipped to [0, N]: about 0.04 at f = 0.5 for N = 100, 1.1 at f = 1.
    """
    t = SummaryTransform(n_stars)
    k = n_stars * float(np.median(f_bound))
    lo, hi = max(k - 1.0, 0.0), min(k + 1.0, float(n_stars))
    f = np.array([[lo / n_stars, 1.0, 1.0], [hi / n_stars, 1.0, 1.0]])
    z = np.asarray(t.forward(f))[:, 0]
    return float((z[1] - z[0]) / (hi - lo))


def bank_realizations(
    columns: Mapping[str, np.ndarray], nodes: BankNodes, realizations: int, n_stars: int
) -> BankRealizations:
    """Arrange the bank's dataset `columns` (rows of [`bank_design`][] in any order) by node and realization.

    A node without usable simulations gets the count width at f = 1 (it is never read:
    such a node has no synthetic likelihood).
    """
    n_nodes = len(nodes.points)
    row = np.asarray(columns["point"]) * realizations + np.asarray(columns["realization"])
    if sorted(row.tolist()) != list(range(n_nodes * realizations)):
        raise ValueError(f"the bank's dataset does not hold {n_nodes} nodes x {realizations} realizations")
    ok = np.zeros(n_nodes * realizations, bool)
    ok[row] = usable(columns)
    y = np.ones((n_nodes * realizations, len(OUTPUT_NAMES)))
    y[row] = np.column_stack([columns[c] for c in OUTPUT_NAMES])
    y[~ok] = 1.0  # any finite value: the row is masked out
    z = np.where(ok[:, None], np.asarray(SummaryTransform(n_stars).forward(y)), 0.0)
    ok, y = ok.reshape(n_nodes, realizations), y.reshape(n_nodes, realizations, -1)
    width = np.array([count_width(y[k, ok[k], 0] if ok[k].any() else np.ones(1), n_stars) for k in range(n_nodes)])
    return BankRealizations(z.reshape(n_nodes, realizations, -1), ok, width)
