"""`clusteremu predict`: an emulator's summaries at (Q0, a) with uncertainties."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from ..config import ConfigError
from .loaders import _load_model


def _prediction(em, x: np.ndarray) -> dict:
    """Per summary: the mean, the simulator's scatter and the predictive sd of one new
    realization (and, for the mean ensemble, the members' spread)."""
    from ..emulators.mean_ensemble import Emulator

    p = em.predict(x)
    out = {}
    for j, name in enumerate(("f_bound", "sigma_v_kms", "r_h_au")):
        row = {
            "mean": float(p.mean[0, j]),
            "simulator_sd": float(p.sim_sd[0, j]),
            "predictive_sd": float(p.total_sd[0, j]),
        }
        if isinstance(em, Emulator):
            row["ensemble_sd"] = float(p.ensemble_sd[0, j])
        else:  # the learned ensemble's intervals follow the skewed scatter
            row["interval95"] = [float(p.lo95[0, j]), float(p.hi95[0, j])]
        out[name] = row
    return out


def _cmd_predict(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.q0) and math.isfinite(args.a)):
        raise ConfigError("--q0 and --a must be finite numbers")
    model, em = _load_model(args)
    x = np.array([[args.q0, args.a]])
    inside = bool(em.in_domain(x)[0])
    d = em.domain
    if not inside and not args.allow_extrapolation:
        raise ConfigError(
            f"(Q0, a) = ({args.q0:g}, {args.a:g} AU) is outside the training domain "
            f"Q0 in [{d.q0_min:g}, {d.q0_max:g}], a in [{d.a_min_au:g}, {d.a_max_au:g}] AU; "
            "the emulator has no authority there (pass --allow-extrapolation to predict anyway, flagged)"
        )
    result = {"q0": args.q0, "a_au": args.a, "extrapolated": not inside, "model": str(model), **_prediction(em, x)}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    flag = "  ** EXTRAPOLATED: outside the training domain **" if not inside else ""
    print(f"Q0 = {args.q0:g}, a = {args.a:g} AU{flag}")
    units = {"f_bound": "", "sigma_v_kms": " km/s", "r_h_au": " AU"}
    for n, unit in units.items():
        r = result[n]
        extra = (
            f"ensemble spread {r['ensemble_sd']:.2g}"
            if "ensemble_sd" in r
            else f"95% interval {r['interval95'][0]:.4g} to {r['interval95'][1]:.4g}"
        )
        print(
            f"  {n:12s} {r['mean']:10.4g} ± {r['predictive_sd']:.3g}{unit}  "
            f"(simulator scatter {r['simulator_sd']:.2g}, {extra})"
        )
    print("  ± is the calibrated predictive sd for one new simulation")
    return 0
