"""Display names shared by tables and figures (summaries, parameters, likelihoods), and the
likelihoods a calibration figure compares with the recommended one.

A module of its own, free of any computation, so that renaming a label reruns only the
tables and figures that print it. The likelihoods' names come from their registry,
[`clusteremu.inference.registry`][].
"""

from ..inference.registry import LIKELIHOOD_NAMES

__all__ = ["COMPARATORS", "LIKELIHOOD_NAMES", "OUTPUT_SYMBOLS", "PARAM_SYMBOLS"]

#: LaTeX symbols of the summaries and parameters, for tables (Markdown with math).
OUTPUT_SYMBOLS = {"f_bound": "$f_\\mathrm{bound}$", "sigma_v_kms": "$\\sigma_v$", "r_h_au": "$r_h$"}
PARAM_SYMBOLS = {"q0": "$Q_0$", "a_au": "$a$"}

#: The likelihoods a calibration figure draws beside the recommended one: the simplest
#: heteroscedastic Gaussian, the best non-flow likelihood and the GP (eight nearly
#: coinciding curves would hide the comparison; every likelihood is in the tables).
COMPARATORS = ("input", "learned+selection", "gp")
