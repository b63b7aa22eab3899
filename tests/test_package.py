"""The package's public API: every re-exported name resolves, and importing it is cheap."""

import subprocess
import sys

import clusteremu


def test_every_public_name_resolves_to_its_module():
    for name in clusteremu.__all__:
        value = getattr(clusteremu, name)
        module = getattr(value, "__module__", "clusteremu." + clusteremu._EXPORTS[name])
        assert module.removeprefix("clusteremu.") in (
            clusteremu._EXPORTS[name],
            "typing",
            "builtins",
        ), name


def test_importing_the_package_imports_no_numerical_library():
    code = "import sys, clusteremu; print(sorted(m for m in ('jax', 'numpyro', 'equinox') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", "a script importing one module must not pay for (or depend on) the others"
