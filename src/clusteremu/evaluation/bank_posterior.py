"""The reference bank's nodes, and posteriors from log-likelihoods there, interpolated onto a fine grid.

[`BankNodes`][]: evenly spaced nodes from edge to edge of the prior box.

The bank's nodes cannot resolve a narrow posterior of Q0 directly (posterior sds of a few
hundredths against node spacings of about as much), so every likelihood, the simulator's
synthetic ones and the emulators' alike, is evaluated at the nodes only, and its
log-likelihood is interpolated linearly in each parameter (bilinearly in the plane) onto
the cell centres of a fine grid over the box ([`NodeInterpolation`][]); with the uniform
prior, the posterior is that likelihood normalized on the fine grid. Interpolating the
logarithm keeps very negative values harmless; doing exactly the same for every
likelihood makes their posteriors differ only through their values at the nodes.

A node without a likelihood (-inf: too few usable simulations) leaves every fine cell whose
interpolation reads it without one either (zero posterior density there); values more than
[`LOG_RANGE`][] below an observation's largest are raised to it, which changes no posterior
(those cells carry less than e^-1000 of the mass) and keeps the interpolation finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxtyping import Bool, Float

from ..prior import ParameterBox

__all__ = ["LOG_RANGE", "BankNodes", "NodeInterpolation"]

#: Node values are rounded to this many decimals, so that a coarser bank whose nodes are a
#: subset of a finer one's (every k-th node of an evenly spaced axis) finds its simulations
#: in the cache: the cache keys on the exact floats.
NODE_DECIMALS = 10


@dataclass(frozen=True)
class BankNodes:
    """The bank's nodes: Q0 values `q0` (nq,) and scale radii `a_au` (na,, AU), box edges included.

    Node `k` is (q0[k // na], a_au[k % na]) ([`points`][BankNodes.points] order).
    """

    q0: Float[np.ndarray, " nq"]
    a_au: Float[np.ndarray, " na"]

    @classmethod
    def over(cls, box: ParameterBox, q0_nodes: int, a_nodes: int) -> BankNodes:
        """`q0_nodes` x `a_nodes` evenly spaced nodes from edge to edge of `box`."""
        q0 = np.linspace(box.q0_min, box.q0_max, q0_nodes).round(NODE_DECIMALS)
        return cls(q0, np.linspace(box.a_min_au, box.a_max_au, a_nodes).round(NODE_DECIMALS))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.q0), len(self.a_au)

    @property
    def points(self) -> Float[np.ndarray, "nodes 2"]:
        """Every node (Q0, a), Q0 varying slowest."""
        return np.stack(np.meshgrid(self.q0, self.a_au, indexing="ij"), axis=-1).reshape(-1, 2)


#: Log-likelihoods more than this below an observation's largest are raised to it.
LOG_RANGE = 1000.0
#: Posteriors whose fine-grid densities are formed at once (bounds the memory in use).
_CHUNK = 128


def _hat_weights(nodes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(len(x), len(nodes)): the linear-interpolation weights of each x on the nodes."""
    return np.stack([np.interp(x, nodes, np.eye(len(nodes))[j]) for j in range(len(nodes))], axis=1)


@dataclass(frozen=True)
class NodeInterpolation:
    """Linear interpolation from the bank's nodes onto the `n` x `n` cell centres of the box.

    `q0`, `a_au`: the fine grid's cell centres (as [`ParameterBox.grid`][clusteremu.prior.ParameterBox.grid]);
    `wq` (n, nq), `wa` (n, na): each centre's weights on the nodes of its axis.
    """

    nodes: BankNodes
    q0: Float[np.ndarray, " n"]
    a_au: Float[np.ndarray, " n"]
    wq: Float[np.ndarray, "n nq"]
    wa: Float[np.ndarray, "n na"]

    @classmethod
    def onto(cls, nodes: BankNodes, box: ParameterBox, n: int) -> NodeInterpolation:
        """The interpolation from `nodes` onto the `n` x `n` cell centres of `box`."""
        q0, a = box.grid(n)
        return cls(nodes, q0, a, _hat_weights(nodes.q0, q0), _hat_weights(nodes.a_au, a))

    def touching(self, node_mask: Bool[np.ndarray, "... nodes"]) -> Bool[np.ndarray, "... n n"]:
        """The fine cells whose interpolation reads at least one node of `node_mask`."""
        m = node_mask.reshape(*node_mask.shape[:-1], *self.nodes.shape).astype(float)
        return (self.wq > 0) @ m @ (self.wa > 0).T > 0

    def log_likelihood(self, node_log_lik: Float[np.ndarray, "... nodes"]) -> Float[np.ndarray, "... n n"]:
        """The interpolated log-likelihood on the fine grid (-inf where it reads a node without one)."""
        finite = np.isfinite(node_log_lik)
        top = np.max(np.where(finite, node_log_lik, -np.inf), axis=-1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        values = np.where(finite, np.maximum(node_log_lik, top - LOG_RANGE), 0.0)
        fine = self.wq @ values.reshape(*values.shape[:-1], *self.nodes.shape) @ self.wa.T
        if finite.all():
            return fine
        return np.where(self.touching(~finite), -np.inf, fine)

    def density(self, node_log_lik: Float[np.ndarray, "... nodes"]) -> Float[np.ndarray, "... n n"]:
        """The posterior (uniform prior) on the fine grid, normalized to sum to one over the cells."""
        lf = self.log_likelihood(node_log_lik)
        top = lf.max(axis=(-2, -1), keepdims=True)
        p = np.exp(lf - np.where(np.isfinite(top), top, 0.0))
        with np.errstate(invalid="ignore"):
            return p / p.sum(axis=(-2, -1), keepdims=True)

    def moments(self, node_log_lik: Float[np.ndarray, "... nodes"]) -> tuple[np.ndarray, np.ndarray]:
        """Posterior means and sds of (Q0, a), shape (..., 2) each (NaN where no node has a likelihood)."""
        flat = node_log_lik.reshape(-1, node_log_lik.shape[-1])
        mean, sd = np.empty((len(flat), 2)), np.empty((len(flat), 2))
        for start in range(0, len(flat), _CHUNK):
            p = self.density(flat[start : start + _CHUNK])
            for j, (axis, x) in enumerate(((2, self.q0), (1, self.a_au))):
                marg = p.sum(axis=axis)
                m = marg @ x
                mean[start : start + _CHUNK, j] = m
                sd[start : start + _CHUNK, j] = np.sqrt(np.maximum(marg @ x**2 - m**2, 0.0))
        shape = (*node_log_lik.shape[:-1], 2)
        return mean.reshape(shape), sd.reshape(shape)

    def mass(self, node_log_lik: Float[np.ndarray, "obs nodes"], cells: Bool[np.ndarray, "n n"]) -> np.ndarray:
        """Each posterior's probability in `cells`, shape (obs,)."""
        out = np.empty(len(node_log_lik))
        for start in range(0, len(node_log_lik), _CHUNK):
            out[start : start + _CHUNK] = (self.density(node_log_lik[start : start + _CHUNK]) * cells).sum((-2, -1))
        return out
