"""`clusteremu simulate`: one N-body simulation with the profile's settings.

The cost of a simulation grows as N^2 x steps, so `--n-stars` and `--t-end` are checked
against an estimate of the wall time and memory before anything runs: beyond
[`LIMIT_S`][] seconds the call is refused with the estimate unless `--force` is given,
and beyond the machine's memory it is refused in any case (XLA would try to allocate it).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
from dataclasses import dataclass

from . import checks, loaders
from .checks import UsageError
from .outputs import strict_json

HELP = "run one N-body simulation and print its summaries"

#: Pair interactions per second assumed for one (unbatched) simulation: `clusteremu
#: simulate --n-stars 512` (2000 steps) ran at 3e8 per second on the loaded 2-core
#: development machine, rounded down to allow for a slower laptop; only the estimate's
#: order of magnitude matters.
PAIRS_PER_S = 2.0e8
#: Bytes of memory per pair of stars: float64 separations (24), float32 forces (12) and
#: distances, with XLA's temporaries; again an upper estimate.
BYTES_PER_PAIR = 64.0
#: Estimated seconds a simulation may take without `--force`.
LIMIT_S = 60.0
#: The integrator's step counter is a 32-bit integer.
MAX_STEPS = 2**31 - 1

#: Units of the arrays in a `--save-state` file, by key.
STATE_UNITS = {
    "masses_msun": "Msun",
    "pos0_au": "AU",
    "vel0_au_per_yr": "AU/yr",
    "pos_au": "AU",
    "vel_au_per_yr": "AU/yr",
    "softening_au": "AU",
    "dt_yr": "yr",
    "t_end_yr": "yr",
    "n_steps": "1",
    "q0": "1 (K/|W|)",
    "a_au": "AU",
    "seed": "1",
}
_STATE_KEYS = {
    "masses": "masses_msun",
    "pos0": "pos0_au",
    "vel0": "vel0_au_per_yr",
    "pos": "pos_au",
    "vel": "vel_au_per_yr",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--q0", type=float, required=True, help="initial virial ratio Q0 = K/|W| (in the profile's domain)")
    p.add_argument("--a", type=float, required=True, help="Plummer scale radius a (AU, in the profile's domain)")
    p.add_argument("--seed", type=int, required=True, help=f"seed of the initial conditions, 0 to {checks.MAX_SEED}")
    p.add_argument("--n-stars", type=int, default=None, help="override the profile's number of stars N")
    p.add_argument("--t-end", type=float, default=None, help="override the integration time T (yr; the timestep stays)")
    p.add_argument(
        "--force",
        action="store_true",
        help=f"run even if the estimated wall time exceeds {LIMIT_S:g} s (it is printed)",
    )
    p.add_argument(
        "--save-state", default=None, help="write masses and initial/final state (units in the keys) to .npz"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


@dataclass(frozen=True)
class Cost:
    """Estimated wall time (s) and memory (bytes) of one simulation."""

    seconds: float
    memory: float

    @classmethod
    def of(cls, n_stars: int, n_steps: int) -> Cost:
        return cls(float(n_stars) ** 2 * n_steps / PAIRS_PER_S, float(n_stars) ** 2 * BYTES_PER_PAIR)

    def __str__(self) -> str:
        t = self.seconds
        when = f"{t:.2g} s" if t < 120 else f"{t / 3600:.2g} hours" if t < 3.6e5 else f"{t / 3.15e7:.2g} years"
        return f"about {when} and {self.memory / 2**30:.2g} GiB"


def _memory_bytes() -> float:
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8.0 * 2**30  # a small machine: refuse rather than let XLA fail


def settings(args: argparse.Namespace, config) -> tuple[dict, Cost]:
    """The profile's `simulation` section with `--n-stars` and `--t-end`, checked, and its cost.

    Plain numbers from the config, so that a refusal does not import JAX.
    """
    base = dict(config["simulation"])
    dt_yr = base["t_end_yr"] / base["n_steps"]
    over: dict = {}
    n_stars = base["n_stars"]
    if args.n_stars is not None:
        if not base["min_bound_stars"] <= args.n_stars <= 10**7:
            raise UsageError(
                f"--n-stars {args.n_stars} is not allowed; allowed: an integer >= {base['min_bound_stars']} "
                "(the fewest bound stars with defined summaries) and within the cost limit"
            )
        n_stars = over["n_stars"] = args.n_stars
    n_steps = base["n_steps"]
    if args.t_end is not None:
        checks.number("--t-end", args.t_end, 0.0, 1e15, " yr", lo_open=True)
        n_steps = max(1, round(args.t_end / dt_yr))  # keep the profile's validated timestep
        if n_steps > MAX_STEPS:
            raise UsageError(
                f"--t-end {args.t_end:g} yr is {n_steps:.3g} steps of {dt_yr:g} yr, {Cost.of(n_stars, n_steps)}; "
                f"allowed: at most {MAX_STEPS} steps (T <= {MAX_STEPS * dt_yr:.3g} yr)"
            )
        gcd = math.gcd(n_steps, base["n_energy_checks"])
        over.update(t_end_yr=n_steps * dt_yr, n_steps=n_steps, n_energy_checks=gcd)
    cost = Cost.of(n_stars, n_steps)
    what = f"N = {n_stars} stars for {n_steps} steps costs {cost}"
    if cost.memory > 0.5 * _memory_bytes():
        n_max = int(math.sqrt(0.5 * _memory_bytes() / BYTES_PER_PAIR))
        raise UsageError(f"{what}, more than half this machine's memory; allowed: N <= {n_max} here")
    if cost.seconds > LIMIT_S and not args.force:
        n_ok = int(math.sqrt(LIMIT_S * PAIRS_PER_S / n_steps))
        raise UsageError(
            f"{what}; allowed without --force: an estimated {LIMIT_S:g} s (N <= {n_ok} at {n_steps} steps); "
            "pass --force to run it anyway"
        )
    return {**base, **over}, cost


def run(args: argparse.Namespace) -> int:
    layout = loaders.layout(args)
    save = checks.output_file("--save-state", args.save_state, ".npz") if args.save_state else None
    config = loaders.config(layout)
    loaders.in_domain(config, args.q0, args.a)
    checks.seed("--seed", args.seed)
    chosen, cost = settings(args, config)
    if args.force and cost.seconds > LIMIT_S:
        print(f"--force: N = {chosen['n_stars']}, {chosen['n_steps']} steps; estimated {cost}", flush=True)
    loaders.start_jax()
    import jax
    import numpy as np

    from ..simulation.simulate import SimulationSettings, simulate_one

    sim = SimulationSettings(**chosen)

    out = simulate_one(args.q0, args.a, sim, key=jax.random.key(args.seed), keep_state=True)
    s = out.summary
    few = bool(s.few_bound)
    result = {
        "q0": args.q0,
        "a_au": args.a,
        "seed": args.seed,
        "f_bound": float(s.f_bound),
        "sigma_v_kms": None if few else float(s.sigma_v_kms),
        "r_h_au": None if few else float(s.r_h_au),
        "n_bound": int(s.n_bound),
        "few_bound": few,
        "energy_error_max": float(out.energy_error),
        "energy_error_final": float(out.energy_error_final),
        "settings": sim.as_dict(),
    }
    if save is not None:
        from ..repro.provenance import atomic_write_bytes

        buffer = io.BytesIO()
        arrays = {_STATE_KEYS[k]: np.asarray(v) for k, v in out.state.items() if k in _STATE_KEYS}
        scalars = {"dt_yr": sim.dt_yr, "t_end_yr": sim.t_end_yr, "n_steps": sim.n_steps, "q0": args.q0, "a_au": args.a}
        meta = {"units": STATE_UNITS, "settings": sim.as_dict(), "profile": layout.profile, **loaders.version(layout)}
        # the metadata is a plain string array, so np.load reads it without allow_pickle
        np.savez(
            buffer,
            **arrays,
            softening_au=np.asarray(out.state["softening"]),
            seed=np.uint32(args.seed),
            metadata=np.array(json.dumps(meta, sort_keys=True)),
            **scalars,
        )
        atomic_write_bytes(save, buffer.getvalue())
    if args.json:
        print(strict_json(result))
        return 0
    undefined = f"undefined (fewer than {sim.min_bound_stars} bound stars)"
    print(
        f"Q0 = {args.q0:g}, a = {args.a:g} AU, seed {args.seed}, N = {sim.n_stars}, "
        f"T = {sim.t_end_yr:g} yr ({sim.n_steps} steps of {sim.dt_yr:g} yr)"
    )
    print(f"  f_bound      {result['f_bound']:.4f}  ({result['n_bound']} stars bound)")
    sv, rh = result["sigma_v_kms"], result["r_h_au"]
    print(f"  sigma_v      {f'{sv:.3f} km/s' if sv is not None else undefined}")
    print(f"  r_h          {f'{rh:.2f} AU' if rh is not None else undefined}")
    print(f"  energy error {result['energy_error_max']:.2e} (max over t of |E-E0|/|W0|)")
    if save is not None:
        print(f"wrote {save}")
    return 0
