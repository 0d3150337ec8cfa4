from typing import get_args

import numpy as np
import pytest

from app.engine.activations import (
    ACTIVATIONS,
    HiddenActivationName,
    get_activation,
    relu_prime,
    sigmoid,
    softmax,
)

# Away from the kinks at 0 of ReLU, leaky ReLU and ELU, where σ' has no two-sided limit.
Z = np.array([-3.1, -0.7, 0.4, 2.2])
ELEMENTWISE = sorted(get_args(HiddenActivationName))


def test_registry_holds_the_eight_named_activations():
    assert sorted(ACTIVATIONS) == ["elu", "leaky_relu", "linear", "relu", "sigmoid", "softmax",
                                   "softplus", "tanh"]
    assert all(get_activation(name).name == name for name in ACTIVATIONS)


def test_only_softmax_couples_its_neurons():
    assert [name for name, act in ACTIVATIONS.items() if not act.elementwise] == ["softmax"]
    assert sorted(name for name, act in ACTIVATIONS.items() if act.elementwise) == ELEMENTWISE


def test_values():
    z = np.array([-2.0, 0.0, 3.0])
    assert np.allclose(get_activation("sigmoid").f(z), 1 / (1 + np.exp(-z)))
    assert np.array_equal(get_activation("tanh").f(z), np.tanh(z))
    assert np.array_equal(get_activation("relu").f(z), [0.0, 0.0, 3.0])
    assert np.allclose(get_activation("leaky_relu").f(z), [-0.02, 0.0, 3.0])
    assert np.allclose(get_activation("elu").f(z), [np.exp(-2.0) - 1.0, 0.0, 3.0])
    assert np.allclose(get_activation("softplus").f(z), np.log1p(np.exp(z)))
    assert np.array_equal(get_activation("linear").f(z), z)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    act, eps = get_activation(name), 1e-6
    numeric = (act.f(Z + eps) - act.f(Z - eps)) / (2 * eps)
    assert np.allclose(act.df(Z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_backprop_is_grad_a_times_sigma_prime(name):
    act, grad_a = get_activation(name), np.array([0.5, -1.0, 2.0, 0.3])
    assert np.array_equal(act.backprop(Z, act.f(Z), grad_a), grad_a * act.df(Z))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_float32_stays_float32(name):
    # The decision-boundary picture runs in float32 for speed.
    act, z = get_activation(name), Z.astype(np.float32)
    assert act.f(z).dtype == act.df(z).dtype == np.float32


def test_sigmoid_saturates_without_overflow():
    # pyproject turns warnings into errors, so an overflow in exp() would fail here.
    assert np.array_equal(sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])


@pytest.mark.parametrize("name", ["elu", "softplus", "softmax"])
def test_exponentials_do_not_overflow(name):
    act, z = get_activation(name), np.array([[-1000.0], [0.0], [1000.0]])
    assert np.isfinite(act.f(z)).all() and np.isfinite(act.df(z)).all()


def test_relu_derivative_at_zero_is_taken_from_the_left():
    assert np.array_equal(relu_prime(np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])


def test_leaky_relu_takes_its_slope_and_keeps_one_object_per_slope():
    steep = get_activation("leaky_relu", leaky_slope=0.2)
    assert np.allclose(steep.f(np.array([-1.0, 0.0, 2.0])), [-0.2, 0.0, 2.0])
    assert np.allclose(steep.df(np.array([-1.0, 0.0, 2.0])), [0.2, 0.2, 1.0])
    assert get_activation("leaky_relu", leaky_slope=0.2) is steep
    assert get_activation("leaky_relu") is ACTIVATIONS["leaky_relu"]
    assert get_activation("tanh", leaky_slope=0.2) is ACTIVATIONS["tanh"]


def test_softmax_columns_are_distributions_even_for_huge_z():
    z = np.array([[1.0, 1000.0, -5.0], [2.0, 999.0, -5.0], [3.0, -1000.0, -5.0]])
    a = softmax(z)
    assert np.allclose(a.sum(axis=0), 1.0)
    e = np.exp([1.0, 2.0, 3.0])
    assert np.allclose(a[:, 0], e / e.sum())
    assert np.allclose(a[:, 2], 1 / 3)


def test_softmax_backprop_is_the_product_with_its_full_jacobian():
    rng = np.random.default_rng(0)
    z, grad_a = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    act = get_activation("softmax")
    a = act.f(z)
    for j in range(z.shape[1]):
        jacobian = np.diag(a[:, j]) - np.outer(a[:, j], a[:, j])  # ∂a_i/∂z_k
        assert np.allclose(act.backprop(z, a, grad_a)[:, j], jacobian.T @ grad_a[:, j])
    assert np.allclose(act.df(z), a * (1 - a))  # df is only the Jacobian's diagonal


def test_softmax_backprop_matches_central_differences():
    rng = np.random.default_rng(1)
    z, g, eps = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 1e-6
    act = get_activation("softmax")
    numeric = np.empty_like(z)
    for i in np.ndindex(*z.shape):
        step = np.zeros_like(z)
        step[i] = eps
        numeric[i] = np.sum(g * (act.f(z + step) - act.f(z - step))) / (2 * eps)
    assert np.allclose(act.backprop(z, act.f(z), g), numeric, rtol=1e-7, atol=1e-10)
