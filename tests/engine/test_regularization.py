import numpy as np
import pytest

from app.engine.regularization import NO_REGULARIZATION, Regularizer

W1, W2 = np.array([[1.0, -2.0], [0.0, 3.0]]), np.array([[-0.5, 0.5]])


def test_l2_is_half_lambda_times_the_squared_weights_with_gradient_lambda_w():
    l2 = Regularizer("l2", 0.1)
    assert l2.penalty([W1, W2]) == pytest.approx(0.05 * (1 + 4 + 0 + 9 + 0.25 + 0.25))
    dW = np.ones_like(W1)
    l2.add_gradient(W1, dW)
    assert np.allclose(dW, 1.0 + 0.1 * W1)


def test_l1_is_lambda_times_the_absolute_weights_with_gradient_lambda_sign_w():
    l1 = Regularizer("l1", 0.1)
    assert l1.penalty([W1, W2]) == pytest.approx(0.1 * (1 + 2 + 0 + 3 + 0.5 + 0.5))
    dW = np.zeros_like(W1)
    l1.add_gradient(W1, dW)
    assert np.array_equal(dW, [[0.1, -0.1], [0.0, 0.1]])  # subgradient 0 at w = 0


@pytest.mark.parametrize("regularizer", [NO_REGULARIZATION, Regularizer("l2", 0.0)])
def test_no_penalty_leaves_cost_and_gradient_alone(regularizer):
    dW = np.ones_like(W1)
    regularizer.add_gradient(W1, dW)
    assert regularizer.penalty([W1, W2]) == 0.0 and not regularizer.active
    assert np.array_equal(dW, np.ones_like(W1))


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown regularization"):
        Regularizer("l3", 0.1)  # type: ignore[arg-type]


def test_a_regularizer_is_frozen_so_the_shared_default_cannot_change():
    with pytest.raises(AttributeError):
        NO_REGULARIZATION.rate = 1.0  # type: ignore[misc]
