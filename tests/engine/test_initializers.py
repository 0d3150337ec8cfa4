import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.datasets import make_dataset
from app.engine.initializers import INITIALIZERS, UNIFORM_LIMIT
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import GradientDescent
from app.engine.trainer import Trainer

SHAPE = (300, 200)  # n_out, n_in: enough weights for their spread to show


def draw(name, seed=0):
    return INITIALIZERS[name](SHAPE, np.random.default_rng(seed))


def test_registry_holds_the_four_named_initializers():
    assert sorted(INITIALIZERS) == ["he", "uniform", "xavier", "zeros"]


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_shape_and_seed(name):
    assert draw(name).shape == SHAPE
    assert np.array_equal(draw(name, seed=1), draw(name, seed=1))


def test_zeros_are_zero():
    assert not draw("zeros").any()


def test_uniform_stays_within_its_small_limit():
    w = draw("uniform")
    assert np.abs(w).max() <= UNIFORM_LIMIT
    assert w.std() == pytest.approx(UNIFORM_LIMIT / np.sqrt(3), rel=0.02)


@pytest.mark.parametrize("name, variance", [("xavier", 2 / (300 + 200)), ("he", 2 / 200)])
def test_variance_follows_the_layer_widths(name, variance):
    w = draw(name)
    assert w.mean() == pytest.approx(0.0, abs=0.01)
    assert w.var() == pytest.approx(variance, rel=0.02)


def test_xavier_is_bounded_by_its_limit():
    assert np.abs(draw("xavier")).max() <= np.sqrt(6 / (300 + 200))


def test_zero_weights_keep_the_neurons_of_a_layer_identical_however_long_they_train():
    # Sigmoid hidden units output 0.5, not 0, so the weights above them do move: the copies
    # are not stuck, they move in lockstep.
    data = make_dataset("circle", 200, 0.0, 0.5, np.random.default_rng(0))
    sigmoid = get_activation("sigmoid")
    net = Network([2, 4, 3, 1], [sigmoid] * 3, np.random.default_rng(0), init="zeros")
    Trainer(net, get_loss("binary_cross_entropy"), GradientDescent(0.5), data, 10,
            np.random.default_rng(1)).train(300)
    for layer in net.layers:
        assert layer.W.any()
        assert np.allclose(layer.W, layer.W[:1]) and np.allclose(layer.b, layer.b[:1])
    assert np.allclose(net.layers[1].W, net.layers[1].W[:, :1])  # each neuron sees copies below


def test_random_weights_break_the_symmetry():
    net = Network([2, 4, 1], [get_activation("tanh")] * 2, np.random.default_rng(0), init="uniform")
    assert not np.allclose(net.layers[0].W, net.layers[0].W[:1])
