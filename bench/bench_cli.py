"""Wall time of each `clusteremu` command as a user runs it: a new process, the wall clock.

For each command: the cold call (an empty cache, as on a new machine, after a JAX
upgrade or an edit of the package) and warm calls (the same cache, as every later call);
warm is the median of `--repeats` calls. Also the floor every computing call pays, a
process that only imports JAX, and the start-up budget of `--help` and of a refused
argument, neither of which imports JAX. The cache (the stored programs of `predict` and
`infer`, `clusteremu.cli.programs`) lives in a temporary folder here
(`CLUSTEREMU_JAX_CACHE`), so the user's own cache is neither used nor changed.

With `--baseline SRC` (another checkout's `src` folder, e.g. an older commit's from
`git archive <commit> src | tar -x -C /tmp/base`) each command also runs on that code,
alternating with this one call by call (each with its own empty cache), so that both are
measured under the same load.

Targets (issue 21): warm `predict` <= 1.5 s, `infer` (grid) <= 2 s, `infer --method nuts` <= 5 s.

Usage: python bench/bench_cli.py [--profile paper] [--repeats 3] [--baseline SRC]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: the README's example: the summaries of `simulate --q0 0.9 --a 120 --seed 3` (paper profile)
OBS = ["--f-bound", "0.84", "--sigma-v", "4.1", "--r-h", "506"]
COMMANDS = {
    "--help": ["--help"],
    "refused argument": ["simulate", "--q0", "1", "--a", "100", "--seed", "-1"],
    "predict": ["predict", "--q0", "0.9", "--a", "120"],
    "infer (grid)": ["infer", *OBS],
    "infer --method nuts": ["infer", *OBS, "--method", "nuts"],
}
TARGETS_S = {"predict": 1.5, "infer (grid)": 2.0, "infer --method nuts": 5.0}


def call(argv: list[str], profile: str, cache: Path, src: str | None = None) -> float:
    """Wall time (s) of one `clusteremu` process (on the package in `src`, else this
    environment's); its exit status must be the expected one."""
    if argv[0] != "--help":
        argv = [*argv, "--profile", profile]
    env = {**os.environ, "CLUSTEREMU_JAX_CACHE": str(cache), **({"PYTHONPATH": src} if src else {})}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "clusteremu", *argv], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    expected = 2 if "-1" in argv else 0
    if done.returncode != expected:
        raise SystemExit(f"clusteremu {' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    return seconds


def floor() -> float:
    """Wall time (s) of a Python process that only imports JAX: what every computing call pays."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import jax"], check=True)
    return time.perf_counter() - t0


def main(args) -> None:
    load = os.getloadavg()[0]
    print(f"clusteremu as a user runs it (profile {args.profile}, {os.cpu_count()} CPUs, load average {load:.1f})")
    print("floor: a process that only imports JAX, run in turn with each command's warm calls")
    width = max(map(len, COMMANDS)) + (len(" (baseline)") if args.baseline else 0)
    print(f"{'command':{width}s} {'cold s':>8s} {'warm s':>8s}  warm range   floor s  target")
    for name, argv in COMMANDS.items():
        if argv[0] == "infer" and not Path(f"data/{args.profile}/inference.json").exists():
            print(f"{name:{width}s} skipped: no data/{args.profile}/inference.json (make data PROFILE={args.profile})")
            continue
        codes = {"": None, " (baseline)": args.baseline} if args.baseline else {"": None}
        with tempfile.TemporaryDirectory() as tmp:
            caches = {label: Path(tmp) / str(i) / "jax" for i, label in enumerate(codes)}
            cold = {label: call(argv, args.profile, caches[label], src) for label, src in codes.items()}
            warm, jax_only = {label: [] for label in codes}, []
            for _ in range(args.repeats):
                for label, src in codes.items():
                    warm[label].append(call(argv, args.profile, caches[label], src))
                jax_only.append(floor())
        for label in codes:
            w, target = warm[label], TARGETS_S.get(name)
            met = target is not None and statistics.median(w) <= target
            verdict = "" if target is None or label else f"<= {target:g} s {'met' if met else 'MISSED'}"
            times = f"{cold[label]:8.2f} {statistics.median(w):8.2f}  {min(w):.2f}-{max(w):.2f}"
            print(f"{name + label:{width}s} {times}  {statistics.median(jax_only):7.2f}  {verdict}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--repeats", type=int, default=3, help="warm calls per command (median printed)")
    parser.add_argument("--baseline", default=None, help="another checkout's src folder, measured in turn")
    main(parser.parse_args())
