import numpy as np

from app.engine.activations import get_activation
from app.engine.network import Network
from app.engine.optimizers import GradientDescent


def test_step_moves_against_the_gradient_in_place():
    params = np.array([1.0, -2.0, 0.5])
    GradientDescent(learning_rate=0.1).step(params, np.array([10.0, 0.0, -5.0]))
    assert np.allclose(params, [0.0, -2.0, 1.0])


def test_step_on_network_params_updates_every_layer():
    net = Network([2, 3, 1], [get_activation("tanh")] * 2, np.random.default_rng(0))
    before = [layer.W.copy() for layer in net.layers]
    GradientDescent(learning_rate=0.5).step(net.params, np.ones_like(net.params))
    assert all(np.allclose(layer.W, w - 0.5) for layer, w in zip(net.layers, before))
    assert all(np.array_equal(layer.b, np.full_like(layer.b, -0.5)) for layer in net.layers)
