"""The manuscript's sentence on the integrator and the clusters with a Kroupa mass spectrum.

A fixed-step leapfrog resolves the hard binaries that massive stars form only roughly, so a
referee may ask whether the mass-spectrum clusters fail because of their physics or because
of the integrator. From the misspecification study's
[`IntegrationCheck`][clusteremu.evaluation.misspecification.IntegrationCheck] and the
campaign's energy errors: how well the energy of those clusters was kept, and whether those
kept as well as the model's own clusters still get over-confident posteriors.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.misspecification import MisspecificationStudy
from ..evaluation.robustness import at_beta
from ..prior import PARAMETERS

__all__ = ["integration_sentence"]

#: The set the sentence is about: its massive stars form hard binaries.
MASS_SPECTRUM = "kroupa"


def _sci(x: float) -> str:
    """A small positive number as LaTeX, 2 significant digits: 4.0 × 10^-6."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"${mantissa} \\times 10^{{{int(exponent)}}}$"


def integration_sentence(study: MisspecificationStudy, campaign: dict) -> str:
    """How well the integrator kept the mass-spectrum clusters' energy against the campaign's
    (`campaign`: its summary), and whether the clusters it kept within the campaign's largest
    error are as over-confident as the whole set; empty where the study has no such set."""
    check = next((c for c in study.integration if c.name == MASS_SPECTRUM), None)
    if check is None:
        return ""
    how = "less well than" if check.median > 1.5 * campaign["energy_error_median"] else "about as well as"
    text = (
        f"The integrator keeps the energy of the clusters with a Kroupa mass spectrum {how} that of the "
        f"model's: the largest relative energy error $|E - E_0| / |W_0|$ of a cluster has a median of "
        f"{_sci(check.median)} (99th percentile {_sci(check.p99)}, largest {_sci(check.largest)}), against "
        f"{_sci(campaign['energy_error_median'])} ({_sci(campaign['energy_error_p99'])}, "
        f"{_sci(campaign['energy_error_max'])}) in the campaign, and {check.n_flagged} of {check.n} exceed the "
        f"threshold of {campaign['energy_error_threshold']:g} and are left out, as in every set, as are those left "
        f"with too few bound stars for $\\sigma_v$ and $r_h$: {study.row(MASS_SPECTRUM).n_used} of the {check.n} are "
        "usable."
    )
    within, whole = check.coverage95_within, at_beta(study.row(MASS_SPECTRUM).tempered, 1.0).coverage95
    if within is None:
        return text
    # As over-confident: no better than the whole set by more than two binomial standard errors.
    se = {p: np.sqrt(max(whole[p] * (1 - whole[p]), 0.01) / check.n_within) for p in PARAMETERS}
    alike = all(within[p] <= whole[p] + 2 * se[p] for p in PARAMETERS)
    return text + (
        f" The {check.n_within} usable ones whose error stays within the campaign's largest get {95}% intervals "
        f"that cover $Q_0$ in {within['q0']:.2f} and $a$ in {within['a_au']:.2f} of the cases, against "
        f"{whole['q0']:.2f} and {whole['a_au']:.2f} for the whole set: "
        + (
            "their over-confidence is the mass spectrum's, not that of the clusters the integrator follows less well."
            if alike
            else "part of the set's over-confidence comes from the clusters the integrator follows less well."
        )
    )
