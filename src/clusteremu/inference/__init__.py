"""Bayesian inference with an emulator as the forward model: the likelihoods, the NumPyro
model, exact grid posteriors and NUTS. Empty on purpose: a script depends only on what it imports.
"""
