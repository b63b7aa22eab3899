"""What the mean ensemble's calibration does on the test split, as a sentence for the
predictive-uncertainty section.

The calibration scales each output's predictive sd by one factor fitted on the validation
split (mean squared z-score one there); the test split, other design points, says whether
that factor carries over. The sentence names, per output, whether the test split's mean
squared z-score moved toward one or away from it, with its bootstrap standard error, so that
a table row that worsens after calibration is explained where the reader meets it.
"""

from __future__ import annotations

from .text import OUT_TEXT, listing

__all__ = ["calibration_sentence"]

UNCALIBRATED, CALIBRATED = "ensemble, uncalibrated", "ensemble, calibrated"


def _moved(ev: dict, j: int) -> str:
    """Output `j`'s mean z^2 on the test split before and after calibration, with s.e."""
    before, after = (ev["probabilistic"][k] for k in (UNCALIBRATED, CALIBRATED))
    return (
        f"{OUT_TEXT[ev['outputs'][j]]} ({before['z2_mean'][j]:.2f} ± {before['z2_mean_se'][j]:.2f} to "
        f"{after['z2_mean'][j]:.2f} ± {after['z2_mean_se'][j]:.2f}, factor {ev['calibration_scale'][j]:.2f})"
    )


def calibration_sentence(ev: dict) -> str:
    """Whether the validation split's calibration improves the test split's mean z^2, output by
    output (`ev`: the evaluation results); the worst output's 68% coverage after it."""
    before, after = (ev["probabilistic"][k] for k in (UNCALIBRATED, CALIBRATED))
    n = len(ev["outputs"])
    away = [j for j in range(n) if abs(after["z2_mean"][j] - 1) > abs(before["z2_mean"][j] - 1)]
    toward = [j for j in range(n) if j not in away]
    if not away:
        return (
            "On the test split the factors fitted on validation move the mean squared $z$-score toward one for every "
            f"output: {listing([_moved(ev, j) for j in toward])}."
        )
    worst = max(away, key=lambda j: abs(after["z2_mean"][j] - 1))
    parts = [f"toward one for {listing([_moved(ev, j) for j in toward])}"] if toward else []
    parts.append(f"away from it for {listing([_moved(ev, j) for j in away])}")
    return (
        "On the test split, design points other than those it was fitted on, the calibration moves the mean squared "
        f"$z$-score {' but '.join(parts)}: the factors fitted on the validation split's design points do not all "
        f"carry over to new ones, and after calibration the 68% intervals of {OUT_TEXT[ev['outputs'][worst]]} "
        f"cover {after['coverage68'][worst]:.2f} ± {after['coverage68_se'][worst]:.2f} of the realizations, "
        f"{'down' if after['coverage68'][worst] < before['coverage68'][worst] else 'up'} from "
        f"{before['coverage68'][worst]:.2f} before calibration (nominal 0.68)."
    )
