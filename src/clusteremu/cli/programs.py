"""The command line's compiled programs, kept between calls in the per-user cache folder.

A command that computes runs a few fixed programs on one model's arrays: `predict` the
emulator at one point; `infer` the likelihood on the profile's grid, or the NUTS sampler's
first run and its continuation. Building them costs every call seconds: importing the
model code (equinox, NumPyro, flowjax, SciPy), reading the model files, tracing the
programs and lowering them, even when JAX's persistent compilation cache then serves
XLA's executable. So the first call of a command builds its programs through the checked
loaders, runs them, and stores the compiled executables
(`jax.experimental.serialize_executable`) with what the command prints about the model
(`meta`: the domain, the grid), and beside them their arguments ([`VALUE_LEAVES`][]; the
model's weights are constants of the executables, pinned by the model files in the key);
a later call with the same key loads both and runs the same executables, without importing
the model code or reading the model files beyond hashing them: the first call's numbers.

The executables' key is the SHA-256 of everything a program depends on: the command's
settings, the bytes of every model file it reads, the source of every module of this
package, the installed distributions (names and versions), JAX's configuration,
`XLA_FLAGS` and the `JAX_*` environment variables, the devices and the CPU. The arrays'
key adds the settings that enter only through the arrays (measurement sds, fixed
widths): a new value of those loads the model again but reuses the executables, if the
arrays fixed into them are unchanged. An edited model file is another key, so it goes
through the checked loaders again (and is refused there if corrupt). Every entry carries
the SHA-256 of its content and is rebuilt when that does not match or it cannot be read.

The folder is JAX's persistent-cache folder ([`cache_folder`][clusteremu.compilation_cache.cache_folder];
the entries in `programs/`, JAX reads only its own `*-cache` files): native code, trusted as
the user's own, never in the repository. Commands that keep their programs here do not
also use JAX's cache: an executable JAX loaded from it cannot be serialized again (JAX
0.10 on CPU: "Function ... not found" when run).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..compilation_cache import cache_folder

__all__ = ["Programs", "load_or_build", "program_key", "remembered"]

#: Format of a stored entry; a change makes every older entry a miss.
FORMAT = b"clusteremu.cli-programs/1"
#: The arrays a command's values set (measurement sds, fixed widths): arguments of the programs.
#: Every other array is a constant, laid out once by XLA instead of at every kernel call
#: (the paper profile's flow x P(usable) by NUTS, one XLA thread: 2.2 s against 3.2 s).
VALUE_LEAVES = frozenset({"obs_sd", "sigma", "cov"})
#: Files kept (the most recently used; the paper profile's NUTS sampler is 17 MB); a new entry
#: beyond them removes the oldest.
MAX_ENTRIES = 64


class Programs:
    """Compiled programs that share one model's arrays (their first argument), and `meta`,
    what the command needs to know about the model without loading it (JSON-like values
    and NumPy arrays).

    Built from a model with [`Programs.of`][] and [`add`][Programs.add], or read back
    from the cache by [`load_or_build`][]; a stored program is loaded when first run.
    """

    def __init__(self, arrays: list, meta: dict[str, Any], stored: dict[str, tuple] | None = None):
        self.arrays = arrays
        self.meta = meta
        self._stored = dict(stored or {})
        self._compiled: dict[str, Any] = {}
        self._ahead: dict[str, Any] = {}  # name -> Future of a program loading in the background
        self._rebuild: Callable | None = None
        self.constants: str | None = None  # SHA-256 of the arrays fixed into them (None: read back)

    @classmethod
    def of(cls, model, meta: dict[str, Any]) -> Programs:
        """Programs of `model` (any pytree, e.g. an equinox Module): its arrays named in
        [`VALUE_LEAVES`][] are their first argument; all else, weights included, is constant."""
        import equinox as eqx
        import jax

        def argument(path, leaf) -> bool:
            return eqx.is_array(leaf) and getattr(path[-1], "name", None) in VALUE_LEAVES

        arrays, fixed = eqx.partition(model, jax.tree_util.tree_map_with_path(argument, model))
        leaves, tree = jax.tree.flatten(arrays)
        programs = cls(leaves, meta)
        programs._rebuild = lambda leaves: eqx.combine(jax.tree.unflatten(tree, leaves), fixed)
        programs.constants = _digest(jax.tree.leaves(eqx.filter(fixed, eqx.is_array)))
        return programs

    def add(self, name: str, fn: Callable, *inputs) -> Any:
        """Compile `fn(model, *inputs)` for inputs shaped like `inputs` (arrays or
        `jax.ShapeDtypeStruct`s); its outputs must be arrays in tuples, lists or dicts.
        Returns the executable's output shapes (`out_info`)."""
        import jax

        rebuild = self._rebuild
        if rebuild is None:
            raise ValueError("programs read back from the cache cannot be extended")
        compiled = jax.jit(lambda arrays, *args: fn(rebuild(arrays), *args)).lower(self.arrays, *inputs).compile()
        self._compiled[name] = compiled
        return compiled.out_info

    def __call__(self, name: str, *inputs) -> Any:
        """Run program `name` on the model's arrays and `inputs`."""
        if name not in self._compiled:
            ahead = self._ahead.pop(name, None)
            self._compiled[name] = self._load(name) if ahead is None else ahead.result()
        return self._compiled[name](self.arrays, *inputs)

    def load_ahead(self, name: str) -> None:
        """Start loading the stored program `name` in a background thread, on a core that
        a running program leaves idle (after one that started LAPACK, if it needs it)."""
        if name in self._stored and name not in self._compiled and name not in self._ahead:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(1, thread_name_prefix=f"load-{name}")
            self._ahead[name] = pool.submit(self._load, name)
            pool.shutdown(wait=False)

    def _load(self, name: str):
        """The stored executable of program `name`, ready to run on the first device."""
        import jax
        from jax.experimental.serialize_executable import deserialize_and_load

        blob, in_tree, out_tree, lapack = self._stored[name]
        if lapack:
            _start_lapack()
        return deserialize_and_load(blob, in_tree, out_tree, execution_devices=jax.devices()[:1])

    def to_bytes(self) -> bytes:
        """The executables, the shapes of the arrays they take and `meta`, checksummed
        ([`arrays_bytes`][Programs.arrays_bytes]: the arrays)."""
        from jax.experimental.serialize_executable import serialize

        stored = {
            **self._stored,
            **{n: (*serialize(c), "lapack_" in c.as_text()) for n, c in self._compiled.items()},
        }
        shapes = _shapes(self.arrays)
        return _pack({"meta": self.meta, "programs": stored, "shapes": shapes, "constants": self.constants})

    def arrays_bytes(self) -> bytes:
        """The model's arrays, checksummed."""
        import numpy as np

        return _pack([np.asarray(a) for a in self.arrays])


