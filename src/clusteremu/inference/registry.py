"""The likelihoods the study compares: one entry each, and everything else derives from it.

An entry says what a likelihood *is* (its forward model, its width, whether the selection
factor P(usable | theta) multiplies it, whether it can take measurement errors) and how it
is shown (label and colour). [`clusteremu.inference.family`][] builds it from that,
[`clusteremu.evaluation.trust`][] finds the emulator it stands on, the tables and figures
take its label and colour. A new likelihood is one entry here (and, for a new kind of
forward model, its class in `family`).

Pure data, no computation: renaming a label reruns only what prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LIKELIHOODS", "LIKELIHOOD_NAMES", "MODEL_FILES", "LikelihoodSpec", "spec"]

#: The file of each fitted model (by role) in a profile's data folder, as the Makefile names them.
MODEL_FILES = {"mean": "emulator.eqx", "learned": "learned.eqx", "gp": "gp.eqx", "flow": "flow.eqx"}


@dataclass(frozen=True)
class LikelihoodSpec:
    """One likelihood of the comparison.

    - `name`: its key in results, files and on the command line.
    - `label`: the display name in tables, figures and the text.
    - `model`: the role of its forward model (a key of [`MODEL_FILES`][]).
    - `width`: for the mean ensemble, which Gaussian width (`constant`, `input`, `fullcov`).
    - `selection`: multiplied by the selection model P(usable | theta) of the learned ensemble.
    - `color`: its colour in every figure.
    """

    name: str
    label: str
    model: str
    color: str
    width: str | None = None
    selection: bool = False

    @property
    def needs(self) -> tuple[str, ...]:
        """The model files (roles) it reads; the P(usable) factor lives in the learned ensemble."""
        return (self.model, "learned") if self.selection and self.model != "learned" else (self.model,)


#: Every likelihood, in table order.
LIKELIHOODS = (
    LikelihoodSpec("constant", "constant diagonal", "mean", "#999999", width="constant"),
    LikelihoodSpec("input", "input-dependent", "mean", "#56B4E9", width="input"),
    LikelihoodSpec("fullcov", "full covariance", "mean", "#0072B2", width="fullcov"),
    LikelihoodSpec("gp", "Gaussian process", "gp", "#CC79A7"),
    LikelihoodSpec("learned", "learned noise", "learned", "#E69F00"),
    LikelihoodSpec("learned+selection", "learned noise × P(usable)", "learned", "#D55E00", selection=True),
    LikelihoodSpec("flow", "flow", "flow", "#009E73"),
    LikelihoodSpec("flow+selection", "flow × P(usable)", "flow", "#006B4E", selection=True),
)

#: Display name of each likelihood, in table order.
LIKELIHOOD_NAMES = {s.name: s.label for s in LIKELIHOODS}

_BY_NAME = {s.name: s for s in LIKELIHOODS}


def spec(name: str) -> LikelihoodSpec:
    """The entry of `name`; an unknown name raises `ValueError` listing the allowed ones."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown likelihood {name!r}; allowed: {', '.join(_BY_NAME)}")
    return _BY_NAME[name]
