"""Simulate two example clusters for the overview figure: the coldest and the hottest Q0.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `validation`).
Writes: initial and final positions (AU), the stars bound at T, and the parameters of a
        cluster at each end of the Q0 range with a at the middle of its range
        (`--out`, NPZ); `figures/clusters.py` draws them.
"""

import jax
import numpy as np

from clusteremu.config import load_config
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.simulate import SimulationSettings, simulate_one
from clusteremu.simulation.summaries import bound_mask

CONFIG_SECTIONS = ("domain", "simulation", "validation")
INPUTS = {}
OUTPUTS = {
    "out": ("{data}/snapshots.npz", "snapshots (NPZ)"),
}
SEED_OFFSET = 9_000_000  # clear of the seeds the validation itself draws


def snapshot(q0: float, a: float, settings, seed: int) -> dict:
    out = simulate_one(q0, a, settings, key=jax.random.key(seed), keep_state=True)
    st = out.state
    bound, _ = bound_mask(st["pos"], st["vel"], st["masses"], float(st["softening"]))
    return {
        "q0": q0,
        "a_au": a,
        "pos0": np.asarray(st["pos0"]),
        "pos": np.asarray(st["pos"]),
        "bound": np.asarray(bound),
    }


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    settings = SimulationSettings.from_config(config)
    box = ParameterBox.from_domain(config["domain"])
    seed = config["validation"]["seed"] + SEED_OFFSET
    a = 0.5 * (box.a_min_au + box.a_max_au)
    arrays = {"t_end_yr": settings.t_end_yr}
    for k, (name, q0) in enumerate((("cold", box.q0_min), ("hot", box.q0_max))):
        arrays |= {f"{name}_{key}": value for key, value in snapshot(q0, a, settings, seed + k).items()}
    Run(__file__, config, seeds={"snapshots": seed}).write_arrays(args.out, arrays)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
