"""One XLA worker thread: the backend starts with one device, the CPU mask comes back."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

SCRIPT = """
import os, jax
from clusteremu.inference.threads import start_one_thread
cpus = os.sched_getaffinity(0)
print(start_one_thread(), len(jax.devices()), os.sched_getaffinity(0) == cpus, start_one_thread())
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU-affinity call on this system")
def test_start_one_thread_in_a_fresh_process():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    # took effect, one device, the process may use every CPU again; a second call finds it so
    assert out.stdout.split() == ["True", "1", "True", "True"]


def test_start_one_thread_refused_once_the_backend_runs_on_several_devices():
    import jax

    from clusteremu.inference.threads import start_one_thread

    if len(jax.devices()) == 1:
        pytest.skip("this process runs one CPU device")
    assert start_one_thread() is False
    assert len(jax.devices()) > 1
