"""Figure style, the labels and colours that carry meaning across figures, and saving.

All figures use one matplotlib style file (`clusteremu.mplstyle`, shipped with the
package) so that fonts, sizes and colours agree everywhere in the paper. Figure scripts
(`analysis/figures/`) draw from saved results only and write through
[`clusteremu.provenance.Run.save_figure`][], which embeds the provenance stamp. Only
figure scripts import this module, so editing it reruns figures and nothing else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless and deterministic: the same bytes on every machine
import matplotlib.pyplot as plt  # noqa: E402

from .config import Config, ConfigError  # noqa: E402
from .provenance import Run  # noqa: E402

__all__ = [
    "LABELS",
    "PARAM_LABELS",
    "SPLIT_COLORS",
    "STYLE",
    "VARIANT_NAMES",
    "figure_parser",
    "run_figure_script",
    "save_figure",
    "use_style",
]

STYLE = Path(__file__).with_name("clusteremu.mplstyle")

#: Colour of each data split, used by every figure that shows splits.
SPLIT_COLORS = {"train": "#0072B2", "validation": "#E69F00", "test": "#D55E00"}

#: Axis labels of the summaries (with units) and of the parameters.
LABELS = {"f_bound": r"$f_\mathrm{bound}$", "sigma_v_kms": r"$\sigma_v$ [km/s]", "r_h_au": r"$r_h$ [AU]"}
PARAM_LABELS = {"q0": r"$Q_0$", "a_au": r"$a$ [AU]"}

#: Display names of the likelihood variants.
VARIANT_NAMES = {"constant": "constant diagonal", "input": "input-dependent", "fullcov": "full covariance"}


def use_style() -> None:
    """Apply the project style to all figures made afterwards."""
    plt.style.use(STYLE)


def figure_parser(doc: str, **inputs: str) -> argparse.ArgumentParser:
    """The command line of a figure script: `--config`, one option per input file, `--out`.

    `inputs` maps an option name (underscores become dashes) to its help text.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    for name, text in inputs.items():
        parser.add_argument(f"--{name.replace('_', '-')}", required=True, help=text)
    parser.add_argument("--out", required=True, help="output figure (PNG)")
    return parser


def save_figure(fig, out: str | Path, *, script: str | Path, config: Config, inputs: Iterable[str | Path] = ()) -> None:
    """Write `fig` to `out` at the profile's resolution, with its provenance record."""
    Run(script, config, inputs=inputs).save_figure(fig, out, config["figures"]["dpi"])
    plt.close(fig)


def run_figure_script(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser) -> None:
    """Run a figure script's `main`; a bad config or input ends it with one clear line."""
    try:
        main(parser.parse_args())
    except (ConfigError, FileNotFoundError) as exc:
        sys.exit(f"error: {exc}")
