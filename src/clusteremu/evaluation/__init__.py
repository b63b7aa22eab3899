"""Judging emulators and posteriors: accuracy against the test split and the truth set,
coverage, SBC and TARP, the trust criterion, the simulator-based reference posteriors.
Empty on purpose: a script depends only on the modules it imports.
"""
