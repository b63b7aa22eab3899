"""Checks of the command line's arguments that need no model file."""

from __future__ import annotations

import argparse
import math

import numpy as np

from ..config import ConfigError


def _in_domain(config, q0: float, a: float) -> None:
    dom = config["domain"]
    for flag, value, lo, hi, unit in (
        ("--q0", q0, dom["q0_min"], dom["q0_max"], ""),
        ("--a", a, dom["a_min_au"], dom["a_max_au"], " AU"),
    ):
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ConfigError(
                f"{flag} {value:g}{unit} is outside the domain of profile {config.profile!r}; "
                f"allowed: {lo:g} to {hi:g}{unit}"
            )


def _observation(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray | None]:
    """The observed summaries and measurement sds, checked."""
    obs = np.array([args.f_bound, args.sigma_v, args.r_h], dtype=float)
    if not np.all(np.isfinite(obs)):
        raise ConfigError("observations must be finite numbers")
    if not 0.0 <= args.f_bound <= 1.0:
        raise ConfigError(f"--f-bound {args.f_bound:g} is impossible; allowed: a fraction in [0, 1]")
    for flag, value in (("--sigma-v", args.sigma_v), ("--r-h", args.r_h)):
        if value <= 0:
            raise ConfigError(f"{flag} {value:g} is impossible; allowed: a positive number")
    if args.obs_sd is None:
        return obs, None
    obs_sd = np.asarray(args.obs_sd, dtype=float)
    if np.any(obs_sd < 0) or not np.all(np.isfinite(obs_sd)):
        raise ConfigError("--obs-sd needs three non-negative numbers (f_bound, sigma_v km/s, r_h AU)")
    return obs, obs_sd
