"""The schema of a profile file: every key, its meaning with units, and what is allowed.

[`clusteremu.config`][] validates a profile against [`SCHEMA`][]: a [`Number`][] with its
inclusive range (and whether it must be an integer), a [`Choice`][] of fixed options, a
[`Text`][] matching a pattern (or null where it may be unset), a list of [`Names`][], or a
mapping of further keys. Units are part of the key names (`_yr`, `_au`, `_msun`) or the docs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DOI_PATTERN", "SCHEMA", "URL_PATTERN", "Choice", "Names", "Number", "Spec", "Text"]


@dataclass(frozen=True)
class Number:
    """A numeric setting with an inclusive range; `integer=True` forbids fractions."""

    doc: str
    low: float = -math.inf
    high: float = math.inf
    integer: bool = False

    def allowed(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if math.isinf(self.low) and math.isinf(self.high):
            return kind
        if math.isinf(self.high):
            return f"{kind} >= {self.low:g}"
        if math.isinf(self.low):
            return f"{kind} <= {self.high:g}"
        return f"{kind} in [{self.low:g}, {self.high:g}]"

    def check(self, value: Any) -> bool:
        # bool is a subclass of int in Python, but `true` is never a valid count.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        return math.isfinite(value) and self.low <= value <= self.high


@dataclass(frozen=True)
class Choice:
    """A string setting restricted to a fixed set of options."""

    doc: str
    options: tuple[str, ...]

    def allowed(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options


@dataclass(frozen=True)
class Text:
    """A string matching `pattern` (described in words by `form`); null where `optional`."""

    doc: str
    pattern: str
    form: str
    optional: bool = False

    def allowed(self) -> str:
        return f"null (not set) or {self.form}" if self.optional else self.form

    def check(self, value: Any) -> bool:
        if value is None:
            return self.optional
        return isinstance(value, str) and re.fullmatch(self.pattern, value) is not None


@dataclass(frozen=True)
class Names:
    """A non-empty list of distinct names, each a non-empty string without surrounding spaces."""

    doc: str

    def allowed(self) -> str:
        return "a non-empty list of distinct names, each a non-empty string"

    def check(self, value: Any) -> bool:
        if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
            return False
        return all(isinstance(v, str) and v and v == v.strip() for v in value)


Spec = Number | Choice | Text | Names | Mapping[str, Any]

#: What `manuscript.repository` and `manuscript.archive` accept: a web address, a DOI.
URL_PATTERN = r"https?://[^\s/]+\.[^\s/]+(/\S*)?"
DOI_PATTERN = r"10\.\d{4,9}/\S+"

#: The schema of a profile file. Units are part of the key names or the docs.
SCHEMA: dict[str, Spec] = {
    "domain": {
        "q0_min": Number("lower edge of the initial virial ratio Q0 = K/|W|", 0.05, 5.0),
        "q0_max": Number("upper edge of the initial virial ratio Q0 = K/|W|", 0.05, 5.0),
        "a_min_au": Number("lower edge of the Plummer scale radius a (AU)", 1.0, 1e5),
        "a_max_au": Number("upper edge of the Plummer scale radius a (AU)", 1.0, 1e5),
    },
    "design": {
        "seed": Number("seed of the Latin hypercube, the split and realization seeds", 0, 2**32 - 1, True),
        "n_points": Number("number of Latin-hypercube design points", 6, 100_000, True),
        "added_points": Number(
            "points of a second hypercube appended to the first (grows the design without moving it)", 0, 100_000, True
        ),
        "n_realizations": Number("independent simulations per design point", 1, 1000, True),
        "lhs_optimization": Choice("scipy.stats.qmc space-filling optimization", ("none", "random-cd", "lloyd")),
        "split": {
            "train": Number("fraction of design points used for training", 0.05, 0.95),
            "validation": Number("fraction of design points used for validation", 0.05, 0.95),
            "test": Number("fraction of design points held out for final reporting", 0.05, 0.95),
        },
    },
    "truth": {
        "seed": Number("seed of the truth set's points and simulations", 0, 2**32 - 1, True),
        "n_points": Number("interior design points of the truth set (evaluation only)", 1, 10_000, True),
        "n_realizations": Number("simulations per truth-set point", 2, 10_000, True),
        "interior_fraction": Number("fraction of each parameter range the truth set fills (centred)", 0.05, 1.0),
    },
    "simulation": {
        "n_stars": Number("number of stars N per cluster", 2, 100_000, True),
        "mass_function": Choice(
            "stellar masses: equal, Kroupa (2001), or Kroupa (2001) rescaled to the equal-mass total",
            ("equal", "kroupa2001", "kroupa2001-same-mass"),
        ),
        "star_mass_msun": Number("mass of every star when mass_function is equal (Msun)", 1e-3, 1e3),
        "kroupa_min_msun": Number("lower mass limit of the Kroupa IMF (Msun)", 0.01, 0.49),
        "kroupa_max_msun": Number("upper mass limit of the Kroupa IMF (Msun)", 0.51, 300.0),
        "plummer_mass_cut": Number("fraction of the Plummer mass sampled (radial truncation)", 0.5, 0.99999),
        "softening_over_a": Number("Plummer softening length in units of the scale radius a", 1e-4, 1.0),
        "t_end_yr": Number("integration time T (yr)", 1e-3, 1e9),
        "n_steps": Number("leapfrog steps over T; timestep = t_end_yr / n_steps", 1, 10_000_000, True),
        "n_energy_checks": Number("times at which the energy error is measured", 1, 100_000, True),
        "min_bound_stars": Number("fewest bound stars for which sigma_v and r_h are defined", 2, 100_000, True),
        "force_precision": Choice(
            "precision of the force evaluation (the state is always float64)", ("float32", "float64")
        ),
    },
    "validation": {
        "seed": Number(
            "seed of the simulator checks and of the example clusters drawn in the paper", 0, 2**32 - 1, True
        ),
    },
    "campaign": {
        "batch_size": Number("simulations per compiled call (tune for cache size)", 1, 100_000, True),
        "energy_error_max": Number("flag a simulation whose max |E-E0|/|W0| exceeds this", 1e-12, 1.0),
    },
    "emulator": {
        "seed": Number("seed of the members' initializations", 0, 2**32 - 1, True),
        "n_members": Number("ensemble size M", 2, 100, True),
        "hidden_width": Number("units per hidden layer", 1, 4096, True),
        "hidden_layers": Number("number of hidden layers", 1, 16, True),
        "learning_rate": Number("Adam step size", 1e-6, 1.0),
        "max_epochs": Number("most full-batch epochs", 10, 10_000_000, True),
        "patience_epochs": Number("stop a member after this many epochs without improvement", 1, 1_000_000, True),
        "noise_neighbours": Number("noise-model kernel width: distance to this nearest neighbour", 1, 1000, True),
    },
    "learned": {
        "seed": Number("seed of the learned-noise members' initializations", 0, 2**32 - 1, True),
        "n_members": Number("ensemble size of the learned-noise emulator", 2, 100, True),
        "hidden_width": Number("units per hidden layer", 1, 4096, True),
        "hidden_layers": Number("number of hidden layers", 1, 16, True),
        "learning_rate": Number("Adam step size", 1e-6, 1.0),
        "max_epochs": Number("most full-batch epochs", 10, 10_000_000, True),
        "patience_epochs": Number("stop a member after this many epochs without improvement", 1, 1_000_000, True),
        "beta": Number("beta of the beta-NLL (0: plain Gaussian NLL)", 0.0, 1.0),
    },
    "flow": {
        "seed": Number("seed of the flow's initialization and minibatches", 0, 2**32 - 1, True),
        "flow_layers": Number("coupling layers of the conditional flow", 1, 64, True),
        "knots": Number("knots of each rational-quadratic spline", 2, 64, True),
        "interval": Number("half-width of the splines' interval, standardized units", 0.5, 50.0),
        "nn_width": Number("units per hidden layer of the conditioner networks", 1, 4096, True),
        "learning_rate": Number("Adam step size", 1e-6, 1.0),
        "max_epochs": Number("most passes over the training data", 1, 1_000_000, True),
        "patience_epochs": Number("stop after this many epochs without improvement", 1, 1_000_000, True),
        "batch_size": Number("minibatch size", 1, 1_000_000, True),
        "members": Number(
            "flows trained together from different initializations (the density is their mixture)", 1, 64, True
        ),
        "measurement_sd_max": {
            "f_bound": Number(
                "largest measurement sd of the bound fraction the flow is trained for (0: none)", 0.0, 0.5
            ),
            "sigma_v_kms": Number(
                "largest measurement sd of sigma_v the flow is trained for (km/s; 0: none)", 0.0, 1e4
            ),
            "r_h_au": Number("largest measurement sd of r_h the flow is trained for (AU; 0: none)", 0.0, 1e6),
        },
    },
    "baselines": {
        "seed": Number("seed of the Gaussian processes' optimizer restarts", 0, 2**32 - 1, True),
        "knn_k_max": Number("largest k tried for k-nearest neighbours (chosen on validation)", 1, 1000, True),
        "rbf_log10_smoothing_min": Number("log10 of the smallest RBF smoothing tried", -8.0, 8.0),
        "rbf_log10_smoothing_max": Number("log10 of the largest RBF smoothing tried", -8.0, 8.0),
        "gp_restarts": Number("optimizer restarts of each Gaussian process", 0, 100, True),
    },
    "inference": {
        "seed": Number("seed of the coverage simulations' parameters and of NUTS", 0, 2**32 - 1, True),
        "n_coverage_sims": Number("held-out simulations drawn from the prior for the coverage study", 2, 100_000, True),
        "grid_points": Number("grid cells per parameter axis of the exact posterior", 10, 2000, True),
        "nuts_chains": Number("NUTS chains per posterior", 1, 64, True),
        "nuts_warmup": Number("NUTS warm-up iterations per chain", 10, 100_000, True),
        "nuts_samples": Number("NUTS draws kept per chain", 10, 100_000, True),
        "nuts_extensions": Number("times a run missing its R-hat or ESS target draws as many again", 0, 100, True),
        "n_nuts_check": Number("coverage observations also sampled with NUTS to check the grid", 1, 10_000, True),
        "n_nuts_other": Number("of those, how many for each likelihood not recommended (0: none)", 0, 10_000, True),
        "measurement_sd": {
            "f_bound": Number("measurement sd of the bound fraction in the repeated coverage study", 0.0, 1.0),
            "sigma_v_kms": Number("measurement sd of sigma_v (km/s) in the repeated coverage study", 0.0, 1e4),
            "r_h_au": Number("measurement sd of r_h (AU) in the repeated coverage study", 0.0, 1e6),
        },
    },
    "development": {
        "seed": Number(
            "seed of the development set's (Q0, a) and simulations (the first confirmation set, retired after it "
            "found a's over-confidence); differs from every other seed",
            0,
            2**32 - 1,
            True,
        ),
        "n_sims": Number("prior draws simulated for the diagnosis of the flow", 4, 1_000_000, True),
    },
    "confirmation": {
        "seed": Number(
            "seed of the confirmation set's (Q0, a) and simulations; differs from every other seed", 0, 2**32 - 1, True
        ),
        "n_sims": Number(
            "fresh prior draws simulated once, after the likelihood was chosen, for the reported answer",
            4,
            1_000_000,
            True,
        ),
        "alpha": Number(
            "family-wise error rate of the confirmation's calibration decision (Holm over its tests)", 1e-4, 0.5
        ),
        "power": Number("power at which the smallest detectable under-coverage is reported", 0.5, 0.999),
    },
    "misspecification": {
        "seed": Number("seed of the misspecified clusters (variant k uses seed + k)", 0, 2**32 - 16, True),
        "n_sims": Number("clusters simulated per misspecified variant", 2, 1_000_000, True),
        "binary_fraction": Number("fraction of stars in unresolved binaries (the binaries variant)", 0.0, 1.0),
        "binary_sigma_kms": Number("1-D velocity dispersion of the binaries' orbital motion (km/s)", 0.0, 1e3),
    },
    "learning_curve": {
        "seed": Number("seed of the nested subsets of training design points", 0, 2**32 - 1, True),
        "n_subsets": Number("nested subsets: 1/n, 2/n, ... n/n of the training design points", 1, 20, True),
        "replicates": Number("replicates per subset size (subset order and flow seed): the error bars", 1, 50, True),
    },
    "reference": {
        "seed": Number(
            "seed of the reference bank's simulations (common to every node) and of its bootstrap", 0, 2**32 - 1, True
        ),
        "q0_nodes": Number("reference-bank nodes along Q0, evenly spaced from edge to edge of the box", 3, 400, True),
        "a_nodes": Number("reference-bank nodes along a, evenly spaced from edge to edge of the box", 3, 400, True),
        "realizations": Number(
            "simulations per reference-bank node (common random numbers across nodes)", 5, 10_000, True
        ),
        "bootstrap": Number(
            "bootstrap resamples of the bank's realizations (the reference's own error)", 10, 10_000, True
        ),
        "n_observations": Number(
            "usable confirmation simulations compared with the reference (the first ones; all if fewer)",
            1,
            100_000,
            True,
        ),
    },
    "manuscript": {
        "claims": Choice(
            "a qualitative claim of the manuscript that this profile's results do not support: 'fail' stops the "
            "build, 'flag' renders it and lists the claim on the first page (for profiles too small for science)",
            ("fail", "flag"),
        ),
        "authors": Names("the authors named in the title block, in order (the same as in CITATION.cff)"),
        "repository": Text(
            "where the repository lives (the same as repository-code in CITATION.cff); null: the paper says it "
            "is not set",
            URL_PATTERN,
            "an http(s) URL such as https://github.com/owner/clusteremu",
            optional=True,
        ),
        "archive": Text(
            "the archived version's identifier (the same as doi or an identifier in CITATION.cff); null: the "
            "paper says it is not set",
            f"{DOI_PATTERN}|{URL_PATTERN}",
            "a DOI such as 10.5281/zenodo.1234567 or an http(s) URL",
            optional=True,
        ),
    },
    "figures": {
        "dpi": Number("raster resolution of PNG figures (dots per inch)", 50, 600, True),
    },
}
