"""The selection term P(usable | theta): which simulated clusters survive into the data.

A simulated cluster is *usable* only if at least a minimum number of its stars stays
bound; the others are discarded before any summary is computed. An observed (hence
usable) cluster therefore has the data model

    p(y, usable | theta) = p(y | theta, usable) P(usable | theta),

and the emulator describes only the first factor. Without the second, the posterior
over-weights parameters where clusters are rarely usable: there the emulated summaries
fit as well as anywhere, but the parameters rarely produce a cluster that could have
been observed at all. [`SelectionModel`][] estimates P(usable | theta) from the
simulations (usable or not) by a logistic regression, and its log probability is the
term to add to the log likelihood (e.g. as `numpyro.factor`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float
from scipy import optimize

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)

__all__ = ["SelectionModel", "usable_by_quarter"]

# Ridge on the intercept, far weaker than the one on the other terms: enough to keep it
# finite when every simulation is usable (or none is), where the likelihood has no maximum.
_INTERCEPT_L2 = 1e-6


def _features(u, xp):
    """Quadratic features (1, u, v, u^2, u v, v^2) of standardized rows `u`, in NumPy or JAX (`xp`)."""
    uu, vv = u[:, 0], u[:, 1]
    return xp.stack([xp.ones_like(uu), uu, vv, uu**2, uu * vv, vv**2], axis=1)


class SelectionModel(eqx.Module):
    """P(usable | theta) as a logistic regression on quadratic features of standardized theta.

    logit P(usable | theta) = coef . (1, u, v, u^2, u v, v^2), where (u, v) = (theta - x_mean) / x_std.
    A quadratic logit allows a usable region that is bounded on both sides of a parameter
    and a boundary that bends, with only six coefficients to fit.

    **Arguments:**

    - `coef`: the six coefficients, in the order of the features above.
    - `x_mean`, `x_std`: mean and standard deviation of (Q0, a in AU) over the fitting set.

    [`SelectionModel.fit`][] estimates them; the methods are JAX-traceable and differentiable.
    """

    coef: Float[Array, " features"]
    x_mean: Float[Array, " 2"]
    x_std: Float[Array, " 2"]

    def __init__(self, coef, x_mean, x_std):
        self.coef = jnp.asarray(coef, float)
        self.x_mean, self.x_std = jnp.asarray(x_mean, float), jnp.asarray(x_std, float)

    @classmethod
    def fit(
        cls, theta: Float[np.ndarray, "n 2"], usable: Bool[np.ndarray, " n"], *, l2: float = 1e-3
    ) -> SelectionModel:
        """Penalized maximum-likelihood fit to simulations and whether each was usable.

        **Arguments:**

        - `theta`: parameters (Q0, a in AU) of each simulation, shape `(n, 2)`.
        - `usable`: whether each simulation kept enough bound stars, shape `(n,)`.
        - `l2`: ridge penalty on the non-intercept coefficients, added to the *mean*
          negative log likelihood (so its weight does not depend on `n`); it keeps the
          coefficients finite when the data are separable.

        **Returns:**

        The fitted model. Raises `RuntimeError` if the optimizer does not converge.
        """
        theta = np.asarray(theta, float)
        y = np.asarray(usable, float)
        x_mean, x_std = theta.mean(axis=0), theta.std(axis=0)
        x_std = np.where(x_std > 0, x_std, 1.0)  # a constant column: its terms are then constant too
        phi = _features((theta - x_mean) / x_std, np)
        ridge = np.full(phi.shape[1], float(l2))
        ridge[0] = _INTERCEPT_L2
        n = len(y)

        def loss_and_grad(w):
            z = phi @ w
            # mean of -log p(usable_i) = softplus(z) - y z, computed without overflow
            nll = np.mean(np.logaddexp(0.0, z) - y * z)
            grad = phi.T @ (_sigmoid(z) - y) / n
            return nll + 0.5 * np.sum(ridge * w**2), grad + ridge * w

        p = np.clip(y.mean(), 0.01, 0.99)  # start at the constant model
        w0 = np.zeros(phi.shape[1])
        w0[0] = np.log(p / (1 - p))
        res = optimize.minimize(
            loss_and_grad, w0, jac=True, method="L-BFGS-B", options={"maxiter": 2000, "gtol": 1e-10, "ftol": 1e-14}
        )
        if not (res.success and np.all(np.isfinite(res.x))):
            raise RuntimeError(f"selection model fit did not converge: {res.message}")
        return cls(res.x, x_mean, x_std)

    def logit(self, theta: Float[ArrayLike, "rows 2"]) -> Float[Array, " rows"]:
        """log-odds of usable at each row (Q0, a in AU) of `theta`."""
        u = (jnp.asarray(theta, float) - self.x_mean) / self.x_std
        return _features(u, jnp) @ self.coef

    def log_prob_usable(self, theta: Float[ArrayLike, "rows 2"]) -> Float[Array, " rows"]:
        """log P(usable | theta) at each row: the term to add to the log likelihood of a usable cluster."""
        # log_sigmoid stays finite where P is tiny; log(sigmoid(z)) underflows to -inf
        return jax.nn.log_sigmoid(self.logit(theta))

    def prob_usable(self, theta: Float[ArrayLike, "rows 2"]) -> Float[Array, " rows"]:
        """P(usable | theta) at each row (Q0, a in AU)."""
        return jax.nn.sigmoid(self.logit(theta))

    def to_dict(self) -> dict[str, list[float]]:
        """The coefficients and standardization as plain lists (JSON-serializable)."""
        return {k: np.asarray(getattr(self, k)).tolist() for k in ("coef", "x_mean", "x_std")}

    @classmethod
    def from_dict(cls, d: dict) -> SelectionModel:
        """The inverse of [`SelectionModel.to_dict`][]."""
        return cls(d["coef"], d["x_mean"], d["x_std"])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow for large |z|."""
    return np.exp(-np.logaddexp(0.0, -z))


def usable_by_quarter(model: SelectionModel, theta: Float[np.ndarray, "n 2"], usable: np.ndarray, edges) -> list[dict]:
    """Per Q0 bin [edges[k], edges[k+1]): the number of simulations, their usable fraction and
    the model's mean P(usable) there: the check that the fit follows the data."""
    which = np.clip(np.searchsorted(edges, theta[:, 0], side="right") - 1, 0, len(edges) - 2)
    fitted = np.asarray(model.prob_usable(theta))
    return [
        {
            "q0_lo": float(edges[k]),
            "q0_hi": float(edges[k + 1]),
            "n": int((which == k).sum()),
            "usable_fraction": float(usable[which == k].mean()) if (which == k).any() else None,
            "fitted_mean": float(fitted[which == k].mean()) if (which == k).any() else None,
        }
        for k in range(len(edges) - 1)
    ]
