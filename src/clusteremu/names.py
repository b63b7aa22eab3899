"""Display names shared by tables and figures: summaries, parameters, likelihoods.

A module of its own, free of any computation, so that renaming a label reruns only the
tables and figures that print it.
"""

__all__ = ["LIKELIHOOD_NAMES", "OUTPUT_SYMBOLS", "PARAM_SYMBOLS"]

#: LaTeX symbols of the summaries and parameters, for tables (Markdown with math).
OUTPUT_SYMBOLS = {"f_bound": "$f_\\mathrm{bound}$", "sigma_v_kms": "$\\sigma_v$", "r_h_au": "$r_h$"}
PARAM_SYMBOLS = {"q0": "$Q_0$", "a_au": "$a$"}

#: The likelihoods compared in the paper, in table order, with their display names.
LIKELIHOOD_NAMES = {
    "constant": "constant diagonal",
    "input": "input-dependent",
    "fullcov": "full covariance",
    "gp": "Gaussian process",
    "learned": "learned noise",
    "learned+selection": "learned noise + selection",
    "flow": "flow",
    "flow+selection": "flow + selection",
}