def _shapes(arrays: list) -> list[tuple]:
    return [(tuple(a.shape), str(a.dtype)) for a in arrays]


def _digest(arrays: list) -> str:
    """SHA-256 over the shapes, dtypes and bytes of `arrays`."""
    import numpy as np

    h = hashlib.sha256(json.dumps(_shapes(arrays)).encode())
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _pack(content: Any) -> bytes:
    body = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
    return FORMAT + b"\n" + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _unpack(data: bytes) -> Any:
    head, digest, body = data.split(b"\n", 2)
    if head != FORMAT or hashlib.sha256(body).hexdigest().encode() != digest:
        raise ValueError("not a programs entry of this format, or damaged")
    return pickle.loads(body)  # the user's own cache, trusted as JAX's persistent cache is


def _start_lapack() -> None:
    """Register XLA:CPU's LAPACK kernels, which JAX otherwise registers while it lowers a
    linear-algebra operation: a loaded executable that calls one (a Cholesky factor in some
    likelihoods and in NUTS's dense mass matrix) would find none and crash (`jax.export`
    does the same). It imports SciPy's LAPACK (0.3 s), so only programs that call it do."""
    from jax._src.lax import linalg

    linalg.initialize_lapack()


def _source_digest() -> str:
    """SHA-256 of every module of the package (path and bytes), so an edit is a new key."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _environment() -> dict[str, Any]:
    """What the compiled programs depend on besides the package and the model files."""
    import jax

    dists = sorted(
        name
        for folder in sys.path
        if os.path.isdir(folder)
        for name in os.listdir(folder)
        if name.endswith((".dist-info", ".egg-info"))
    )
    config = {
        k: repr(v)
        for k, v in sorted(jax.config.values.items())
        if "compilation_cache" not in k and "persistent_cache" not in k
    }
    cpu = ""
    if os.path.exists("/proc/cpuinfo"):  # the executables are compiled for this CPU's features
        with open("/proc/cpuinfo") as fh:
            cpu = "".join(sorted({line for line in fh if line.startswith(("model name", "flags"))}))
    devices = [(d.platform, d.device_kind, d.client.platform_version) for d in jax.devices()]
    return {
        "python": sys.version,
        "machine": platform.machine(),
        "cpu": hashlib.sha256(cpu.encode()).hexdigest(),
        "distributions": dists,
        "jax_config": config,
        "env": {k: v for k, v in sorted(os.environ.items()) if k == "XLA_FLAGS" or k.startswith("JAX_")},
        "devices": devices,
    }


def _key(name: str, files: Iterable[Path], **parts: Any) -> str:
    """SHA-256 over `name`, the bytes of each file in `files`, the package's source and `parts`."""
    from ..repro.provenance import sha256_file

    content = {"name": name, "files": [sha256_file(f) for f in files], "source": _source_digest(), **parts}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def program_key(command: str, settings: dict[str, Any], files: Iterable[Path]) -> str:
    """The key of a command's executables: SHA-256 over `settings` (JSON values), the bytes
    of each model file in `files`, the package's source and the environment."""
    return _key(command, files, settings=settings, environment=_environment())


