"""`clusteremu simulate`: one N-body simulation with the profile's settings."""

from __future__ import annotations

import argparse
import io
import json
import math

import numpy as np

from ..config import ConfigError, load_config
from .checks import _in_domain
from .loaders import _layout


def _cmd_simulate(args: argparse.Namespace) -> int:
    from ..repro.provenance import atomic_write_bytes
    from ..simulation.simulate import SimulationSettings, simulate_one

    config = load_config(_layout(args).config)
    _in_domain(config, args.q0, args.a)
    if not 0 <= args.seed < 2**32:
        raise ConfigError(f"--seed {args.seed} is not allowed; allowed: an integer in [0, 2^32 - 1]")
    base = SimulationSettings.from_config(config)
    over = {}
    if args.n_stars is not None:
        if args.n_stars < base.min_bound_stars:
            raise ConfigError(f"--n-stars {args.n_stars} is not allowed; allowed: >= {base.min_bound_stars}")
        over["n_stars"] = args.n_stars
    if args.t_end is not None:
        if not (math.isfinite(args.t_end) and args.t_end > 0):
            raise ConfigError(f"--t-end {args.t_end:g} is not allowed; allowed: a positive time in yr")
        n_steps = max(1, round(args.t_end / base.dt_yr))  # keep the profile's validated timestep
        over.update(
            t_end_yr=n_steps * base.dt_yr, n_steps=n_steps, n_energy_checks=math.gcd(n_steps, base.n_energy_checks)
        )
    settings = SimulationSettings(**{**base.as_dict(), **over})
    import jax

    out = simulate_one(args.q0, args.a, settings, key=jax.random.key(args.seed), keep_state=True)
    s = out.summary
    result = {
        "q0": args.q0,
        "a_au": args.a,
        "seed": args.seed,
        "f_bound": float(s.f_bound),
        "sigma_v_kms": None if bool(s.few_bound) else float(s.sigma_v_kms),
        "r_h_au": None if bool(s.few_bound) else float(s.r_h_au),
        "n_bound": int(s.n_bound),
        "few_bound": bool(s.few_bound),
        "energy_error_max": float(out.energy_error),
        "energy_error_final": float(out.energy_error_final),
        "settings": settings.as_dict(),
    }
    if args.save_state:
        buffer = io.BytesIO()
        state = {k: np.asarray(v) for k, v in out.state.items() if k != "softening"}
        np.savez(
            buffer,
            **state,
            softening_au=np.asarray(out.state["softening"]),
            dt_yr=settings.dt_yr,
            n_steps=settings.n_steps,
            q0=args.q0,
            a_au=args.a,
            seed=args.seed,
        )
        atomic_write_bytes(args.save_state, buffer.getvalue())
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        undefined = f"undefined (fewer than {settings.min_bound_stars} bound stars)"
        print(
            f"Q0 = {args.q0:g}, a = {args.a:g} AU, seed {args.seed}, N = {settings.n_stars}, "
            f"T = {settings.t_end_yr:g} yr ({settings.n_steps} steps)"
        )
        print(f"  f_bound      {result['f_bound']:.4f}  ({result['n_bound']} stars bound)")
        sv, rh = result["sigma_v_kms"], result["r_h_au"]
        print(f"  sigma_v      {f'{sv:.3f} km/s' if sv is not None else undefined}")
        print(f"  r_h          {f'{rh:.2f} AU' if rh is not None else undefined}")
        print(f"  energy error {result['energy_error_max']:.2e} (max over t of |E-E0|/|W0|)")
    return 0
