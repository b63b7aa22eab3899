"""Words of the manuscript's generated sentences: number words, lists, capitals, labels.

Small pure helpers shared by every module that composes a sentence from results
([`clusteremu.paper.numbers`][], [`clusteremu.paper.findings`][], [`clusteremu.paper.claims`][]).
"""

from __future__ import annotations

__all__ = [
    "CHECK_TEXT",
    "MODEL_TEXT",
    "OUT_FMT",
    "OUT_TEXT",
    "PARAM_TEXT",
    "listing",
    "two_digits",
    "upper_first",
    "word",
]

OUT_FMT = {"f_bound": "{:.3f}", "sigma_v_kms": "{:.2f}", "r_h_au": "{:.0f}"}

OUT_TEXT = {"f_bound": "the bound fraction", "sigma_v_kms": "the velocity dispersion", "r_h_au": "the half-mass radius"}

PARAM_TEXT = {"q0": "$Q_0$", "a_au": "$a$"}

MODEL_TEXT = {
    "mean": "the mean ensemble",
    "learned": "the learned-noise ensemble",
    "gp": "the Gaussian process",
    "flow": "the flow",
}

WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]

CHECK_TEXT = {
    "accuracy": "the accuracy condition",
    "global": "the overall coverage",
    "quarters": "the coverage by quarter",
    "sbc": "the SBC test",
    "tarp": "the TARP test",
    "calibration": "the calibration tests on the confirmation set",
    "efficiency": "the agreement with the simulator's own posteriors",
}


def word(n: int) -> str:
    return WORDS[n] if n < len(WORDS) else str(n)


def upper_first(text: str) -> str:
    """Capitalize the first letter only (str.capitalize would lower "Gaussian" and "$Q_0$")."""
    return text[:1].upper() + text[1:]


def two_digits(x: float) -> str:
    """Two significant digits without an exponent for ordinary sizes: 0.0046, 3.9, 87, 130."""
    return f"{float(f'{x:.2g}'):g}"


def listing(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
