import jax
import jax.numpy as jnp
import numpy as np

from clusteremu.emulators.mlp import ensemble_apply, make_ensemble
from clusteremu.emulators.training import loss_curves, train_ensemble


def smooth(x):
    return np.column_stack([np.sin(2 * x[:, 0]) * np.cos(x[:, 1]), x[:, 0] * x[:, 1], np.exp(-(x**2).sum(1))])


def test_ensemble_learns_a_smooth_function_to_the_noise_level():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.5, 1.5, size=(400, 2))
    noise = 0.05
    y = smooth(x) + noise * rng.normal(size=(400, 3))
    xv = rng.uniform(-1.5, 1.5, size=(100, 2))
    yv = smooth(xv) + noise * rng.normal(size=(100, 3))
    f = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    ens = make_ensemble(3, (2, 64, 64, 3), key=jax.random.key(0))
    best, hist = train_ensemble(ens, f(x), f(y), f(xv), f(yv), learning_rate=3e-3, max_epochs=4000, patience=300)
    xt = rng.uniform(-1.5, 1.5, size=(200, 2))
    pred = np.asarray(ensemble_apply(best, f(xt))).mean(axis=0)
    rmse = np.sqrt(np.mean((pred - smooth(xt)) ** 2))
    assert rmse < 2 * noise, f"error to the true function {rmse:.3f} should be near the noise {noise}"
    # Early stopping keeps each member's best weights: its validation loss is the minimum seen.
    members = np.arange(3)
    assert np.allclose(hist.val_loss[hist.best_epoch, members], hist.val_loss.min(axis=0))
    assert hist.epochs < 4000 or np.all(hist.best_epoch > 3000)


def test_loss_curves_keep_every_kth_epoch_one_list_per_member():
    train = np.arange(2500.0).reshape(1250, 2)  # 1250 epochs of 2 members
    curves = loss_curves(train, -train, max_points=500)  # every 2nd epoch
    assert curves["epoch"] == list(range(0, 1250, 2))
    assert len(curves["train"]) == 2 and curves["train"][1][:2] == [1.0, 5.0]
    assert curves["validation"][0][-1] == -train[1248, 0]
    assert loss_curves(np.ones(10), np.zeros(10))["train"] == [1.0] * 10  # one model: one list, nothing thinned
