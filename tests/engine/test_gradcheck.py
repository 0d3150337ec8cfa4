from dataclasses import replace

import numpy as np
import pytest

from app.engine.activations import ACTIVATIONS, get_activation
from app.engine.gradcheck import gradient_check, numerical_gradient, relative_error
from app.engine.losses import get_loss
from app.engine.network import Network

OUTPUT_LOSS_PAIRS = [
    ("sigmoid", "mse"),
    ("tanh", "mse"),
    ("relu", "mse"),
    ("linear", "mse"),
    ("sigmoid", "cross_entropy"),
]


def random_problem(hidden: str, output: str, seed: int):
    """A 2-3-4-1 net with every parameter ~ N(0, 0.5): random biases keep ReLU's z off its kink."""
    rng = np.random.default_rng(seed)
    net = Network([2, 3, 4, 1], [get_activation(hidden)] * 2 + [get_activation(output)], rng)
    net.params[:] = rng.normal(0.0, 0.5, net.params.size)
    return net, rng.normal(size=(2, 8)), rng.integers(0, 2, (1, 8)).astype(float)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("output, loss", OUTPUT_LOSS_PAIRS)
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_backprop_agrees_with_finite_differences(hidden, output, loss, seed):
    net, x, y = random_problem(hidden, output, seed)
    errors = gradient_check(net, x, y, get_loss(loss))
    assert len(errors) == 3
    assert max(errors) < 1e-6


def test_a_wrong_gradient_is_caught():
    # ∇_a C doubled: backprop is then off by a factor of two everywhere.
    wrong = replace(get_loss("mse"), grad_a=lambda a, y: 2 * (a - y))
    net, x, y = random_problem("tanh", "tanh", seed=0)
    assert min(gradient_check(net, x, y, wrong)) > 0.3


def test_numerical_gradient_leaves_params_as_they_were():
    net, x, y = random_problem("tanh", "sigmoid", seed=0)
    before = net.params.copy()
    numerical_gradient(net, x, y, get_loss("cross_entropy"))
    assert np.array_equal(net.params, before)


def test_relative_error_is_scale_free_above_the_floor_and_damped_below_it():
    assert np.allclose(relative_error(np.array([1.0, 1e3]), np.array([3.0, 3e3])), [0.5, 0.5])
    assert np.allclose(relative_error(np.array([0.0]), np.array([1e-9])), [1e-9 / 1e-7])
