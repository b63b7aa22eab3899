"""Synthetic log-likelihoods of observations at the reference bank's nodes, and their bootstrap.

A synthetic likelihood estimates p(y | theta) from simulations at theta. Both estimators
here work in the transformed space z of
[`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform] (logit f_bound with
continuity correction, log sigma_v, log r_h; for a posterior of (Q0, a) the Jacobian to
physical units is a constant), from the usable realizations at a node, and multiply by the
usable fraction there, the estimate of P(usable | theta) (a cluster is observed only if
enough stars stay bound):

- [`SyntheticLikelihoods.gaussian`][]: Bayesian synthetic likelihood (Wood 2010; Price et al.
  2018). **Assumes** z | theta is multivariate normal; its mean and covariance are the
  sample mean and covariance.
- [`SyntheticLikelihoods.kernel`][]: a kernel (ABC) likelihood, the mean over the
  realizations of a Gaussian kernel around each, with the node's own covariance shrunk by
  Scott's rule, H = n^(-2 / (d + 4)) Sigma (Scott 1992, §6.3), the bound fraction's at least
  rounding to one star. **Assumes** nothing about the summaries' distribution; its price is
  the smoothing: it is the likelihood of the summaries plus N(0, H) noise (an ABC posterior
  with a Gaussian kernel), so its posteriors are wider than the exact ones, by a factor of
  about sqrt(1 + n^(-2 / 7)) = 1.11 in z for n = 144 usable realizations.
- [`SyntheticLikelihoods.semiparametric`][]: the semi-parametric synthetic likelihood of An,
  Nott & Drovandi (2020, Statistics and Computing 30:543). **Assumes** only that the
  dependence between the three summaries is a Gaussian copula: each marginal is a kernel
  density estimate (Gaussian kernel, Silverman's rule 0.9 min(sd, IQR / 1.34) n^(-1/5)),
  and the copula's correlation is the correlation of the realizations' normal scores
  Phi^-1(rank / (n + 1)) (the Gaussian rank correlation of Boudt, Cornelissen & Croux 2012),
  its eigenvalues floored at [`COPULA_EIGEN_FLOOR`][] where ties make it singular.

The bound fraction is a count (k of N stars), so all three are kept from degenerating where
nearly every realization has the same count (all stars bound at low Q0): the variance of
its z, and its kernels' widths, are at least those of rounding to one star
(width^2 / 12, width / sqrt(12), with the width of
[`BankRealizations.count_width`][clusteremu.evaluation.reference.BankRealizations]).

[`SyntheticLikelihoods`][] holds what all three need at every node for B resamples of the
realizations, given as `counts` (B, R): how often each realization enters each resample
(ones for the bank itself, [`resample_counts`][] for the bootstrap). A realization is one
unit across nodes (common random numbers), so a resample draws the same realizations at
every node; the bandwidths stay those of the full bank. A node with fewer than
[`MIN_USABLE`][clusteremu.evaluation.reference.MIN_USABLE] distinct usable realizations in a
resample has no estimate there: its log-likelihood is -inf (`defined` says which).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxtyping import Bool, Float, Int
from scipy import special

from .reference import MIN_USABLE, BankRealizations

__all__ = ["COPULA_EIGEN_FLOOR", "SyntheticLikelihoods", "bandwidths", "kernel_whitening", "resample_counts"]

_LOG_2PI = np.log(2 * np.pi)
#: The smallest eigenvalue a copula correlation matrix keeps (see `_copula_correlation`).
COPULA_EIGEN_FLOOR = 1e-3


def resample_counts(realizations: int, n_boot: int, *, seed: int) -> Int[np.ndarray, "boot realizations"]:
    """How often each of `realizations` enters each of `n_boot` bootstrap resamples (drawn with replacement)."""
    draws = np.random.default_rng(seed).integers(0, realizations, size=(n_boot, realizations))
    return np.stack([np.bincount(d, minlength=realizations) for d in draws])


def bandwidths(bank: BankRealizations) -> Float[np.ndarray, "nodes 3"]:
    """Each node's kernel bandwidth per summary (z units), from its usable realizations.

    Silverman's rule, 0.9 min(sd, IQR / 1.34) n^(-1/5), the bound fraction's at least the
    sd of rounding to one star, width / sqrt(12); 1 at a node with fewer than `MIN_USABLE`
    usable realizations (never read).
    """
    h = np.ones((len(bank.z), bank.z.shape[-1]))
    for k, (z, ok) in enumerate(zip(bank.z, bank.usable, strict=True)):
        if ok.sum() >= MIN_USABLE:
            x = z[ok]
            iqr = np.subtract(*np.percentile(x, [75, 25], axis=0))
            h[k] = 0.9 * np.minimum(x.std(axis=0, ddof=1), iqr / 1.34) * len(x) ** -0.2
            h[k, 0] = max(h[k, 0], bank.count_width[k] / np.sqrt(12.0))
    return np.maximum(h, 1e-12)


def kernel_whitening(bank: BankRealizations) -> tuple[Float[np.ndarray, "nodes 3 3"], Float[np.ndarray, " nodes"]]:
    """Each node's kernel covariance H for [`SyntheticLikelihoods.kernel`][], as the inverse of
    its Cholesky factor and log sqrt(det H), from its usable realizations.

    H = n^(-2 / (d + 4)) Sigma (Scott's rule in the node's own metric), with the bound
    fraction's variance at least that of rounding to one star, width^2 / 12; the identity
    at a node with fewer than `MIN_USABLE` usable realizations (never read).
    """
    ok = bank.usable.astype(float)[None]
    _, cov = _covariances(ok, bank.z[None])
    n, d = bank.usable.sum(-1), bank.z.shape[-1]
    defined = n >= MIN_USABLE
    h = np.where(defined, np.maximum(n, 1.0) ** (-2.0 / (d + 4)), 1.0)[:, None, None] * cov[0]
    h[:, 0, 0] = np.maximum(h[:, 0, 0], bank.count_width**2 / 12.0)
    chol = np.linalg.cholesky(np.where(defined[:, None, None], h, np.eye(d)))
    return np.linalg.inv(chol), np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)


def _covariances(w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means (B, nodes, d) and covariances (B, nodes, d, d) of x (B or 1, nodes, R, d)."""
    n = np.maximum(w.sum(-1), 2.0)
    mean = np.einsum("bkr,bkrd->bkd", w, np.broadcast_to(x, (*w.shape, x.shape[-1]))) / n[..., None]
    dev = x - mean[:, :, None, :]
    cov = np.einsum("bkr,bkrd,bkre->bkde", w, dev, dev) / (n - 1.0)[..., None, None]
    return mean, cov


