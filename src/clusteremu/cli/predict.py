"""`clusteremu predict`: an emulator's summaries at (Q0, a) with uncertainties.

Outside the training domain the emulator has no authority: the query is refused unless
`--allow-extrapolation`, and even then an unphysical one (Q0 < 0, a <= 0) is refused.
Far outside the domain a network's output can overflow; such values print as
"undefined" and are `null` in `--json`.
"""

from __future__ import annotations

import argparse

from . import checks, loaders
from .checks import UsageError
from .outputs import strict_json
from .programs import Programs, load_or_build

HELP = "emulate the summaries at (Q0, a) with uncertainties"

#: The interval `predict` prints, for one new realization (learned-noise ensemble).
INTERVAL = "central 95% interval (2.5% to 97.5% quantiles)"
_SUMMARIES = {"f_bound": "", "sigma_v_kms": " km/s", "r_h_au": " AU"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--q0", type=float, required=True, help="initial virial ratio Q0 = K/|W| (>= 0)")
    p.add_argument("--a", type=float, required=True, help="Plummer scale radius a (AU, > 0)")
    p.add_argument(
        "--model",
        default=None,
        help="emulator file, either kind (default: data/<profile>/learned.eqx, the learned-noise ensemble)",
    )
    p.add_argument(
        "--allow-extrapolation", action="store_true", help="predict outside the domain (still Q0 >= 0, a > 0), flagged"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON (undefined values are null)")


def _predict(em, x) -> dict:
    """What `em.predict(x)` computes, as a traceable function of the emulator's arrays: the
    learned ensemble's jitted prediction (its central 95% interval follows the skewed
    scatter), or the mean ensemble's moments as sds (plus the members' spread)."""
    from dataclasses import fields

    import jax.numpy as jnp

    from ..emulators.learned_noise import LearnedEmulator, LearnedPrediction, _predict_arrays

    if isinstance(em, LearnedEmulator):  # the arrays LearnedPrediction holds, by its field names
        p = dict(zip((f.name for f in fields(LearnedPrediction)), _predict_arrays(em, x, True), strict=True))
        return {k: p[k] for k in ("mean", "sim_sd", "total_sd", "lo95", "hi95")}
    m = em.moments(x, calibrated=True)
    return {
        "mean": m.mean,
        "sim_sd": jnp.sqrt(m.sim_var),
        "total_sd": jnp.sqrt(m.total_var),
        "ensemble_sd": jnp.sqrt(m.ensemble_var),
    }


def programs(em) -> Programs:
    """The prediction program of an emulator (either kind); `meta` holds its training domain."""
    import numpy as np

    out = Programs.of(em, {"domain": em.domain.as_dict()})
    out.add("predict", _predict, np.zeros((1, 2)))
    return out


def prediction(programs: Programs, x) -> dict:
    """Per summary: the mean, the simulator's scatter and the predictive sd of one new
    realization (and, for the mean ensemble, the members' spread; for the learned one,
    the central 95% interval, which follows the skewed scatter)."""
    p = {k: v[0] for k, v in programs("predict", x).items()}
    out = {}
    for j, name in enumerate(_SUMMARIES):
        row = {
            "mean": float(p["mean"][j]),
            "simulator_sd": float(p["sim_sd"][j]),
            "predictive_sd": float(p["total_sd"][j]),
        }
        if "ensemble_sd" in p:
            row["ensemble_sd"] = float(p["ensemble_sd"][j])
        else:
            row["interval95"] = [float(p["lo95"][j]), float(p["hi95"][j])]
        out[name] = row
    return out


def _g(value, fmt: str) -> str:
    return "undefined" if value is None or value != value or abs(value) == float("inf") else format(value, fmt)


def run(args: argparse.Namespace) -> int:
    layout = loaders.layout(args)
    checks.number("--q0", args.q0, 0.0, 1e6)
    checks.number("--a", args.a, 0.0, 1e9, " AU", lo_open=True)
    path = checks.path_name("--model", args.model) if args.model else layout.data / "learned.eqx"
    checks.input_file("--model", path, f"a trained emulator; run `make paper PROFILE={args.profile}` first")
    loaders.start_jax(compilation_cache=False)  # the programs are kept instead
    compiled, _ = load_or_build("predict", {}, [path], lambda: loaders.emulator(path, args.profile), programs)
    import numpy as np

    from ..prior import ParameterBox

    x = np.array([[args.q0, args.a]])
    d = ParameterBox.from_domain(compiled.meta["domain"])
    inside = bool(d.contains(x)[0])
    if not inside and not args.allow_extrapolation:
        raise UsageError(
            f"(Q0, a) = ({args.q0:g}, {args.a:g} AU) is outside the training domain, where the emulator has no "
            f"authority; allowed: Q0 in [{d.q0_min:g}, {d.q0_max:g}], a in [{d.a_min_au:g}, {d.a_max_au:g}] AU "
            "(or --allow-extrapolation to predict anyway, flagged)"
        )
    rows = prediction(compiled, x)
    interval = "interval95" in rows["f_bound"]
    result = {
        "q0": args.q0,
        "a_au": args.a,
        "extrapolated": not inside,
        "model": str(path),
        "interval": INTERVAL if interval else None,
        **rows,
    }
    if args.json:
        print(strict_json(result))
        return 0
    flag = "  ** EXTRAPOLATED: outside the training domain **" if not inside else ""
    print(f"Q0 = {args.q0:g}, a = {args.a:g} AU{flag}  [{path}]")
    for n, unit in _SUMMARIES.items():
        r = rows[n]
        extra = (
            f"{INTERVAL.split(' (')[0]} {_g(r['interval95'][0], '.4g')} to {_g(r['interval95'][1], '.4g')}"
            if interval
            else f"ensemble spread {_g(r['ensemble_sd'], '.2g')}"
        )
        print(
            f"  {n:12s} {_g(r['mean'], '10.4g')} ± {_g(r['predictive_sd'], '.3g')}{unit}  "
            f"(simulator scatter {_g(r['simulator_sd'], '.2g')}, {extra})"
        )
    print("  ± is the calibrated predictive sd for one new simulation; 'undefined': the network overflows there")
    return 0
