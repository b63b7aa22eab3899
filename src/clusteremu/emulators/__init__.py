"""Emulators of the simulator and their file formats: the mean ensemble, the learned-noise
ensemble with its selection model, the conditional flow, the Gaussian process and the
baselines. Empty on purpose: a script depends only on the modules it imports.
"""
