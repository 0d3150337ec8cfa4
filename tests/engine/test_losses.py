import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.losses import LOSSES, get_loss

sigmoid, tanh = get_activation("sigmoid"), get_activation("tanh")


def test_mse_is_half_the_squared_error_averaged_over_examples():
    assert get_loss("mse").value(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])) == 1.25


def test_cross_entropy_of_a_coin_flip_is_ln_2():
    value = get_loss("cross_entropy").value(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]]))
    assert value == pytest.approx(np.log(2))


def test_cross_entropy_stays_finite_when_the_output_saturates_the_wrong_way():
    value = get_loss("cross_entropy").value(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(1e-15), rel=0.01)  # a clipped to [1e-15, 1 - 1e-15]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_grad_a_is_the_per_example_gradient_of_the_mean_cost(name):
    loss, eps = get_loss(name), 1e-6
    a, y = np.array([[0.2, 0.7, 0.9]]), np.array([[0.0, 1.0, 1.0]])
    m = y.shape[1]
    numeric = np.empty_like(a)
    for j in range(m):
        step = np.zeros_like(a)
        step[0, j] = eps
        numeric[0, j] = (loss.value(a + step, y) - loss.value(a - step, y)) / (2 * eps)
    assert np.allclose(loss.grad_a(a, y) / m, numeric, rtol=1e-6)


def test_only_cross_entropy_restricts_the_output_activation():
    assert get_loss("cross_entropy").output_activations == ("sigmoid",)
    assert get_loss("mse").output_activations is None


def test_bp1_unfused_output_delta_is_grad_a_times_sigma_prime():
    z = np.array([[-1.0, 0.5]])
    a, y = np.tanh(z), np.array([[0.0, 1.0]])
    assert np.array_equal(get_loss("mse").output_delta(z, a, y, tanh), (a - y) * (1 - a**2))


def test_bp1_fused_sigmoid_cross_entropy_delta_is_a_minus_y_and_equals_the_unfused_formula():
    loss = get_loss("cross_entropy")
    z = np.array([[-2.0, 0.3, 1.5]])
    a, y = sigmoid.f(z), np.array([[0.0, 1.0, 1.0]])
    delta = loss.output_delta(z, a, y, sigmoid)
    assert np.array_equal(delta, a - y)
    assert np.allclose(delta, loss.grad_a(a, y) * sigmoid.df(z), rtol=1e-12)


def test_fused_delta_stays_right_where_sigma_prime_underflows():
    z = np.array([[40.0]])  # sigmoid(40) is 1.0 in float64, so σ'(z) is 0
    delta = get_loss("cross_entropy").output_delta(z, sigmoid.f(z), np.array([[0.0]]), sigmoid)
    assert delta[0, 0] == 1.0
