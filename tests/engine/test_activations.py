import numpy as np
import pytest

from app.engine.activations import ACTIVATIONS, get_activation, relu_prime, sigmoid

# Away from ReLU's kink at 0, where σ' has no two-sided limit.
Z = np.array([-3.1, -0.7, 0.4, 2.2])


def test_registry_holds_the_four_named_activations():
    assert sorted(ACTIVATIONS) == ["linear", "relu", "sigmoid", "tanh"]
    assert all(get_activation(name).name == name for name in ACTIVATIONS)


def test_values():
    z = np.array([-2.0, 0.0, 3.0])
    assert np.allclose(get_activation("sigmoid").f(z), 1 / (1 + np.exp(-z)))
    assert np.array_equal(get_activation("tanh").f(z), np.tanh(z))
    assert np.array_equal(get_activation("relu").f(z), [0.0, 0.0, 3.0])
    assert np.array_equal(get_activation("linear").f(z), z)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    act, eps = get_activation(name), 1e-6
    numeric = (act.f(Z + eps) - act.f(Z - eps)) / (2 * eps)
    assert np.allclose(act.df(Z), numeric, rtol=1e-7, atol=1e-9)


def test_sigmoid_saturates_without_overflow():
    # pyproject turns warnings into errors, so an overflow in exp() would fail here.
    assert np.array_equal(sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])


def test_relu_derivative_at_zero_is_taken_from_the_left():
    assert np.array_equal(relu_prime(np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])
