import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from clusteremu.emulators.mlp import MLP, ensemble_apply, glorot_linear, make_ensemble


def test_glorot_initialization_is_applied():
    layer = glorot_linear(64, 64, key=jax.random.key(0))
    w = np.asarray(layer.weight)
    limit = np.sqrt(6 / 128)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit
    assert w.dtype == np.float32
    np.testing.assert_allclose(np.var(w), limit**2 / 3, rtol=0.1)  # variance of U(-l, l)
    assert np.all(np.asarray(layer.bias) == 0)
    default = eqx.nn.Linear(64, 64, key=jax.random.key(0))
    assert np.abs(np.asarray(default.weight)).max() <= 1 / 8 + 1e-7  # equinox's own +-1/sqrt(fan_in)


def test_architecture_and_ensemble_shapes():
    model = MLP((2, 64, 64, 3), key=jax.random.key(1))
    assert [(lin.in_features, lin.out_features) for lin in model.layers] == [(2, 64), (64, 64), (64, 3)]
    ens = make_ensemble(5, (2, 64, 64, 3), key=jax.random.key(2))
    out = ensemble_apply(ens, jnp.ones((7, 2)))
    assert out.shape == (5, 7, 3)
    assert len(np.unique(np.asarray(out[:, 0, 0]))) == 5, "members must differ"