def load_or_build(
    command: str,
    settings: dict[str, Any],
    files: Iterable[Path],
    load: Callable[[], Any],
    build: Callable[[Any], Programs],
    values: dict[str, Any] | None = None,
) -> tuple[Programs, str]:
    """The programs of `command` on the model files `files`.

    **Arguments:**

    - `settings`: what shapes the programs (JSON values).
    - `load()`: the model, read through the checked loaders; `build(model)`: its programs.
    - `values`: settings that enter the programs only through the model's arrays
      (measurement sds, fixed widths; JSON values). Their key holds whether each is None.

    **Returns:**

    The programs and where they came from: `"cache"` (executables and arrays),
    `"arrays"` (the executables from the cache, the arrays of a model loaded for new
    `values`) or `"built"`.
    """
    files = list(files)
    values = values or {}
    folder = cache_folder()
    if folder is None:
        return build(load()), "built"
    shape = {**settings, **{k: v is None for k, v in values.items()}}
    key = program_key(command, shape, files)
    path = folder / "programs" / f"{command}-{key}.bin"
    arrays_key = hashlib.sha256(json.dumps([key, values], sort_keys=True).encode()).hexdigest()
    arrays_path = folder / "programs" / f"{command}-{arrays_key}.arrays"
    stored, arrays, model = _read(path), _read(arrays_path), None
    if stored is not None:
        how, constants = "cache", stored["constants"]
        if arrays is None:  # new values: the model's arrays, the same executables
            model = load()
            fresh = Programs.of(model, {})
            # Only if the new values changed no constant (a leaf outside VALUE_LEAVES would).
            how, arrays, constants = "arrays", fresh.arrays, fresh.constants
        if _shapes(arrays) == stored["shapes"] and constants == stored["constants"]:
            programs = Programs(arrays, stored["meta"], stored["programs"])
            if how == "arrays":
                _store(arrays_path, programs.arrays_bytes())
            return programs, how
    programs = build(load() if model is None else model)
    if not _jax_cache_on():
        _store(path, programs.to_bytes())
        _store(arrays_path, programs.arrays_bytes())
    return programs, "built"


def _jax_cache_on() -> bool:
    """Whether JAX's persistent compilation cache may have served the build: then an
    executable cannot be serialized again, and nothing is stored (see the module's notes)."""
    import jax

    return jax.config.jax_compilation_cache_dir is not None and jax.config.jax_enable_compilation_cache


def remembered(name: str, files: Iterable[Path], compute: Callable[[], Any]) -> Any:
    """`compute()`, a JSON value read from `files` (checked, and slow to check), kept in the
    cache folder under the files' bytes and the package's source: a fact such as the
    coverage study's recommendation, parsed and validated once per file content. JAX is
    not involved. An error in `compute` is raised and nothing is kept."""
    folder = cache_folder()
    if folder is None:
        return compute()
    try:
        path = folder / "programs" / f"{name}-{_key(name, files)}.json"
    except OSError:  # a file missing or unreadable: `compute` says which, and the fix
        return compute()
    try:
        return json.loads(path.read_bytes())["value"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not kept yet, or damaged
    value = compute()
    _store(path, json.dumps({"value": value}).encode())
    return value


def _read(path: Path) -> Any:
    """An entry's content if it exists and is intact (marked most recently used), else None."""
    try:
        content = _unpack(path.read_bytes())
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None  # not stored yet, unreadable or damaged: built again
    os.utime(path)
    return content


def _store(path: Path, data: bytes) -> None:
    """Write an entry atomically, then keep only the `MAX_ENTRIES` most recently used.
    A cache that cannot be written costs the next call its speed, nothing else."""
    from ..repro.provenance import atomic_write_bytes

    try:
        atomic_write_bytes(path, data, durable=False)  # damage is detected on reading
        entries = [p for pattern in ("*.bin", "*.arrays", "*.json") for p in path.parent.glob(pattern)]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[MAX_ENTRIES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
