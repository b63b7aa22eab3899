"""Figure: sampled initial conditions against the exact Plummer model.

Reads:  the profile config (`--config`, section `figures`) and the validation results
        (`--validation`, from `02_validate_simulator.py`).
Writes: the figure (`--out`, PNG): left, the enclosed mass fraction against the exact
        profile, and below it their difference with two binomial standard errors of the
        sampled fraction; right, the 1-D velocity dispersion in radial shells with two
        standard errors, against the exact profile.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import binomial_band, figure_script
from clusteremu.units import KM_S_PER_AU_YR

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "validation": ("{data}/validation.json", "validation results (JSON)"),
}


def plot(validation):
    pl = validation["plummer"]
    r, sampled, exact = np.array(pl["r_over_a"]), np.array(pl["enclosed_sampled"]), np.array(pl["enclosed_exact"])
    fig = plt.figure(figsize=(6.6, 3.2))
    grid = fig.add_gridspec(2, 2, height_ratios=(3, 1.3))
    ax1 = fig.add_subplot(grid[0, 0])
    res = fig.add_subplot(grid[1, 0], sharex=ax1)
    ax2 = fig.add_subplot(grid[:, 1])
    ax1.plot(r, sampled, label=f"sampled ({pl['n']} stars)")
    ax1.plot(r, exact, "k:", label=r"$M(<r)/M$, Plummer")
    ax1.axvline(pl["half_mass_radius_expected"], color="0.6", lw=0.8, label="expected $r_h$")
    ax1.set_xscale("log")
    ax1.set_ylabel("enclosed mass fraction")
    ax1.tick_params(labelbottom=False)
    ax1.legend(fontsize=7, loc="upper left")
    # At this n the binomial error is invisible on the profile itself; the difference shows it.
    # Each star is inside r or not: a binomial count of n stars with success probability M(<r)/M.
    binomial_band(res, r, exact, pl["n"])
    res.plot(r, sampled - exact, lw=1.0)
    res.axhline(0, color="k", lw=0.6)
    res.set_xlabel(r"$r/a$")
    res.set_ylabel("sampled $-$ exact", fontsize=7)
    res.legend(fontsize=6, loc="upper left")
    # The paper quotes velocities in km/s; the simulator's AU/yr are converted here.
    kms = KM_S_PER_AU_YR
    ax2.errorbar(
        pl["shell_r_over_a"],
        np.array(pl["shell_sigma_sampled"]) * kms,
        yerr=2 * np.array(pl["shell_sigma_se"]) * kms,
        fmt="o",
        ms=3,
        capsize=2,
        label="sampled ± 2 s.e.",
    )
    ax2.plot(r, np.array(pl["sigma_exact"]) * kms, "k:", label="Plummer DF")
    ax2.set_xscale("log")
    ax2.set_xlabel(r"$r/a$")
    ax2.set_ylabel(r"$\sigma_{1D}(r)$ [km/s] at $a$ = " + f"{pl['a_au']:g} AU")
    ax2.legend(fontsize=7, loc="lower left")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
