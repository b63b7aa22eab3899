"""Figure: energy conservation and second-order convergence of the integrator.

Reads:  the profile config (`--config`, section `figures`) and the validation results
        (`--validation`, from `02_validate_simulator.py`).
Writes: the figure (`--out`, PNG): left, maximum energy error against timestep at the
        dense, cold corner of the domain (float32 and float64 forces) and the maximum position
        error of a Kepler orbit in units of its semi-major axis (both named on the shared axis
        and in the legend); right, the energy error over time at the four corners.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "validation": ("{data}/validation.json", "validation results (JSON)"),
}


def plot(validation):
    val = validation
    conv, kep = val["energy_convergence"], val["two_body"]
    dts, errs = np.array(conv["dt_yr"]), np.array(conv["error"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 3.4))
    cluster = rf"cluster ($Q_0$={conv['q0']:.1f}, $a$={conv['a_au']:.0f} AU): max $|E-E_0|/|W_0|$"
    ax1.loglog(dts, errs, "o-", label=f"{cluster}, float32 forces")
    errs64 = np.array(conv["error_float64"])
    ax1.loglog(dts, errs64, "^-", ms=4, label="the same cluster, float64 forces")
    ax1.loglog(dts, errs64[-2] * (dts / dts[-2]) ** 2, "k:", label=r"$\propto \Delta t^2$")
    ax1.axvline(val["production_dt_yr"], color="0.6", lw=0.8)
    ax1.loglog(kep["dt_yr"], kep["position_error"], "s--", label=r"two-body orbit: max $|\Delta x|/a_K$")
    ax1.set_xlabel(r"timestep $\Delta t$ [yr]")
    # one axis, two dimensionless errors: the label names both, each with its own symbol
    ax1.set_ylabel("maximum error")  # which error, per curve, the legend says: no long label under it
    ax1.text(val["production_dt_yr"], 0.02, " production", transform=ax1.get_xaxis_transform(), fontsize=7, color="0.4")
    ax1.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    for h in val["energy_histories"]:
        ax2.semilogy(h["t_yr"][1:], h["error"][1:], label=rf"$Q_0$={h['q0']:.1f}, $a$={h['a_au']:.0f} AU")
    ax2.set_xlabel("time [yr]")
    ax2.set_ylabel(r"$|E(t)-E_0|/|W_0|$")
    ax2.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
