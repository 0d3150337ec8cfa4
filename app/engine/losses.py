"""Cost functions C and the output error δ^L they start backprop with (BP1).

C is the mean of the per-example cost C_x over the batch, so the learning rate means the same
thing at every batch size; grad_a is ∇_a C_x for one example (columns are examples), and C_x
sums over the output neurons. The cross-entropies' values are computed from z (the logits) in
the log domain: a confidently wrong output costs what it really does (z = 2000 costs 2000, not
a capped −ln 1e-15 ≈ 34.5), and the gradient check differentiates the true C.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from app.engine.activations import Activation, ActivationName

Array = np.ndarray
LossName = Literal["mse", "mae", "huber", "binary_cross_entropy", "categorical_cross_entropy"]

# Keeps ∂C/∂a (shown by the inspector) finite when an output saturates to exactly 0 or 1.
_EPS = 1e-15
# Huber's δ: quadratic for residuals up to this size, linear beyond.
HUBER_DELTA = 1.0
# Outputs whose σ'(z) vanishes when they saturate: with a loss that does not cancel σ', a
# confidently wrong neuron gets almost no δ^L and learns slowly.
_SATURATING: tuple[ActivationName, ...] = ("sigmoid", "softmax")


@dataclass(frozen=True)
class Loss:
    name: LossName
    value: Callable[[Array, Array], float]
    grad_a: Callable[[Array, Array], Array]
    # Output activations this loss accepts; None means any.
    output_activations: tuple[ActivationName, ...] | None = None
    # With this output activation σ'(z) cancels against ∇_a C and δ^L = a - y exactly.
    fused_with: ActivationName | None = None
    # Accepted output activations that make learning slow; the UI may warn about them.
    unwise_with: tuple[ActivationName, ...] = ()
    # C from z, for the output activation the loss is fused with: exact where a has saturated.
    logit_value: Callable[[Array, Array], float] | None = None

    def cost(self, z: Array, a: Array, y: Array, activation: Activation) -> float:
        """C of the output layer's z and a = σ(z)."""
        if self.logit_value is not None and activation.name == self.fused_with:
            return self.logit_value(z, y)
        return self.value(a, y)

    def output_delta(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """BP1: δ^L = ∇_a C ⊙ σ'(z^L) (for softmax the full Jacobian product), or the fused
        a − y where the factors cancel.

        The fused form is not just shorter: it stays accurate when σ'(z) underflows.
        """
        if activation.name == self.fused_with:
            return a - y
        return activation.backprop(z, a, self.grad_a(a, y))


def mean_over_examples(per_entry: Array, y: Array) -> float:
    """Σ over output neurons, mean over the examples (columns)."""
    return float(np.sum(per_entry) / y.shape[1])


def mse_value(a: Array, y: Array) -> float:
    """C = mean over x of ½‖a − y‖²."""
    return mean_over_examples(0.5 * (a - y) ** 2, y)


def mse_grad(a: Array, y: Array) -> Array:
    return a - y


def mae_value(a: Array, y: Array) -> float:
    """C = mean over x of ‖a − y‖₁: every error pulls equally hard, so outliers pull less."""
    return mean_over_examples(np.abs(a - y), y)


def mae_grad(a: Array, y: Array) -> Array:
    # At a = y the subgradient 0, as np.sign gives.
    return np.sign(a - y)


def huber_value(a: Array, y: Array) -> float:
    """½r² for |r| ≤ δ and δ(|r| − ½δ) beyond: MSE near the target, MAE far from it."""
    r = np.abs(a - y)
    quadratic = np.minimum(r, HUBER_DELTA)
    return mean_over_examples(0.5 * quadratic**2 + HUBER_DELTA * (r - quadratic), y)


def huber_grad(a: Array, y: Array) -> Array:
    return np.clip(a - y, -HUBER_DELTA, HUBER_DELTA)


def binary_cross_entropy_value(a: Array, y: Array) -> float:
    """C = −mean over x of Σ [y ln a + (1 − y) ln(1 − a)]."""
    a = np.clip(a, _EPS, 1.0 - _EPS)
    return mean_over_examples(-(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)), y)


def binary_cross_entropy_from_logits(z: Array, y: Array) -> float:
    """The same C with a = σ(z): −ln σ(z) = ln(1 + e^−z) and −ln(1 − σ(z)) = ln(1 + e^z), so
    C_x = Σ [ln(1 + e^z) − y z], computed by logaddexp without overflow."""
    return mean_over_examples(np.logaddexp(0.0, z) - y * z, y)


def binary_cross_entropy_grad(a: Array, y: Array) -> Array:
    a = np.clip(a, _EPS, 1.0 - _EPS)
    return (a - y) / (a * (1.0 - a))


def categorical_cross_entropy_value(a: Array, y: Array) -> float:
    """C = −mean over x of Σ_j y_j ln a_j, for one-hot columns y and a that sum to 1."""
    return mean_over_examples(-y * np.log(np.clip(a, _EPS, 1.0)), y)


def categorical_cross_entropy_from_logits(z: Array, y: Array) -> float:
    """The same C with a = softmax(z): ln a_j = z_j − ln Σ_i e^z_i, the sum taken after
    subtracting the column's largest z so that it neither overflows nor underflows to 0."""
    top = z.max(axis=0, keepdims=True)
    log_sum = top + np.log(np.exp(z - top).sum(axis=0, keepdims=True))
    return mean_over_examples(-y * (z - log_sum), y)


def categorical_cross_entropy_grad(a: Array, y: Array) -> Array:
    return -y / np.clip(a, _EPS, 1.0)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", mse_value, mse_grad, unwise_with=_SATURATING),
        Loss("mae", mae_value, mae_grad, unwise_with=_SATURATING),
        Loss("huber", huber_value, huber_grad, unwise_with=_SATURATING),
        Loss(
            "binary_cross_entropy",
            binary_cross_entropy_value,
            binary_cross_entropy_grad,
            output_activations=("sigmoid",),
            fused_with="sigmoid",
            logit_value=binary_cross_entropy_from_logits,
        ),
        Loss(
            "categorical_cross_entropy",
            categorical_cross_entropy_value,
            categorical_cross_entropy_grad,
            output_activations=("softmax",),
            fused_with="softmax",
            logit_value=categorical_cross_entropy_from_logits,
        ),
    )
}
assert set(LOSSES) == set(get_args(LossName))


def get_loss(name: str) -> Loss:
    return LOSSES[name]