def _inverse(matrices: np.ndarray, defined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses and log-determinants of (B, nodes, d, d) matrices (the identity's where not `defined`)."""
    m = np.where(defined[..., None, None], matrices, np.eye(matrices.shape[-1]))
    return np.linalg.inv(m), np.linalg.slogdet(m)[1]


def _quadratic(diff: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """diff (B, obs, nodes, d), inv (B, nodes, d, d) -> diff^T inv diff, (B, obs, nodes)."""
    return np.sum(np.einsum("bokd,bkde->boke", diff, inv) * diff, axis=-1)


def _weighted_log_sum(log_terms: np.ndarray, usable: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log sum_r w[b, k, r] exp(log_terms[o, k, r, j]) over usable r, shape (B, obs, nodes, j),
    scaled by the largest usable term first; a sum that still underflows (a resample without
    that term, far in a tail) is taken as the smallest positive float, so a node with an
    estimate never reads -inf."""
    log_terms = np.where(usable[None, :, :, None], log_terms, -np.inf)
    m = log_terms.max(axis=2, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(log_terms - m)  # (obs, nodes, R, j)
    o, k, r, j = e.shape
    # one matrix product per node: (obs * j, R) @ (R, B)
    s = np.matmul(e.transpose(1, 0, 3, 2).reshape(k, o * j, r), w.transpose(1, 2, 0))
    s = s.reshape(k, o, j, -1).transpose(3, 1, 0, 2)
    return np.log(np.maximum(s, np.finfo(float).tiny)) + m[None, :, :, 0, :]


def _copula_correlation(bank: BankRealizations, w: np.ndarray) -> np.ndarray:
    """Per resample and node, the correlation (d, d) of the usable realizations' normal scores.

    A realization's rank within a resample is the weight of the values below it plus half
    that of its ties (equal counts of bound stars, copies of itself) plus one half: the
    average rank of its tie group. A summary whose scores do not vary carries no dependence
    and gets zero correlations.
    """
    z = np.where(bank.usable[..., None], bank.z, np.inf)  # unusable ones sort last, with weight 0
    order = np.argsort(z, axis=1, kind="stable")  # (nodes, R, d)
    ranked = np.take_along_axis(z, order, axis=1)
    # cumulative weight in sorted order, with a leading zero: (B, nodes, R + 1, d)
    ws = np.take_along_axis(w[..., None], order[None], axis=2)
    cum = np.concatenate([np.zeros_like(ws[:, :, :1]), np.cumsum(ws, axis=2)], axis=2)
    below = np.stack([np.searchsorted(ranked[k, :, j], z[k, :, j], side="left") for k, j in np.ndindex(*z.shape[::2])])
    upto = np.stack([np.searchsorted(ranked[k, :, j], z[k, :, j], side="right") for k, j in np.ndindex(*z.shape[::2])])
    below = below.reshape(z.shape[0], z.shape[2], -1).transpose(0, 2, 1)  # (nodes, R, d)
    upto = upto.reshape(z.shape[0], z.shape[2], -1).transpose(0, 2, 1)
    less = np.take_along_axis(cum, below[None], axis=2)
    tied = np.take_along_axis(cum, upto[None], axis=2) - less
    n = w.sum(-1)  # (B, nodes)
    p = np.clip((less + (tied + 1.0) / 2.0) / (n[..., None, None] + 1.0), 1e-12, 1 - 1e-12)
    scores = np.where(w[..., None] > 0, special.ndtri(p), 0.0)
    _, cov = _covariances(w, scores)
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0.0, None))
    varies = sd > 1e-12
    scale = np.where(varies, sd, 1.0)
    corr = np.where(varies[..., :, None] & varies[..., None, :], cov / scale[..., :, None] / scale[..., None, :], 0.0)
    d = corr.shape[-1]
    corr[..., np.arange(d), np.arange(d)] = 1.0
    # Two summaries ranked alike by every realization of a small resample (f_bound and sigma_v
    # at high Q0) give a correlation of one and a singular copula: floor the eigenvalues and
    # restore the unit diagonal. A correlation matrix with no eigenvalue below the floor is kept as it is.
    vals, vecs = np.linalg.eigh(corr)
    fixed = (vecs * np.maximum(vals, COPULA_EIGEN_FLOOR)[..., None, :]) @ np.swapaxes(vecs, -1, -2)
    scale = np.sqrt(np.diagonal(fixed, axis1=-2, axis2=-1))
    fixed = fixed / scale[..., :, None] / scale[..., None, :]
    return np.where((vals.min(axis=-1) < COPULA_EIGEN_FLOOR)[..., None, None], fixed, corr)


@dataclass(frozen=True)
class SyntheticLikelihoods:
    """The synthetic likelihoods' node statistics for B resamples of the bank's realizations.

    Built by [`of`][SyntheticLikelihoods.of]; `defined` (B, nodes) says where a node has an
    estimate; `gaussian`, `semiparametric` and `kernel` score any number of observations.
    """

    bank: BankRealizations
    weights: Float[np.ndarray, "boot nodes R"]
    defined: Bool[np.ndarray, "boot nodes"]
    log_fraction: Float[np.ndarray, "boot nodes"]
    mean: Float[np.ndarray, "boot nodes 3"]
    cov_inv: Float[np.ndarray, "boot nodes 3 3"]
    cov_logdet: Float[np.ndarray, "boot nodes"]
    bandwidth: Float[np.ndarray, "nodes 3"]
    copula_inv: Float[np.ndarray, "boot nodes 3 3"]
    copula_logdet: Float[np.ndarray, "boot nodes"]
    kernel_whiten: Float[np.ndarray, "nodes 3 3"]
    kernel_log_scale: Float[np.ndarray, " nodes"]

    @classmethod
    def of(cls, bank: BankRealizations, counts: Int[np.ndarray, "boot R"]) -> SyntheticLikelihoods:
        """The node statistics of the resamples `counts` (B, R) of `bank`'s realizations."""
        w = counts[:, None, :] * bank.usable[None].astype(float)
        defined = ((counts[:, None, :] > 0) & bank.usable[None]).sum(-1) >= MIN_USABLE
        with np.errstate(divide="ignore"):
            log_fraction = np.log(w.sum(-1) / counts.sum(-1)[:, None])
        mean, cov = _covariances(w, bank.z[None])
        cov[..., 0, 0] = np.maximum(cov[..., 0, 0], bank.count_width[None] ** 2 / 12.0)
        cov_inv, cov_logdet = _inverse(cov, defined)
        copula_inv, copula_logdet = _inverse(_copula_correlation(bank, w), defined)
        d = copula_inv.shape[-1]
        return cls(
            bank,
            w,
            defined,
            log_fraction,
            mean,
            cov_inv,
            cov_logdet,
            bandwidths(bank),
            copula_inv - np.eye(d),
            copula_logdet,
            *kernel_whitening(bank),
        )

    def _finish(self, ll: np.ndarray) -> np.ndarray:
        return np.where(self.defined[:, None], ll + self.log_fraction[:, None], -np.inf)

    def gaussian(self, z_obs: Float[np.ndarray, "obs 3"]) -> Float[np.ndarray, "boot obs nodes"]:
        """The Gaussian synthetic log-likelihood of each observation (in z) at each node, per resample.

        log N(z_obs; mean, cov) + log(usable fraction), with the sample mean and covariance
        of the usable realizations at the node (the bound fraction's variance floored at
        rounding to one star); -inf where the node has no estimate.
        """
        quad = _quadratic(z_obs[None, :, None, :] - self.mean[:, None], self.cov_inv)
        return self._finish(-0.5 * (quad + self.cov_logdet[:, None] + z_obs.shape[-1] * _LOG_2PI))

    def kernel(self, z_obs: Float[np.ndarray, "obs 3"]) -> Float[np.ndarray, "boot obs nodes"]:
        """The kernel log-likelihood of each observation (in z) at each node, per resample.

        log (sum_r w_r N(z_obs; z_r, H) / sum_r w_r) + log(usable fraction) over the usable
        realizations, H from [`kernel_whitening`][] (the full bank's, for every resample, as
        the semi-parametric bandwidths); -inf where the node has no estimate.
        """
        bank, w = self.bank, self.weights
        t = np.einsum("kde,okre->okrd", self.kernel_whiten, z_obs[:, None, None, :] - bank.z[None])
        log_terms = -0.5 * np.sum(t**2, axis=-1, keepdims=True)  # (obs, nodes, R, 1)
        log_n = np.log(np.maximum(w.sum(-1), 1.0))[:, None, :]
        log_norm = self.kernel_log_scale + 0.5 * z_obs.shape[-1] * _LOG_2PI
        return self._finish(_weighted_log_sum(log_terms, bank.usable, w)[..., 0] - log_n - log_norm)

    def semiparametric(self, z_obs: Float[np.ndarray, "obs 3"]) -> Float[np.ndarray, "boot obs nodes"]:
        """The semi-parametric synthetic log-likelihood of each observation (in z) at each node, per resample.

        sum_j log g_j(z_j) + log c_R(u) + log(usable fraction): g_j the kernel density
        estimate of summary j, u_j its kernel CDF at z_j, and c_R the Gaussian copula
        density with the normal-score correlation R, log c_R = -log|R| / 2 - eta^T (R^-1 -
        I) eta / 2 with eta_j = Phi^-1(u_j) (from log u_j or log(1 - u_j), whichever is
        smaller, so that an observation far in a tail keeps a finite eta); -inf where the
        node has no estimate.
        """
        bank, w, h = self.bank, self.weights, self.bandwidth
        t = (z_obs[:, None, None, :] - bank.z[None]) / h[None, :, None, :]  # (obs, nodes, R, d)
        log_n = np.log(np.maximum(w.sum(-1), 1.0))[:, None, :, None]
        log_pdf = _weighted_log_sum(-0.5 * t**2, bank.usable, w) - log_n - np.log(h * np.sqrt(2 * np.pi))
        log_cdf = np.minimum(_weighted_log_sum(special.log_ndtr(t), bank.usable, w) - log_n, 0.0)
        log_sf = np.minimum(_weighted_log_sum(special.log_ndtr(-t), bank.usable, w) - log_n, 0.0)
        eta = np.where(log_cdf < np.log(0.5), special.ndtri_exp(log_cdf), -special.ndtri_exp(log_sf))
        eta = np.where(self.defined[:, None, :, None], eta, 0.0)
        copula = -0.5 * (_quadratic(eta, self.copula_inv) + self.copula_logdet[:, None])
        return self._finish(log_pdf.sum(-1) + copula)
