"""The N-body simulator: Plummer initial conditions, the leapfrog, energies, summaries,
the simulation cache, the campaign runner and the simulator's validation.

Empty on purpose: a script depends only on the modules it imports (and the simulation
cache's key covers exactly the modules `simulate.py` imports).
"""
