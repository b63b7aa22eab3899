"""When a NUTS posterior counts as healthy: the diagnostic targets, in one place.

Pure constants, so that the sampler ([`clusteremu.inference.sampling`][]) and the text that
states the targets ([`clusteremu.paper.findings`][]) read the same numbers without the text
depending on the sampler's code.
"""

__all__ = ["ESS_MIN", "RHAT_MAX"]

#: Diagnostic thresholds a NUTS run must meet (Vehtari et al. 2021): rank-normalized R-hat
#: below `RHAT_MAX`, bulk and tail effective sample sizes above `ESS_MIN`, and no divergence.
RHAT_MAX, ESS_MIN = 1.01, 400
