"""The reference bank on a model whose answer is known: z = mean(theta) + Gaussian noise.

A toy "simulator" whose summaries in z are exactly Gaussian with a known, linear mean and a
known covariance: its realizations fill a bank with common random numbers (realization r has
the same noise draw at every node), and its exact likelihood is an emulator that could not be
better. Against it: the synthetic likelihoods' formulas, the interpolation, the bootstrap, the
exclusion of observations next to nodes without a likelihood, and the record.
"""

import json
from dataclasses import replace

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import special, stats

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.design import simulation_seed
from clusteremu.datasets.splits import SplitData
from clusteremu.emulators.transforms import SummaryTransform
from clusteremu.evaluation.bank_posterior import BankNodes, NodeInterpolation
from clusteremu.evaluation.reference import MIN_USABLE, BankRealizations, bank_design, bank_realizations
from clusteremu.evaluation.reference_bank import (
    REFERENCES,
    BankObservation,
    BootstrapError,
    Moments,
    ReferenceBank,
    ReferenceMoments,
)
from clusteremu.evaluation.reference_coverage import nested_sizes
from clusteremu.evaluation.simulator_reference import compare_on_bank
from clusteremu.evaluation.synthetic_likelihood import (
    COPULA_EIGEN_FLOOR,
    SyntheticLikelihoods,
    bandwidths,
    resample_counts,
)
from clusteremu.evaluation.trust import efficiency_met
from clusteremu.inference.model import LikelihoodModel
from clusteremu.paper.reference_findings import _by_quarter, _by_quarter_sentence, _calibration_sentence, reference_vars
from clusteremu.prior import PARAMETERS, ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
N_STARS = 100
T = SummaryTransform(N_STARS)
SD = np.array([0.3, 0.05, 0.1])  # noise of z
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def mean_z(theta):
    """The toy simulator's mean in z, linear in (Q0, a)."""
    xp = jnp if isinstance(theta, jnp.ndarray) else np
    return xp.stack([2.0 - 2.0 * theta[:, 0], 1.5 - 0.002 * theta[:, 1], 5.0 + 0.004 * theta[:, 1]], axis=-1)


class ToyLikelihood(LikelihoodModel):
    """The toy simulator's exact likelihood, its mean shifted by `shift` (z units) in the bound fraction."""

    shift: float = eqx.field(static=True, default=0.0)

    @property
    def domain(self) -> ParameterBox:
        return BOX

    def prepare(self, theta):
        return mean_z(jnp.asarray(theta, float)) + jnp.array([self.shift, 0.0, 0.0])

    def log_prob(self, obs, prepared):
        z = T.forward(jnp.asarray(obs, float))
        r = (z[:, None, :] - prepared[None]) / jnp.asarray(SD)
        return -0.5 * jnp.sum(r**2, axis=-1) + T.log_abs_det_jacobian(obs)[:, None]


def toy_bank(nodes: BankNodes, realizations: int, seed: int, usable=None) -> BankRealizations:
    """The toy simulator at every node, with common random numbers: one noise draw per realization."""
    noise = np.random.default_rng(seed).normal(size=(1, realizations, 3)) * SD
    z = mean_z(nodes.points)[:, None, :] + noise
    ok = np.ones(z.shape[:2], bool) if usable is None else usable
    return BankRealizations(np.where(ok[..., None], z, 0.0), ok, np.full(len(z), 1e-3))


def observations(n: int, seed: int, low=(0.6, 70.0), high=(1.4, 180.0)) -> SplitData:
    rng = np.random.default_rng(seed)
    truth = np.asarray(low) + rng.uniform(size=(n, 2)) * (np.asarray(high) - np.asarray(low))
    y = np.asarray(T.inverse(mean_z(truth) + rng.normal(size=(n, 3)) * SD))
    return SplitData(truth, y, np.arange(n))


