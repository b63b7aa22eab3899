"""The quarters of the prior range that the paper's sentences and figures name."""

import numpy as np

from clusteremu.paper.quarters import QUARTER_NAMES, quarter_of
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)


def test_a_quarter_holds_its_lower_edge_and_the_highest_the_top_of_the_range():
    q0 = np.array([0.5, 0.7499, 0.75, 1.0, 1.2499, 1.25, 1.5])
    np.testing.assert_array_equal(quarter_of(BOX, "q0", q0), [0, 0, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(quarter_of(BOX, "a_au", np.array([50.0, 87.5, 199.0])), [0, 1, 3])


def test_values_outside_the_range_count_in_the_nearest_quarter_and_one_value_gives_one_name():
    np.testing.assert_array_equal(quarter_of(BOX, "q0", np.array([0.1, 2.0])), [0, 3])
    assert QUARTER_NAMES[int(quarter_of(BOX, "q0", 1.1))] == "third"
