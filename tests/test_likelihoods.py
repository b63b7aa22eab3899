"""Loading one likelihood of the family by name, from a profile's model files."""

import numpy as np
import pytest

from clusteremu.inference.family import MODEL_FILES, LearnedLikelihood, load_likelihood
from clusteremu.inference.gaussian import Likelihood
from clusteremu.inference.model import Selected
from clusteremu.paper.labels import LIKELIHOOD_NAMES


@pytest.fixture(scope="module")
def files(tmp_path_factory, tiny_emulator, tiny_learned, tiny_flow):
    from clusteremu.emulators.flow import flow_bytes

    folder = tmp_path_factory.mktemp("models")
    (folder / MODEL_FILES["flow"]).write_bytes(flow_bytes(tiny_flow, {}))
    (folder / MODEL_FILES["mean"]).write_bytes(tiny_emulator.to_bytes())
    (folder / MODEL_FILES["learned"]).write_bytes(tiny_learned.to_bytes())
    return {role: folder / name for role, name in MODEL_FILES.items()}


def test_every_loadable_name_gives_the_family_member(files, tiny_emulator, tiny_learned):
    theta = np.array([[0.8, 90.0], [1.3, 160.0]])
    obs = np.array([[0.7, 4.0, 150.0]])
    sd = [0.01, 0.1, 5.0]
    learned = LearnedLikelihood(tiny_learned, sd)
    family = {v: Likelihood.of(tiny_emulator, v, sd) for v in ("constant", "input", "fullcov")} | {
        "learned": learned,
        "learned+selection": Selected(learned, tiny_learned.selection),
    }
    for name, ref in family.items():
        like = load_likelihood(name, files, obs_sd=sd)
        np.testing.assert_allclose(
            np.asarray(like.log_prob(obs, like.prepare(theta))),
            np.asarray(ref.log_prob(obs, ref.prepare(theta))),
            rtol=1e-12,
        )
    assert isinstance(load_likelihood("input", files), Likelihood)
    sel = load_likelihood("learned+selection", files)
    assert isinstance(sel, Selected) and isinstance(sel.inner, LearnedLikelihood)
    diff = sel.log_prob(obs, sel.prepare(theta)) - sel.inner.log_prob(obs, sel.inner.prepare(theta))
    np.testing.assert_allclose(np.asarray(diff)[0], np.asarray(tiny_learned.selection.log_prob_usable(theta)))


@pytest.mark.parametrize(
    ("name", "obs_sd", "error", "message"),
    [
        ("fulcov", None, ValueError, "unknown likelihood 'fulcov'; allowed: constant, input"),
        ("flow", [0.1, 0.1, 5.0], ValueError, "measurement sd 0.1 of f_bound is outside what the flow"),
        ("gp", None, FileNotFoundError, "the 'gp' likelihood needs"),
    ],
)
def test_refusals_name_what_is_wrong(files, name, obs_sd, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace("+", r"\+")):
        load_likelihood(name, files, obs_sd)


def test_the_family_is_the_papers_list():
    assert set(MODEL_FILES) == {"mean", "learned", "gp", "flow"}
    assert list(LIKELIHOOD_NAMES)[:3] == ["constant", "input", "fullcov"]
