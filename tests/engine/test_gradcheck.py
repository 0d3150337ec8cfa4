from dataclasses import replace
from typing import get_args

import numpy as np
import pytest

from app.engine import regularization
from app.engine.activations import ACTIVATIONS, HiddenActivationName, get_activation
from app.engine.gradcheck import FLOOR, gradient_check, numerical_gradient, relative_error
from app.engine.losses import HUBER_DELTA, LOSSES, get_loss
from app.engine.network import Network
from app.engine.regularization import Penalty, Regularizer

HIDDEN = sorted(get_args(HiddenActivationName))
LEGAL_PAIRS = [
    (output, loss)
    for loss in sorted(LOSSES)
    for output in sorted(ACTIVATIONS)
    if LOSSES[loss].output_activations is None or output in LOSSES[loss].output_activations
]
REGULARIZERS = [Regularizer(), Regularizer("l1", 0.1), Regularizer("l2", 0.1)]
# Central differences with ε = 1e-5 move z and a by far less than this; a value closer to a
# kink could straddle it, where no derivative exists for them to approximate.
KINK_MARGIN = 1e-3


def distance_to_kinks(net: Network, x: np.ndarray, y: np.ndarray) -> float:
    """How close any value sits to a kink: z at 0 (ReLU, leaky ReLU, ELU), a − y at 0 (MAE) and
    at ±δ (Huber), a weight at 0 (L1). Checked for all, whichever are in use."""
    traces = net.forward(x)
    residual = traces[-1].a - y
    values = [*(t.z for t in traces), residual, np.abs(residual) - HUBER_DELTA,
              *(layer.W for layer in net.layers)]
    return min(float(np.abs(v).min()) for v in values)


def random_problem(hidden: str, output: str, seed: int):
    """A 2-3-4-3 net with every parameter ~ N(0, 0.7) and eight one-hot targets, redrawn until
    no value sits within KINK_MARGIN of a kink."""
    rng = np.random.default_rng(seed)
    net = Network([2, 3, 4, 3], [get_activation(hidden)] * 2 + [get_activation(output)], rng)
    while True:
        net.params[:] = rng.normal(0.0, 0.7, net.params.size)
        x, y = rng.normal(size=(2, 8)), np.eye(3)[:, rng.integers(0, 3, 8)]
        if distance_to_kinks(net, x, y) > KINK_MARGIN:
            return net, x, y


def test_every_loss_meets_every_output_it_accepts():
    assert len(LEGAL_PAIRS) == 3 * len(ACTIVATIONS) + 2
    assert ("softmax", "categorical_cross_entropy") in LEGAL_PAIRS
    assert ("sigmoid", "binary_cross_entropy") in LEGAL_PAIRS
    assert ("softmax", "mse") in LEGAL_PAIRS and ("linear", "huber") in LEGAL_PAIRS


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=lambda r: r.name)
@pytest.mark.parametrize("output, loss", LEGAL_PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_agrees_with_finite_differences(hidden, output, loss, regularizer, seed):
    net, x, y = random_problem(hidden, output, seed)
    errors = gradient_check(net, x, y, get_loss(loss), regularizer)
    assert len(errors) == 3
    assert max(errors) < 1e-6


def test_a_wrong_gradient_is_caught():
    # ∇_a C doubled: backprop is then off by a factor of two everywhere.
    wrong = replace(get_loss("mse"), grad_a=lambda a, y: 2 * (a - y))
    net, x, y = random_problem("tanh", "tanh", seed=0)
    assert min(gradient_check(net, x, y, wrong)) > 0.3


def test_a_wrong_penalty_gradient_is_caught(monkeypatch):
    # ∂R/∂W doubled for L2: every weight's gradient is off, biases are not penalised.
    monkeypatch.setitem(regularization.PENALTIES, "l2",
                        Penalty(regularization.l2_penalty, lambda W: 2 * W))
    net, x, y = random_problem("tanh", "linear", seed=0)
    assert min(gradient_check(net, x, y, get_loss("mse"), Regularizer("l2", 1.0))) > 1e-3


def test_the_kink_margin_is_kept():
    net, x, y = random_problem("relu", "linear", seed=0)
    assert distance_to_kinks(net, x, y) > KINK_MARGIN


def test_numerical_gradient_leaves_params_as_they_were():
    net, x, y = random_problem("tanh", "sigmoid", seed=0)
    before = net.params.copy()
    numerical_gradient(net, x, y, get_loss("binary_cross_entropy"), Regularizer("l1", 0.1))
    assert np.array_equal(net.params, before)


def test_relative_error_is_scale_free_above_the_floor_and_damped_below_it():
    assert np.allclose(relative_error(np.array([1.0, 1e3]), np.array([3.0, 3e3])), [0.5, 0.5])
    assert np.allclose(relative_error(np.array([0.0]), np.array([1e-9])), [1e-9 / FLOOR])