def exact_moments(obs: np.ndarray, n_fine: int):
    """The exact posterior's means and sds of the toy model on the fine grid."""
    q0, a = BOX.grid(n_fine)
    theta = np.stack(np.meshgrid(q0, a, indexing="ij"), axis=-1).reshape(-1, 2)
    ll = -0.5 * np.sum(((np.asarray(T.forward(obs))[:, None] - mean_z(theta)[None]) / SD) ** 2, axis=-1)
    p = np.exp(ll - ll.max(axis=1, keepdims=True)).reshape(len(obs), n_fine, n_fine)
    p /= p.sum(axis=(1, 2), keepdims=True)
    out = []
    for axis, x in ((2, q0), (1, a)):
        m = p.sum(axis) @ x
        out.append((m, np.sqrt(p.sum(axis) @ x**2 - m**2)))
    return np.column_stack([out[0][0], out[1][0]]), np.column_stack([out[0][1], out[1][1]])


def compare(family, nodes, bank, held, bootstrap=10):
    return compare_on_bank(
        family, "exact", nodes, bank, held, n_stars=N_STARS, fine_grid=80, bootstrap=bootstrap, seed=5
    )[0]


def test_the_bank_uses_common_random_numbers_and_nests_coarser_banks():
    nodes = BankNodes.over(BOX, 7, 4)
    assert nodes.q0[[0, -1]].tolist() == [0.5, 1.5] and nodes.a_au[[0, -1]].tolist() == [50.0, 200.0]
    d = bank_design(nodes, seed=11, realizations=5)
    assert len(d.seed) == 7 * 4 * 5 and set(d.split) == {"reference"}
    seeds = d.seed.reshape(28, 5)
    assert (seeds == seeds[0]).all(), "realization r has one seed at every node"
    assert len(set(seeds[0].tolist())) == 5 and seeds[0, 2] == simulation_seed(11, 0, 2)
    assert len({(s, q, a) for s, q, a in zip(d.seed, d.q0, d.a_au, strict=True)}) == len(d.seed), "distinct entries"
    coarse = BankNodes.over(BOX, 4, 4)  # every other Q0 node of the finer bank, the same floats
    assert set(coarse.q0.tolist()) <= set(nodes.q0.tolist())


def test_bank_realizations_arrange_a_dataset_by_node_and_realization():
    nodes = BankNodes.over(BOX, 3, 3)
    d = bank_design(nodes, seed=1, realizations=6)
    order = np.random.default_rng(0).permutation(len(d.seed))
    f = np.where(d.realization == 0, np.nan, 0.5)
    columns = {
        "point": d.point[order],
        "realization": d.realization[order],
        "f_bound": f[order],
        "sigma_v_kms": np.full(len(f), 2.0),
        "r_h_au": d.a_au[order],
        "few_bound": np.isnan(f)[order],
        "flag_energy": np.zeros(len(f), bool),
    }
    bank = bank_realizations(columns, nodes, 6, N_STARS)
    assert bank.usable.shape == (9, 6) and not bank.usable[:, 0].any() and bank.usable[:, 1:].all()
    np.testing.assert_allclose(bank.z[:, 1:, 2], np.log(nodes.points[:, 1:2]).repeat(5, axis=1))
    assert bank.count_width[0] == pytest.approx(
        float(T.forward(np.array([0.51, 1, 1]))[0] - T.forward(np.array([0.49, 1, 1]))[0]) / 2
    )


def test_every_synthetic_likelihood_is_the_formula_it_states():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(2, 40, 3)) * SD + np.array([0.0, 1.0, 5.0])
    ok = np.ones((2, 40), bool)
    ok[1, :10] = False
    bank = BankRealizations(np.where(ok[..., None], z, 0.0), ok, np.full(2, 1e-3))
    s = SyntheticLikelihoods.of(bank, np.ones((1, 40), int))
    z_obs = np.array([[0.1, 1.02, 4.9], [0.5, 0.9, 5.3]])
    g, sp, kern = s.gaussian(z_obs)[0], s.semiparametric(z_obs)[0], s.kernel(z_obs)[0]
    h = bandwidths(bank)
    for k in range(2):
        x = z[k, ok[k]]
        frac = np.log(ok[k].mean())
        expect = stats.multivariate_normal(x.mean(0), np.cov(x, rowvar=False)).logpdf(z_obs) + frac
        np.testing.assert_allclose(g[:, k], expect, rtol=1e-10)
        scott = len(x) ** (-2 / 7) * np.cov(x, rowvar=False)  # Scott's rule, d = 3
        kernels = np.array([stats.multivariate_normal(xr, scott).pdf(z_obs) for xr in x])
        np.testing.assert_allclose(kern[:, k], np.log(kernels.mean(0)) + frac, rtol=1e-10)
        scores = special.ndtri(stats.rankdata(x, axis=0) / (len(x) + 1))
        corr = np.corrcoef(scores, rowvar=False)
        t = (z_obs[:, None, :] - x[None]) / h[k]
        log_g = np.log(stats.norm.pdf(t).mean(1) / h[k]).sum(-1)
        eta = special.ndtri(stats.norm.cdf(t).mean(1))
        copula = -0.5 * np.log(np.linalg.det(corr)) - 0.5 * np.einsum(
            "oi,ij,oj->o", eta, np.linalg.inv(corr) - np.eye(3), eta
        )
        np.testing.assert_allclose(sp[:, k], log_g + copula + frac, rtol=1e-8)


