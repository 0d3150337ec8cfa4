"""Numbers that stay true at the extremes: saturated outputs, the tails of σ, and divergence."""

import numpy as np
import pytest

from app.engine.activations import get_activation, sigmoid, sigmoid_prime
from app.engine.datasets import Dataset
from app.engine.gradcheck import gradient_check
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import GradientDescent
from app.engine.trainer import Trainer


def output_layer(z: float) -> tuple[np.ndarray, np.ndarray]:
    zs = np.array([[z]])
    return zs, sigmoid(zs)


@pytest.mark.parametrize("z, y", [(2000.0, 0.0), (-2000.0, 1.0)])
def test_a_confidently_wrong_sigmoid_output_costs_its_true_cross_entropy(z, y):
    zs, a = output_layer(z)
    cost = get_loss("binary_cross_entropy").cost(zs, a, np.array([[y]]), get_activation("sigmoid"))
    assert cost == pytest.approx(2000.0, rel=1e-12)  # −ln σ(−2000) = 2000, not a capped 34.5


def test_a_confidently_right_output_costs_almost_nothing():
    zs, a = output_layer(40.0)
    cost = get_loss("binary_cross_entropy").cost(zs, a, np.array([[1.0]]), get_activation("sigmoid"))
    assert cost == pytest.approx(np.exp(-40.0), rel=1e-12)


def test_softmax_cross_entropy_of_far_apart_logits_is_the_gap():
    z = np.array([[2000.0], [0.0], [-5.0]])
    y = np.array([[0.0], [1.0], [0.0]])
    softmax = get_activation("softmax")
    cost = get_loss("categorical_cross_entropy").cost(z, softmax.f(z), y, softmax)
    assert cost == pytest.approx(2000.0, rel=1e-12)


def test_sigmoid_keeps_its_relative_precision_in_both_tails():
    assert sigmoid(np.array([-40.0]))[0] == pytest.approx(1.0 / (1.0 + np.exp(40.0)), rel=1e-14)
    assert sigmoid(np.array([-745.0]))[0] > 0.0
    assert 1.0 - sigmoid(np.array([40.0]))[0] == pytest.approx(0.0, abs=1e-16)
    assert sigmoid_prime(np.array([40.0]))[0] == pytest.approx(np.exp(-40.0), rel=1e-14)
    assert sigmoid_prime(np.array([-40.0]))[0] == pytest.approx(np.exp(-40.0), rel=1e-14)
    assert not np.isnan(sigmoid(np.array([-1e308, 1e308]))).any()


@pytest.mark.parametrize("scale, seed", [(10.0, 1), (10.0, 2), (20.0, 0), (20.0, 1)])
def test_the_gradient_check_passes_on_a_saturated_sigmoid_cross_entropy_net(scale, seed):
    """Output weights ±scale and every answer wrong: with a cross-entropy capped at −ln 1e-15
    these reported relative errors of 0.42 to 1.0 on correct gradients."""
    rng = np.random.default_rng(seed)
    net = Network([2, 4, 1], [get_activation("tanh"), get_activation("sigmoid")], rng)
    net.layers[0].W[...] *= 5
    net.layers[1].W[...] = scale * np.sign(rng.normal(size=net.layers[1].W.shape))
    x = rng.normal(size=(2, 8))
    y = 1.0 - (net.predict(x) > 0.5).astype(float)
    assert max(gradient_check(net, x, y, get_loss("binary_cross_entropy"))) < 1e-6


def test_divergence_is_reported_at_the_first_loss_that_is_not_finite():
    x = np.ones((1, 20))
    data = Dataset(x, np.zeros((1, 20)), x, np.zeros((1, 20)), task="regression")
    net = Network([1, 1], [get_activation("linear")], np.random.default_rng(0))
    net.layers[0].W[...] = 1e160  # finite weights whose ½(a − y)² overflows
    trainer = Trainer(net, get_loss("mse"), GradientDescent(0.1), data, 10,
                      np.random.default_rng(0))
    assert not trainer.diverged
    trainer.step()
    assert trainer.diverged and np.isfinite(net.params).all()
    assert trainer.step_count == 0  # the update that would have used that loss never ran
    assert trainer.train(5) == 0
