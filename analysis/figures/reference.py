"""Figures: the recommended likelihood against the simulator's own posteriors on the reference bank.

Reads:  the profile config (`--config`, section `figures`) and the reference bank's
        comparison (`--reference`, from `15_reference_bank.py`).
Writes: two figures (PNG). `--out`: per parameter (rows), the distributions over the
        observations (empirical CDFs) of |dmean| / sd (left) and of the sd ratio (right) of
        the recommended likelihood against the Gaussian, the semi-parametric and the kernel
        reference, with each reference's bootstrap noise floor and the criterion's targets; each panel
        notes how many observations of each drawn curve lie beyond its right axis limit.
        `--examples`: four example posteriors spread over the box: the 68% and 95%
        highest-density regions of the judging (Gaussian) reference filled, the 68% contours
        of the other two references, the 68% (thick) and 95% (thin) contours of the
        recommended likelihood, and the truth.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from clusteremu.evaluation.bank_posterior import BankNodes, NodeInterpolation
from clusteremu.evaluation.reference_bank import QUANTILE_LEVELS, REFERENCES, ReferenceBank
from clusteremu.evaluation.trust import EFFICIENCY_DMEAN, EFFICIENCY_REFERENCE, EFFICIENCY_SD_RATIO
from clusteremu.paper.labels import LIKELIHOOD_NAMES
from clusteremu.paper.plotting import PARAM_LABELS, TRUTH_COLOR, figure_script
from clusteremu.paper.quarters import QUARTER_NAMES, quarter_of
from clusteremu.prior import PARAMETERS, ParameterBox

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "reference": ("{data}/reference.json", "the reference bank's comparison (JSON)"),
}
OUTPUTS = {
    "out": ("{fig}/reference.png", "distributions against the references (PNG)"),
    "examples": ("{fig}/reference_examples.png", "example posteriors (PNG)"),
}
STYLE = {"gaussian": "-", "semiparametric": "--", "kernel": ":"}
REFERENCE_LABEL = {"gaussian": "Gaussian SL", "semiparametric": "semi-parametric SL", "kernel": "kernel (ABC)"}
EMULATOR_COLOR = "#D55E00"
LEVELS = (0.68, 0.95)


def ecdf(ax, values, **style):
    x = np.sort(np.asarray(values))
    ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", **style)


def beyond(ax, limit, values):
    """Note in `ax`, where the curves leave room, how many observations of each reference's
    curve (`values`, by reference) lie right of the axis limit `limit`."""
    handles, labels = [], []
    for kind, v in values.items():
        n = int(np.sum(np.asarray(v) > limit))
        handles.append(plt.Line2D([], [], color=EMULATOR_COLOR, ls=STYLE[kind], lw=1.4))
        labels.append(f"{n} ({n / len(v):.0%})")
    ax.legend(handles, labels, title=f"observations > {limit:g}", loc="best", fontsize=6.5, title_fontsize=6.5)


def distributions(bank):
    fig, axes = plt.subplots(2, 2, figsize=(6.6, 4.8))
    obs = bank.observations
    limits = (max(1.0, 2.5 * EFFICIENCY_DMEAN[1]), 1.5)  # right limits of the x axes
    for row, p in enumerate(PARAMETERS):
        j = PARAMETERS.index(p)
        drawn = ({}, {})  # per column, the values of each reference's curve
        for kind in REFERENCES:
            ref = [o.references[kind] for o in obs]
            emu = [o.likelihoods[bank.recommended] for o in obs]
            dmean = [abs(e.mean[j] - r.mean[j]) / r.sd[j] for e, r in zip(emu, ref, strict=True)]
            ratio = [e.sd[j] / r.sd[j] for e, r in zip(emu, ref, strict=True)]
            drawn[0][kind], drawn[1][kind] = dmean, ratio
            floor = bank.noise_floor[kind][p]
            line = {"ls": STYLE[kind], "lw": 1.4}
            ecdf(axes[row, 0], dmean, color=EMULATOR_COLOR, label=f"vs {REFERENCE_LABEL[kind]}", **line)
            ecdf(axes[row, 1], ratio, color=EMULATOR_COLOR, **line)
            noise = {"color": "0.55", "ls": STYLE[kind], "lw": 1.0, "label": f"noise floor, {REFERENCE_LABEL[kind]}"}
            axes[row, 0].plot(floor.dmean_quantiles, QUANTILE_LEVELS, **noise)
            axes[row, 1].plot(floor.sd_ratio_quantiles, QUANTILE_LEVELS, **noise | {"label": None})
        ax = axes[row, 0]
        ax.plot(EFFICIENCY_DMEAN, (0.5, 0.9), "kx", ms=7, mew=1.6, label="targets", zorder=5)
        ax.set_xlim(0, limits[0])
        ax.set_xlabel(f"|posterior mean − reference mean| / reference sd, {PARAM_LABELS[p]}")
        ax = axes[row, 1]
        ax.plot(EFFICIENCY_SD_RATIO, (0.5, 0.5), "k-", lw=2.2, zorder=5)
        ax.axvline(1.0, color="k", lw=0.5)
        ax.set_xlim(0.5, limits[1])
        ax.set_xlabel(f"posterior sd / reference sd, {PARAM_LABELS[p]}")
        for ax, limit, values in zip(axes[row], limits, drawn, strict=True):
            beyond(ax, limit, values)
            ax.set_ylim(0, 1)
            ax.set_ylabel("fraction of observations")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=6.5)
    fig.suptitle(f"{LIKELIHOOD_NAMES[bank.recommended]} likelihood, {len(obs)} observations", fontsize=8)
    return fig


def hpd_levels(density):
    """Density thresholds enclosing LEVELS of the probability (highest density first), increasing."""
    p = np.sort(density.ravel())[::-1]
    cum = np.cumsum(p)
    return sorted({float(p[min(np.searchsorted(cum, level), p.size - 1)]) for level in LEVELS})


TRUTH_MARKER = {"marker": "+", "color": TRUTH_COLOR, "ms": 9, "mew": 1.8}
FILLS = ("0.86", "0.68")  # the judging reference's 95% and 68% regions


def examples(bank):
    nodes = BankNodes(np.array(bank.q0_nodes), np.array(bank.a_nodes))
    box = ParameterBox(nodes.q0[0], nodes.q0[-1], nodes.a_au[0], nodes.a_au[-1])
    interp = NodeInterpolation.onto(nodes, box, bank.fine_grid)
    fig, axes = plt.subplots(2, 2, figsize=(6.6, 5.4))
    # Eight outlines per panel tangle where the posteriors reach the box's edge. The judging
    # reference is filled (its 68% region darker), the other two references show only their
    # 68% outline, and the recommended likelihood both of its outlines (68% thick).
    others = [kind for kind in REFERENCES if kind != EFFICIENCY_REFERENCE]
    drawn = {
        "semiparametric": {"colors": "0.3", "linestyles": "--", "linewidths": 1.1},
        "kernel": {"colors": "#009E73", "linestyles": ":", "linewidths": 1.5},
        bank.recommended: {"colors": EMULATOR_COLOR, "linestyles": "-", "linewidths": 1.6},
    }
    for ax, ex in zip(axes.ravel(), bank.examples, strict=False):
        span = []
        for name in (*REFERENCES, bank.recommended):
            ll = np.array([-np.inf if v is None else v for v in ex.node_log_likelihood[name]])
            dens = interp.density(ll)
            levels = hpd_levels(dens)  # ascending density: the 95% region's edge first, then the 68%'s
            if name == EFFICIENCY_REFERENCE:
                ax.contourf(interp.q0, interp.a_au, dens.T, levels=[*levels, dens.max()], colors=FILLS[-len(levels) :])
            elif name in others:
                ax.contour(interp.q0, interp.a_au, dens.T, levels=levels[-1:], **drawn[name])
            else:
                style = drawn[name]
                widths = [0.6 * style["linewidths"], 1.5 * style["linewidths"]][-len(levels) :]
                ax.contour(interp.q0, interp.a_au, dens.T, levels=levels, **{**style, "linewidths": widths})
            inside = dens >= levels[0]
            span.append([interp.q0[inside.any(1)][[0, -1]], interp.a_au[inside.any(0)][[0, -1]]])
        ax.plot(*ex.truth, ls="none", zorder=5, **TRUTH_MARKER)
        quarter = int(quarter_of(box, "q0", ex.truth[0]))
        ax.set_title(
            f"{QUARTER_NAMES[quarter]} quarter of {PARAM_LABELS['q0']}: truth {ex.truth[0]:.2f}, {ex.truth[1]:.0f} AU",
            fontsize=8,
        )
        span = np.array(span)  # (likelihoods, parameter, [lo, hi])
        for j, setter in enumerate((ax.set_xlim, ax.set_ylim)):
            lo, hi = span[:, j, 0].min(), span[:, j, 1].max()
            pad = 0.15 * (hi - lo) + (box.high[j] - box.low[j]) * 0.01
            setter(max(lo - pad, box.low[j]), min(hi + pad, box.high[j]))
        ax.set_xlabel(PARAM_LABELS["q0"])
        ax.set_ylabel(PARAM_LABELS["a_au"])
    for ax in axes.ravel()[len(bank.examples) :]:
        ax.set_axis_off()
    judge = REFERENCE_LABEL[EFFICIENCY_REFERENCE]
    ours, style = LIKELIHOOD_NAMES[bank.recommended], drawn[bank.recommended]
    legend = {
        f"{judge}, 68% HPD": Patch(color=FILLS[1]),
        f"{judge}, 95% HPD": Patch(color=FILLS[0]),
        **{
            f"{REFERENCE_LABEL[k]}, 68% HPD": plt.Line2D(
                [], [], color=drawn[k]["colors"], ls=drawn[k]["linestyles"], lw=drawn[k]["linewidths"]
            )
            for k in others
        },
        f"{ours}, 68% HPD": plt.Line2D([], [], color=style["colors"], lw=1.5 * style["linewidths"]),
        f"{ours}, 95% HPD": plt.Line2D([], [], color=style["colors"], lw=0.6 * style["linewidths"]),
        "truth": plt.Line2D([], [], ls="none", **TRUTH_MARKER),
    }
    fig.legend(legend.values(), legend.keys(), loc="outside lower center", ncol=3, fontsize=7)
    return fig


def plot(reference):
    return [distributions(reference), examples(reference)]


if __name__ == "__main__":
    figure_script(
        __file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, readers={"reference": ReferenceBank.load}, outputs=OUTPUTS
    )
