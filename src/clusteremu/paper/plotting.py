"""Figure style, the labels and colours that carry meaning across figures, and saving.

All figures use one matplotlib style file (`clusteremu.mplstyle`, shipped with the
package) so that fonts, sizes and colours agree everywhere in the paper. Figure scripts
(`analysis/figures/`) draw from saved results only and write through
[`clusteremu.repro.provenance.Run.save_figure`][], which embeds the provenance stamp. Only
figure scripts import this module, so editing it reruns figures and nothing else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless and deterministic: the same bytes on every machine
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from ..config import Config, ConfigError, load_config  # noqa: E402
from ..inference.registry import spec  # noqa: E402
from ..repro.provenance import Run  # noqa: E402
from ..repro.steps import declared_inputs, make_parser  # noqa: E402

__all__ = [
    "binomial_band",
    "LABELS",
    "MEMBER_COLORS",
    "member_colors",
    "PARAM_LABELS",
    "SPLIT_COLORS",
    "TRUTH_COLOR",
    "STYLE",
    "likelihood_style",
    "figure_script",
    "load_input",
    "member_curves",
    "save_figure",
    "use_style",
]

STYLE = Path(__file__).with_name("clusteremu.mplstyle")

#: Colour of each data split, used by every figure that shows splits.
SPLIT_COLORS = {"train": "#0072B2", "validation": "#E69F00", "test": "#D55E00"}
#: The true parameters wherever a figure marks them beside a posterior.
TRUTH_COLOR = "#0072B2"

#: Colours of the members of an ensemble, one each, told apart at a glance (Okabe-Ito).
MEMBER_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")

#: Axis labels of the summaries (with units) and of the parameters.
LABELS = {"f_bound": r"$f_\mathrm{bound}$", "sigma_v_kms": r"$\sigma_v$ [km/s]", "r_h_au": r"$r_h$ [AU]"}
PARAM_LABELS = {"q0": r"$Q_0$", "a_au": r"$a$ [AU]"}


def likelihood_style(name: str, recommended: str) -> dict:
    """Line style of a likelihood in every figure: its own colour; the recommended one bold,
    with larger filled markers edged in black (so it stands out also where only markers show)."""
    marker = "o" if "selection" in name else "s" if name in ("learned", "flow") else "^"
    own = {"color": spec(name).color, "marker": marker, "ms": 4, "lw": 0.9, "zorder": 2}
    if name != recommended:
        return own
    return own | {"ms": 6, "mec": "k", "mew": 0.8, "lw": 2.0, "zorder": 3}


def binomial_band(ax, x, rate, n: int, *, centre=0.0, color="0.85", label: str = "±2 binomial s.e.") -> None:
    """Shade two binomial standard errors, sqrt(rate (1 - rate) / n), of an empirical fraction of
    `n` cases whose true rate is `rate`, either side of `centre`: over `x`, or across the whole
    axis where `x` is None (then `rate` and `centre` are single numbers)."""
    half = 2 * np.sqrt(np.asarray(rate) * (1 - np.asarray(rate)) / n)
    if x is None:
        ax.axhspan(centre - half, centre + half, color=color, lw=0, label=label)
    else:
        ax.fill_between(x, centre - half, centre + half, color=color, lw=0, label=label)


def member_colors(n: int) -> list:
    """The colours of `n` ensemble members, the same in every figure that tells members apart:
    [`MEMBER_COLORS`][] in order, or a 20-colour cycle where there are more members."""
    return list(MEMBER_COLORS[:n]) if n <= len(MEMBER_COLORS) else [plt.get_cmap("tab20")(m % 20) for m in range(n)]


def member_curves(ax, epochs, train, validation, kept, *, kept_label: str, ms: float = 9, legend: bool = True) -> None:
    """Draw the training (solid) and validation (dashed) loss of each member of an ensemble,
    each member in its own colour ([`MEMBER_COLORS`][]), with a tick at its kept epoch.

    `epochs`, `train` and `validation` hold one sequence per member; `kept` one pair
    (epoch, validation loss) per member. The legend explains the line styles (`kept_label`
    names the tick) and names the members by colour; `legend=False` leaves it to another panel.
    """
    n = len(train)
    colors = member_colors(n)
    outline = [patheffects.withStroke(linewidth=3.5, foreground="w")]  # lifts the tick off the members' curves
    for m, (epoch, tr, val, (best, loss)) in enumerate(zip(epochs, train, validation, kept, strict=True)):
        ax.plot(epoch, tr, color=colors[m], lw=0.8)
        ax.plot(epoch, val, color=colors[m], lw=0.8, ls="--")
        ax.plot(best, loss, "|", color=colors[m], ms=ms, mew=1.5, zorder=3, path_effects=outline)
    if not legend:
        return
    styles = [
        Line2D([], [], color="0.3", lw=0.8, label="training"),
        Line2D([], [], color="0.3", lw=0.8, ls="--", label="validation"),
        Line2D([], [], color="0.3", marker="|", ls="", ms=ms, mew=1.5, label=kept_label),
    ]
    members = [Line2D([], [], color=colors[m], lw=2.0, label=f"member {m + 1}") for m in range(n)]
    ax.add_artist(ax.legend(handles=styles, fontsize=7, loc="upper center"))
    ax.legend(handles=members, fontsize=7, loc="upper right")


def use_style() -> None:
    """Apply the project style to all figures made afterwards."""
    plt.style.use(STYLE)


def load_input(path: str | Path) -> Any:
    """A saved result, by its extension: JSON (object), CSV (dataset columns) or NPZ (arrays)."""
    path = Path(path)
    if path.suffix == ".json":
        return json.loads(path.read_text())
    if path.suffix == ".csv":
        from ..datasets.table import read_dataset

        return read_dataset(path)
    if path.suffix == ".npz":
        with np.load(path) as arrays:
            return dict(arrays)
    raise ValueError(f"{path}: no reader for {path.suffix!r} files")


def figure_script(
    script: str,
    doc: str,
    sections: tuple[str, ...],
    inputs: Mapping[str, tuple],
    plot: Callable[..., Any],
    *,
    readers: Mapping[str, Callable[[str], Any]] | None = None,
    outputs: Mapping[str, tuple] | None = None,
) -> None:
    """Run a figure script: read the config sections and the declared inputs, draw, save.

    `inputs` is the script's `INPUTS` declaration ([`clusteremu.repro.steps`][]): the
    option, file and help text of each input, from which the build also writes the
    figure's make rule. Each input is read by `readers[name]` if given (a typed result's
    `load`, e.g. `LikelihoodComparison.load`), else by [`load_input`][]. `plot` receives the
    loaded inputs as keyword arguments and returns the figure, or a list of figures, one
    per output path (`outputs`, the script's `OUTPUTS`; by default one option `--out`).
    A bad config or a missing or malformed input ends the script with one clear line,
    writing nothing.
    """
    outputs = outputs or {"out": (f"{{fig}}/{Path(script).stem}.png", "the figure (PNG)")}
    args = make_parser(doc, inputs, outputs).parse_args()
    readers = readers or {}
    try:
        config = load_config(args.config, sections)
        loaded = {name: readers.get(name, load_input)(getattr(args, name)) for name in inputs}
        use_style()
        figs = plot(**loaded)
        figs = figs if isinstance(figs, list) else [figs]
        paths = [p for name in outputs for p in np.atleast_1d(getattr(args, name)).tolist()]
        if len(figs) != len(paths):
            raise ConfigError(f"--out names {len(paths)} files for {len(figs)} figures")
        for fig, out in zip(figs, paths, strict=True):
            save_figure(fig, out, script=script, config=config, inputs=declared_inputs(args, inputs))
    except (ConfigError, FileNotFoundError, ValueError) as exc:  # a StudyError is a ValueError
        sys.exit(f"error: {exc}")


def save_figure(fig, out: str | Path, *, script: str | Path, config: Config, inputs: Iterable[str | Path] = ()) -> None:
    """Write `fig` to `out` at the profile's resolution, with its provenance record."""
    Run(script, config, inputs=inputs).save_figure(fig, out, config["figures"]["dpi"])
    plt.close(fig)
