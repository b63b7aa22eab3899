"""The four quarters of a parameter's prior range, as the paper's text and figures name them.

The studies bin their cases by [`ParameterBox.quarter_edges`][clusteremu.prior.ParameterBox.quarter_edges]
themselves; this module gives the sentences and figures that single out one quarter its
name ("in the lowest quarter") and the quarter a value falls in. Only the paper's text and
figures import it, so editing it reruns them and no study.
"""

from __future__ import annotations

import numpy as np
from jaxtyping import ArrayLike, Float, Int

from ..prior import ParameterBox

__all__ = ["QUARTER_NAMES", "quarter_of"]

#: The quarters' names, lowest values first.
QUARTER_NAMES = ("lowest", "second", "third", "highest")


def quarter_of(box: ParameterBox, name: str, values: Float[ArrayLike, "*n"]) -> Int[np.ndarray, "*n"]:
    """The quarter of `box`'s range of parameter `name` ("q0" or "a_au") that each of `values`
    lies in: 0 for the lowest ... 3 for the highest, a quarter holding its lower edge, the
    range's upper edge in the highest quarter (values outside the range count in the nearest)."""
    k = np.searchsorted(box.quarter_edges(name), np.asarray(values, float), side="right") - 1
    return np.asarray(np.clip(k, 0, len(QUARTER_NAMES) - 1))
