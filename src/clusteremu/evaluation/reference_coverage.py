"""How often posteriors on the reference bank cover the truth, and the references by bank size.

The truths of the bank's observations are known, so every posterior interpolated from the
bank's nodes ([`clusteremu.evaluation.bank_posterior`][]) can be checked: [`pit`][] is each
truth's probability integral transform under its posterior, per parameter, and
[`coverage`][] the fraction of truths inside the central 68% and 95% intervals. The study
computes each observation's PIT once and aggregates it over the subsets it reports (the
compared observations, and every usable confirmation simulation).

A bank too small misses the tail of the summaries' distribution at every node alike
(common random numbers), which its bootstrap cannot show; [`by_size`][] shows it, through the references built from
the bank's first realizations only ([`nested_sizes`][]): their coverage of the truths, and
how far the recommended likelihood's posteriors, which do not depend on the bank's size, lie
from theirs. A disagreement that shrinks as the bank grows is, at least in part, the
references' own Monte Carlo error.
"""

from __future__ import annotations

import numpy as np

from ..inference.grid import GridPosterior
from ..prior import PARAMETERS
from .bank_posterior import NodeInterpolation
from .reference import MIN_USABLE, BankRealizations
from .reference_bank import REFERENCES, Agreement, agreement
from .synthetic_likelihood import SyntheticLikelihoods

__all__ = ["SCORE_CHUNK", "by_size", "coverage", "nested_sizes", "pit", "score_reference"]

#: Observations a synthetic likelihood scores at once (bounds the memory of its kernel sums).
SCORE_CHUNK = 32


def score_reference(synthetic: SyntheticLikelihoods, kind: str, z_obs: np.ndarray) -> np.ndarray:
    """The reference `kind`'s node log-likelihoods of every observation (transformed
    summaries `z_obs`) under the first resample of `synthetic`, (obs, nodes)."""
    parts = [getattr(synthetic, kind)(z_obs[s : s + SCORE_CHUNK])[0] for s in range(0, len(z_obs), SCORE_CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, synthetic.defined.shape[-1]))


def pit(interp: NodeInterpolation, node_ll: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Each truth's posterior CDF value per parameter, (obs, 2), from the node log-likelihoods
    `node_ll` (obs, nodes) interpolated onto the fine grid."""
    out = [np.zeros((0, 2))]
    for s in range(0, len(truth), 128):
        post = GridPosterior(interp.q0, interp.a_au, interp.density(node_ll[s : s + 128]))
        out.append(np.column_stack([post.cdf(p, truth[s : s + 128, j]) for j, p in enumerate(PARAMETERS)]))
    return np.concatenate(out)


def coverage(pits: np.ndarray) -> dict[str, list[float]]:
    """Per parameter, the fraction of truths inside the central 68% and 95% intervals, from
    their PITs (obs, 2); NaN for no observation."""
    inside = np.abs(pits - 0.5)
    if not len(inside):
        return {p: [float("nan")] * 2 for p in PARAMETERS}
    return {p: [float(np.mean(inside[:, j] <= level / 2)) for level in (0.68, 0.95)] for j, p in enumerate(PARAMETERS)}


def nested_sizes(realizations: int) -> list[int]:
    """The bank sizes whose references' own coverage is reported, ascending: `realizations`,
    its half, quarter, ... (rounded down) while at least twice
    [`MIN_USABLE`][clusteremu.evaluation.reference.MIN_USABLE]; each is the bank's first
    realizations, which a bank of that size would have simulated (common random numbers)."""
    sizes = [realizations]
    while sizes[-1] // 2 >= 2 * MIN_USABLE:
        sizes.append(sizes[-1] // 2)
    return sizes[::-1]


def by_size(
    bank: BankRealizations,
    z_obs: np.ndarray,
    interp: NodeInterpolation,
    truth: np.ndarray,
    ours: tuple[np.ndarray, np.ndarray],
    whole: tuple[dict, dict],
) -> tuple[dict[str, dict[str, dict[str, list[float]]]], dict[str, dict[str, dict[str, Agreement]]]]:
    """Per [`nested_sizes`][] (as a string), per reference, the references built from the
    bank's first realizations only, scored on the observations `z_obs` with truths `truth`:

    - their [`coverage`][] of the truths, reference -> parameter;
    - the [`agreement`][clusteremu.evaluation.reference_bank.agreement] of the recommended
      likelihood's posteriors `ours` (means and sds, (obs, 2) each) with theirs,
      reference -> parameter.

    `whole`, the same two for every realization (computed once, by the caller), is the last entry.
    """
    cov, agree = {}, {}
    for size in nested_sizes(bank.realizations)[:-1]:
        counts = (np.arange(bank.realizations) < size).astype(int)[None]
        first = SyntheticLikelihoods.of(bank, counts)
        cov[str(size)], agree[str(size)] = {}, {}
        for kind in REFERENCES:
            node_ll = score_reference(first, kind, z_obs)
            cov[str(size)][kind] = coverage(pit(interp, node_ll, truth))
            mean, sd = interp.moments(node_ll)
            agree[str(size)][kind] = {
                p: agreement(ours[0][:, j], ours[1][:, j], mean[:, j], sd[:, j]) for j, p in enumerate(PARAMETERS)
            }
    return cov | {str(bank.realizations): whole[0]}, agree | {str(bank.realizations): whole[1]}
