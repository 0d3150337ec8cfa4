import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.losses import LOSSES, get_loss

sigmoid, tanh, softmax = (get_activation(n) for n in ("sigmoid", "tanh", "softmax"))


def test_registry_holds_the_five_named_losses():
    assert sorted(LOSSES) == ["binary_cross_entropy", "categorical_cross_entropy", "huber", "mae",
                              "mse"]


def test_mse_is_half_the_squared_error_averaged_over_examples():
    assert get_loss("mse").value(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])) == 1.25


def test_mae_is_the_absolute_error_summed_over_outputs_averaged_over_examples():
    a, y = np.array([[1.0, -2.0], [0.5, 0.0]]), np.zeros((2, 2))
    assert get_loss("mae").value(a, y) == 1.75  # (1 + 0.5 + 2 + 0) / 2


def test_huber_is_quadratic_up_to_one_and_linear_beyond():
    huber = get_loss("huber")
    assert huber.value(np.array([[0.5]]), np.array([[0.0]])) == 0.125  # ½·0.5²
    assert huber.value(np.array([[-3.0]]), np.array([[0.0]])) == 2.5  # 3 − ½
    assert np.array_equal(huber.grad_a(np.array([[0.5, -3.0, 2.0]]), np.zeros((1, 3))),
                          [[0.5, -1.0, 1.0]])


def test_binary_cross_entropy_of_a_coin_flip_is_ln_2():
    value = get_loss("binary_cross_entropy").value(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]]))
    assert value == pytest.approx(np.log(2))


def test_binary_cross_entropy_stays_finite_when_the_output_saturates_the_wrong_way():
    value = get_loss("binary_cross_entropy").value(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(1e-15), rel=0.01)  # a clipped to [1e-15, 1 - 1e-15]


def test_categorical_cross_entropy_is_minus_ln_of_the_true_class_probability():
    a = np.array([[0.7, 0.1], [0.2, 0.1], [0.1, 0.8]])
    y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    assert get_loss("categorical_cross_entropy").value(a, y) == pytest.approx(
        -(np.log(0.7) + np.log(0.8)) / 2)
    assert np.isfinite(get_loss("categorical_cross_entropy").value(np.array([[0.0], [1.0]]),
                                                                   np.array([[1.0], [0.0]])))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_grad_a_is_the_per_example_gradient_of_the_mean_cost(name):
    # Two outputs, three examples; residuals of both signs, some beyond Huber's δ = 1, none at 0.
    loss, eps = get_loss(name), 1e-6
    a = np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.05]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    if name in ("mae", "huber"):
        a = a * 3.0
    m = y.shape[1]
    numeric = np.empty_like(a)
    for i in np.ndindex(*a.shape):
        step = np.zeros_like(a)
        step[i] = eps
        numeric[i] = (loss.value(a + step, y) - loss.value(a - step, y)) / (2 * eps)
    assert np.allclose(loss.grad_a(a, y) / m, numeric, rtol=1e-6)


def test_cross_entropies_require_their_output_and_the_rest_accept_any():
    assert get_loss("binary_cross_entropy").output_activations == ("sigmoid",)
    assert get_loss("categorical_cross_entropy").output_activations == ("softmax",)
    assert all(get_loss(n).output_activations is None for n in ("mse", "mae", "huber"))


def test_distance_losses_warn_about_saturating_outputs():
    for name in ("mse", "mae", "huber"):
        assert get_loss(name).unwise_with == ("sigmoid", "softmax")
    for name in ("binary_cross_entropy", "categorical_cross_entropy"):
        loss = get_loss(name)
        assert loss.unwise_with == () and loss.fused_with in loss.output_activations


def test_bp1_unfused_output_delta_is_grad_a_times_sigma_prime():
    z = np.array([[-1.0, 0.5]])
    a, y = np.tanh(z), np.array([[0.0, 1.0]])
    assert np.array_equal(get_loss("mse").output_delta(z, a, y, tanh), (a - y) * (1 - a**2))


def test_bp1_with_softmax_and_mse_goes_through_the_full_jacobian():
    z = np.array([[1.0, -0.5], [0.2, 0.3], [-1.0, 2.0]])
    a, y = softmax.f(z), np.eye(3)[:, :2]
    delta = get_loss("mse").output_delta(z, a, y, softmax)
    assert np.allclose(delta, softmax.backprop(z, a, a - y), rtol=1e-12)
    assert not np.allclose(delta, (a - y) * softmax.df(z))  # the diagonal alone is wrong


def test_bp1_fused_sigmoid_binary_cross_entropy_delta_is_a_minus_y_and_equals_the_unfused():
    loss = get_loss("binary_cross_entropy")
    z = np.array([[-2.0, 0.3, 1.5]])
    a, y = sigmoid.f(z), np.array([[0.0, 1.0, 1.0]])
    delta = loss.output_delta(z, a, y, sigmoid)
    assert np.array_equal(delta, a - y)
    assert np.allclose(delta, loss.grad_a(a, y) * sigmoid.df(z), rtol=1e-12)


def test_bp1_fused_softmax_categorical_cross_entropy_delta_is_a_minus_y_and_equals_the_unfused():
    loss = get_loss("categorical_cross_entropy")
    z = np.array([[1.0, -0.5], [0.2, 0.3], [-1.0, 2.0]])
    a, y = softmax.f(z), np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    delta = loss.output_delta(z, a, y, softmax)
    assert np.array_equal(delta, a - y)
    assert np.allclose(delta, softmax.backprop(z, a, loss.grad_a(a, y)), rtol=1e-12)


def test_fused_delta_stays_right_where_sigma_prime_underflows():
    z = np.array([[40.0]])  # sigmoid(40) is 1.0 in float64, so σ'(z) is 0
    delta = get_loss("binary_cross_entropy").output_delta(z, sigmoid.f(z), np.array([[0.0]]),
                                                          sigmoid)
    assert delta[0, 0] == 1.0