def test_a_node_with_too_few_usable_realizations_has_no_likelihood():
    rng = np.random.default_rng(0)
    ok = np.ones((2, 8), bool)
    ok[1, MIN_USABLE - 1 :] = False  # MIN_USABLE - 1 usable
    bank = BankRealizations(rng.normal(size=(2, 8, 3)), ok, np.ones(2))
    s = SyntheticLikelihoods.of(bank, np.ones((1, 8), int))
    assert s.defined[0].tolist() == [True, False]
    for ll in (s.gaussian(np.zeros((1, 3))), s.semiparametric(np.zeros((1, 3))), s.kernel(np.zeros((1, 3)))):
        assert np.isfinite(ll[0, 0, 0]) and ll[0, 0, 1] == -np.inf


def test_summaries_ranked_alike_leave_the_semiparametric_likelihood_finite():
    """At high Q0 f_bound and sigma_v can rank a small resample's realizations alike: a copula
    correlation of one, which the eigenvalue floor keeps invertible."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.normal(size=8))
    z = np.column_stack([x, np.exp(x), rng.normal(size=8)])[None]  # same ranks, not collinear
    bank = BankRealizations(z, np.ones((1, 8), bool), np.full(1, 1e-3))
    s = SyntheticLikelihoods.of(bank, np.ones((1, 8), int))
    eigen = np.linalg.eigvalsh(np.linalg.inv(s.copula_inv + np.eye(3))[0, 0])
    assert eigen.min() == pytest.approx(COPULA_EIGEN_FLOOR, rel=0.05)
    assert np.isfinite(s.semiparametric(np.array([[0.1, 1.2, 0.0]]))).all()


def test_a_linear_log_likelihood_is_interpolated_exactly():
    nodes = BankNodes.over(BOX, 6, 5)
    interp = NodeInterpolation.onto(nodes, BOX, 40)
    ll = 3.0 - 40.0 * nodes.points[:, 0] + 0.05 * nodes.points[:, 1]
    q0, a = np.meshgrid(interp.q0, interp.a_au, indexing="ij")
    np.testing.assert_allclose(interp.log_likelihood(ll), 3.0 - 40.0 * q0 + 0.05 * a, atol=1e-9)
    undefined = ll.copy()
    undefined[0] = -np.inf  # a node without a likelihood: only the cells that read it lose theirs
    fine = interp.log_likelihood(undefined)
    assert (
        np.isinf(fine[0, 0])
        and np.isfinite(fine[-1, -1])
        and (np.isinf(fine) == interp.touching(np.isinf(undefined))).all()
    )


def test_the_gaussian_reference_approaches_the_exact_posterior_and_the_others_agree_as_their_kernels_allow():
    nodes = BankNodes.over(BOX, 21, 7)
    held = observations(12, seed=2)
    bank = toy_bank(nodes, 400, seed=1)
    rec = compare({"exact": ToyLikelihood()}, nodes, bank, held)
    mean, sd = exact_moments(held.y, 80)
    for j, p in enumerate(("q0", "a_au")):
        g = np.array([o.references["gaussian"].mean[j] for o in rec.observations])
        gs = np.array([o.references["gaussian"].sd[j] for o in rec.observations])
        assert np.median(np.abs(g - mean[:, j]) / sd[:, j]) < 0.15  # Monte Carlo error ~ 1/sqrt(400) sd
        assert np.median(gs / sd[:, j]) == pytest.approx(1.0, abs=0.08)
        # The kernel likelihood is that of z plus N(0, H) noise, H = 400^(-2/7) Sigma: for a mean
        # linear in theta, the exact posterior widened by sqrt(1 + 400^(-2/7)) = 1.086.
        k = np.array([o.references["kernel"].mean[j] for o in rec.observations])
        ks = np.array([o.references["kernel"].sd[j] for o in rec.observations])
        assert np.median(np.abs(k - mean[:, j]) / sd[:, j]) < 0.2  # the wider, the more the box's edges move it
        assert np.median(ks / sd[:, j]) == pytest.approx(np.sqrt(1 + 400 ** (-2 / 7)), abs=0.05)
        # The kernels widen the semi-parametric posterior by about sqrt(1 + (h / sd)^2) ~ 1.03.
        between = rec.between_references[p]
        assert between.dmean_median < 0.15 and 0.97 < between.sd_ratio_median < 1.12
        # The exact likelihood interpolated from the nodes against itself on the fine grid.
        assert rec.interpolation[p].dmean_p90 < 0.05 and rec.interpolation[p].sd_ratio_median == pytest.approx(
            1, abs=0.03
        )


def test_a_perfect_emulator_meets_the_efficiency_targets_and_a_biased_one_does_not():
    nodes = BankNodes.over(BOX, 21, 7)
    held = observations(16, seed=4)
    rec = compare({"exact": ToyLikelihood(), "biased": ToyLikelihood(shift=0.3)}, nodes, toy_bank(nodes, 300, 3), held)
    assert efficiency_met(rec, "exact", "q0") and efficiency_met(rec, "exact", "a_au")
    assert not efficiency_met(rec, "biased", "q0"), "a mean one noise sd off moves Q0 by about one posterior sd"
    assert rec.against("biased", "gaussian", "q0").dmean_median > 0.6
    assert rec.noise_floor["gaussian"]["q0"].dmean_median < 0.15


def test_the_bootstrap_error_shrinks_with_more_realizations():
    nodes = BankNodes.over(BOX, 11, 5)
    interp = NodeInterpolation.onto(nodes, BOX, 60)
    z_obs = np.asarray(T.forward(observations(10, seed=6).y))
    errors = []
    for r in (20, 160):
        boot = SyntheticLikelihoods.of(toy_bank(nodes, r, seed=r), resample_counts(r, 40, seed=1))
        mean, _ = interp.moments(boot.gaussian(z_obs))
        _, sd = interp.moments(
            SyntheticLikelihoods.of(toy_bank(nodes, r, seed=r), np.ones((1, r), int)).gaussian(z_obs)
        )
        errors.append(np.median(mean[..., 0].std(axis=0) / sd[0, :, 0]))
    assert errors[1] < 0.5 * errors[0], errors  # 1/sqrt(8) ~ 0.35 expected


def test_a_bank_too_small_to_hold_the_tails_shows_in_the_references_coverage_by_size():
    """The bootstrap cannot see a tail the first realizations lack; the nested banks' coverage can.
    Known answer: references built from realizations with half the noise sd have half the
    posterior sd, and 95% intervals that cover the truth about P(|N(0,1)| < 0.98) = 0.67 of the time."""
    assert nested_sizes(144) == [18, 36, 72, 144] and nested_sizes(19) == [19] and nested_sizes(6) == [6]
    nodes = BankNodes.over(BOX, 21, 7)
    bank = toy_bank(nodes, 160, seed=9)
    # the first 40 realizations' noise halved, the rest widened: the whole bank keeps the right variance
    scale = np.where(np.arange(160) < 40, 0.5, np.sqrt(1.25))[None, :, None]
    mean = mean_z(nodes.points)[:, None, :]
    bank = BankRealizations(mean + (bank.z - mean) * scale, bank.usable, bank.count_width)
    rec = compare({"exact": ToyLikelihood()}, nodes, bank, observations(60, seed=10))
    by_size = rec.coverage_by_realizations
    assert list(by_size) == ["10", "20", "40", "80", "160"]
    assert all(by_size["160"][kind] == rec.coverage[kind] for kind in REFERENCES)
    for kind in ("gaussian", "semiparametric"):
        assert by_size["40"][kind]["q0"][1] < 0.8 < 0.88 < by_size["160"][kind]["q0"][1], by_size
    # the kernel keeps the whole bank's width (as the bootstrap does), which hides part of the loss
    assert by_size["40"]["kernel"]["q0"][1] < 0.9 < by_size["160"]["kernel"]["q0"][1], by_size
    # the exact likelihood's posteriors are the same at every size: against the references of the
    # first 40 (half the noise, half the posterior sd) its sd ratio is about 2, against the whole bank 1
    agree = rec.agreement_by_realizations
    assert all(agree["160"][kind] == rec.agreement["exact"][kind] for kind in REFERENCES)
    for kind in ("gaussian", "semiparametric"):
        # about 2 for Q0, less where the semi-parametric kernels widen the narrow marginals and
        # where the prior box truncates the wide posteriors of a
        assert agree["40"][kind]["q0"].sd_ratio_median > 1.5 and agree["40"][kind]["a_au"].sd_ratio_median > 1.3
        assert 0.85 < agree["160"][kind]["q0"].sd_ratio_median < 1.1, agree


def test_the_paper_reports_the_references_coverage_by_bank_size(tmp_path):
    nodes = BankNodes.over(BOX, 9, 5)
    rec = compare({"exact": ToyLikelihood()}, nodes, toy_bank(nodes, 100, seed=1), observations(5, seed=1))
    path = tmp_path / "reference.json"  # read back as the manuscript reads it: JSON sorts the sizes as text
    path.write_text(json.dumps(rec.to_jsonable(), sort_keys=True))
    assert list(json.loads(path.read_text())["coverage_by_realizations"]) == ["100", "12", "25", "50"]
    text = reference_vars(ReferenceBank.load(path))["sentence_coverage"]
    gaussian = [f"{rec.coverage_by_realizations[n]['gaussian']['q0'][1]:.2f}" for n in ("12", "25", "50", "100")]
    assert (
        "first 12, 25, 50 and 100 realizations" in text and f"in {', '.join(gaussian[:3])} and {gaussian[3]} of" in text
    )
    ratios = [f"{rec.agreement_by_realizations[n]['gaussian']['q0'].sd_ratio_median:.2f}" for n in ("12", "25", "50")]
    assert f"median ratios of standard deviations of {', '.join(ratios)} and" in text
    one_size = replace(
        rec,
        coverage_by_realizations={"100": rec.coverage_by_realizations["100"]},
        agreement_by_realizations={"100": rec.agreement_by_realizations["100"]},
    )
    assert "first" not in reference_vars(one_size)["sentence_coverage"]


def _with_q0_agreements(rec: ReferenceBank, ratios: list[float]) -> ReferenceBank:
    """`rec` with the exact likelihood's Q0 sd ratio against the Gaussian references of its nested
    banks set to `ratios` (smallest bank first), the whole bank's also as its condition 3's."""
    sizes = sorted(rec.agreement_by_realizations, key=int)
    by = {n: {k: dict(v) for k, v in rec.agreement_by_realizations[n].items()} for n in sizes}
    for n, r in zip(sizes, ratios, strict=True):
        by[n]["gaussian"]["q0"] = replace(by[n]["gaussian"]["q0"], sd_ratio_median=r)
    agreement = {k: {kind: dict(v) for kind, v in refs.items()} for k, refs in rec.agreement.items()}
    agreement["exact"]["gaussian"]["q0"] = by[sizes[-1]]["gaussian"]["q0"]
    return replace(rec, agreement_by_realizations=by, agreement=agreement)


def test_the_paper_says_whether_a_larger_bank_moved_the_reference_toward_a_failing_likelihood():
    """Condition 3 fails on the sd ratio; the sentence says the bank's size is part of the miss only
    when the whole bank's reference is closer to the likelihood than any smaller bank's."""
    nodes = BankNodes.over(BOX, 9, 5)
    rec = compare({"exact": ToyLikelihood()}, nodes, toy_bank(nodes, 100, seed=1), observations(20, seed=1))
    q0 = "For $Q_0$, whose condition 3 fails,"
    for ratios in ([1.6, 1.4, 1.3, 1.2], [1.6, 1.3, 1.4, 1.2]):  # a stall between smaller banks is noise
        closer = _with_q0_agreements(rec, ratios)
        assert not efficiency_met(closer, "exact", "q0")
        assert f"{q0} the whole bank's reference is closer" in reference_vars(closer)["sentence_coverage"]
    for ratios in ([1.6, 1.3, 1.2, 1.25], [1.1, 1.4, 1.3, 1.2]):  # narrower than the whole bank's ratio: 1.1 meets
        text = reference_vars(_with_q0_agreements(rec, ratios))["sentence_coverage"]
        assert f"{q0} a smaller bank's reference is as close" in text, ratios
    met = _with_q0_agreements(rec, [1.6, 1.4, 1.3, 1.0])
    assert efficiency_met(met, "exact", "q0") and q0 not in reference_vars(met)["sentence_coverage"]


def test_an_undefined_bootstrap_is_said_in_words_not_printed_as_nan():
    """A bank of few realizations leaves resamples without a likelihood at nodes the posteriors need."""
    nodes = BankNodes.over(BOX, 9, 5)
    rec = compare({"exact": ToyLikelihood()}, nodes, toy_bank(nodes, 100, seed=1), observations(5, seed=1))
    defined = reference_vars(rec)
    assert "noise floor" in defined["sentence_result"] and defined["sentence_bootstrap"]
    nan = float("nan")
    undefined = replace(
        rec,
        bootstrap_error={**rec.bootstrap_error, "kernel": {p: BootstrapError(nan, nan, nan, nan) for p in PARAMETERS}},
    )
    text = reference_vars(undefined)
    assert "The bootstrap over the realizations is not defined here" in text["sentence_result"]
    assert text["sentence_bootstrap"] == "" and not any("nan" in v for v in text.values() if isinstance(v, str))


def test_the_references_calibration_is_judged_on_every_observation_not_only_the_compared():
    """The first observations are compared; the references' coverage is also measured on all
    (a choice of the bank, such as its size, may have seen the compared ones), by the same
    exclusion rule and the same posteriors as when every observation is compared. Nodes
    without a synthetic likelihood at the top of the Q0 range exclude some of each."""
    nodes = BankNodes.over(BOX, 9, 5)
    usable = np.ones((len(nodes.points), 40), bool)
    usable[nodes.points[:, 0] >= 1.4, 3:] = False  # three usable: too few
    bank, held = toy_bank(nodes, 40, seed=2, usable=usable), observations(30, seed=3, high=(1.5, 180.0))
    family = {"exact": ToyLikelihood()}
    some = compare_on_bank(
        family, "exact", nodes, bank, held, n_compared=10, n_stars=N_STARS, fine_grid=80, bootstrap=4, seed=5
    )[0]
    every = compare(family, nodes, bank, held, bootstrap=4)
    assert every.excluded and any(i < 10 for i in every.excluded), "the case needs exclusions among the compared"
    assert (some.n_compared, some.n_available) == (10, 30)
    assert some.excluded == [i for i in every.excluded if i < 10]
    assert [o.index for o in some.observations] == [o.index for o in every.observations if o.index < 10]
    assert some.calibration == every.calibration
    assert some.calibration.n_scored == 30 and some.calibration.n_kept == 30 - len(every.excluded)
    assert all(some.calibration.coverage[k] == every.coverage[k] for k in (*REFERENCES, "exact"))
    text = _calibration_sentence(some, "exact")  # the toy likelihood has no name in the paper
    cov = every.coverage["gaussian"]
    assert f"({30 - len(every.excluded)} of 30, the others next to nodes without a synthetic likelihood)" in text
    assert f"in {cov['q0'][1]:.2f} and {cov['a_au'][1]:.2f} of the cases (Gaussian reference)" in text


def test_the_paper_says_in_which_q0_quarter_the_likelihood_and_the_reference_disagree_and_who_is_calibrated():
    """Known answer: errors of unit sd about the truth; a posterior that states sd 1 is
    calibrated (standardized errors of sd 1), one that states sd 0.5 is over-confident (sd 2)."""
    nodes = BankNodes.over(BOX, 9, 5)
    rec = compare({"exact": ToyLikelihood()}, nodes, toy_bank(nodes, 20, seed=1), observations(5, seed=1))
    rng = np.random.default_rng(4)

    def bank_with(ref_sd, ours_sd, n=400):
        truth = np.column_stack([rng.uniform(0.5, 1.5, n), rng.uniform(50.0, 200.0, n)])
        scale = np.array([0.05, 20.0])  # the posteriors' true spread, per parameter
        ref, ours = (truth + scale * rng.normal(size=(n, 2)) for _ in range(2))
        obs = [
            BankObservation(
                i,
                truth[i].tolist(),
                [0.8, 3.0, 300.0],
                {"gaussian": ReferenceMoments(ref[i].tolist(), (ref_sd * scale).tolist(), [0.1] * 2, [0.1] * 2)},
                {"exact": Moments(ours[i].tolist(), (ours_sd * scale).tolist())},
                Moments(ours[i].tolist(), (ours_sd * scale).tolist()),
            )
            for i in range(n)
        ]
        return replace(rec, observations=obs)

    over = bank_with(ref_sd=0.5, ours_sd=1.0)
    q = _by_quarter(over, "exact")
    assert q["n"].sum() == 400 and np.all(q["n"] > 70)
    np.testing.assert_allclose(q["ref"], 2.0, rtol=0.25)
    np.testing.assert_allclose(q["ours"], 1.0, rtol=0.25)
    assert np.all(q["dmean"] > 0.2)  # |N(0, 2)| / 0.5: a median of about 1.9
    text = _by_quarter_sentence(over, "exact")
    assert "(eight cases of quarter and parameter)" in text
    assert "in eight of them the reference's exceed one by more than two standard errors" in text
    # the likelihood over-confident and the reference calibrated: nothing said for the reference
    text = _by_quarter_sentence(bank_with(ref_sd=1.0, ours_sd=0.5), "exact")
    assert "By quarter of the $Q_0$ range" in text and "spread more widely" not in text
    assert _by_quarter_sentence(replace(over, observations=over.observations[:3]), "exact") == ""


def test_observations_next_to_nodes_without_a_likelihood_are_excluded_and_counted():
    nodes = BankNodes.over(BOX, 11, 5)
    usable = np.ones((len(nodes.points), 30), bool)
    usable[nodes.points[:, 0] >= 1.35, 3:] = False  # three usable: too few at the top of the Q0 range
    bank = toy_bank(nodes, 30, seed=8, usable=usable)
    truth = np.array([[1.45, 120.0], [0.7, 120.0]])
    held = SplitData(truth, np.asarray(T.inverse(mean_z(truth))), np.arange(2))
    rec = compare({"exact": ToyLikelihood()}, nodes, bank, held)
    assert rec.n_undefined_nodes == 2 * 5 and rec.excluded == [0] and [o.index for o in rec.observations] == [1]
    assert rec.n_compared == 2 and rec.agreement["exact"]["gaussian"]["q0"].n == 1
    alone = compare({"exact": ToyLikelihood()}, nodes, bank, SplitData(truth[:1], held.y[:1], np.arange(1)))
    assert alone.excluded == [0] and alone.observations == [] and alone.agreement["exact"]["gaussian"]["q0"].n == 0
    assert np.isnan(alone.agreement["exact"]["gaussian"]["q0"].dmean_median), "no observation: no statistic"


def test_the_record_round_trips_through_json(tmp_path):
    nodes = BankNodes.over(BOX, 9, 5)
    rec = compare({"exact": ToyLikelihood()}, nodes, toy_bank(nodes, 20, seed=1), observations(5, seed=1))
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(rec.to_jsonable()))
    back = ReferenceBank.load(path)
    assert (
        back == rec and len(back.examples) == 4 and set(back.examples[0].node_log_likelihood) == {*REFERENCES, "exact"}
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  realizations: 6 ", "  realizations: 4 ", "reference.realizations = 4: not allowed"),
        ("q0_nodes: 5 ", "q0_nodes: 2 ", "reference.q0_nodes = 2: not allowed"),
        ("bootstrap: 20 ", "bootstrap: 5 ", "reference.bootstrap = 5: not allowed"),
        ("n_observations: 1000 ", "n_observations: 0 ", "reference.n_observations = 0: not allowed"),
        ("  a_nodes: 4 ", "  a_node: 4 ", "reference.a_node: unknown key"),
        ("seed: 577215", "seed: 223606797", "confirmation.seed = 223606797: the same as reference.seed"),
    ],
)
def test_the_config_refuses_bad_reference_settings(tmp_path, old, new, message):
    text = (ROOT / "analysis/config/smoke.yaml").read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message):
        load_config(bad)
