"""Figure: sampled initial conditions against the exact Plummer model.

Reads:  the profile config (`--config`, section `figures`) and the validation results
        (`--validation`, from `02_validate_simulator.py`).
Writes: the figure (`--out`, PNG): left, the enclosed mass fraction; right, the 1-D
        velocity dispersion in radial shells; each against the exact profile.
"""

import matplotlib.pyplot as plt

from clusteremu.paper.plotting import figure_script
from clusteremu.units import KM_S_PER_AU_YR

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "validation": ("{data}/validation.json", "validation results (JSON)"),
}


def plot(validation):
    pl = validation["plummer"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 2.8))
    ax1.plot(pl["r_over_a"], pl["enclosed_sampled"], label=f"sampled ({pl['n']} stars)")
    ax1.plot(pl["r_over_a"], pl["enclosed_exact"], "k:", label=r"$M(<r)/M$, Plummer")
    ax1.axvline(pl["half_mass_radius_expected"], color="0.6", lw=0.8, label="expected $r_h$")
    ax1.set_xscale("log")
    ax1.set_xlabel(r"$r/a$")
    ax1.set_ylabel("enclosed mass fraction")
    ax1.legend(fontsize=7, loc="upper left")
    # The paper quotes velocities in km/s; the simulator's AU/yr are converted here.
    kms = KM_S_PER_AU_YR
    ax2.plot(pl["shell_r_over_a"], [s * kms for s in pl["shell_sigma_sampled"]], "o", ms=3, label="sampled")
    ax2.plot(pl["r_over_a"], [s * kms for s in pl["sigma_exact"]], "k:", label="Plummer DF")
    ax2.set_xscale("log")
    ax2.set_xlabel(r"$r/a$")
    ax2.set_ylabel(r"$\sigma_{1D}(r)$ [km/s] at $a$ = " + f"{pl['a_au']:g} AU")
    ax2.legend(fontsize=7, loc="lower left")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
