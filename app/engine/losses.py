"""Cost functions C and the output error δ^L they start backprop with (BP1).

C is the mean of the per-example cost C_x over the batch, so the learning rate means the same
thing at every batch size; grad_a is ∇_a C_x for one example (columns are examples).
"""

from dataclasses import dataclass
from typing import Callable, Literal, get_args

import numpy as np

from app.engine.activations import Activation

Array = np.ndarray
LossName = Literal["mse", "cross_entropy"]

# Keeps log() finite when a sigmoid output saturates to exactly 0 or 1 in float64.
_EPS = 1e-15


@dataclass(frozen=True)
class Loss:
    name: LossName
    value: Callable[[Array, Array], float]
    grad_a: Callable[[Array, Array], Array]
    # Output activations this loss accepts; None means any.
    output_activations: tuple[str, ...] | None = None
    # With this output activation σ'(z) cancels against ∇_a C and δ^L = a - y exactly.
    fused_with: str | None = None

    def output_delta(self, z: Array, a: Array, y: Array, activation: Activation) -> Array:
        """BP1: δ^L = ∇_a C ⊙ σ'(z^L), or the fused a − y where the factors cancel.

        The fused form is not just shorter: it stays accurate when σ'(z) underflows.
        """
        if activation.name == self.fused_with:
            return a - y
        return self.grad_a(a, y) * activation.df(z)


def mse_value(a: Array, y: Array) -> float:
    """C = mean over x of ½‖a − y‖²."""
    return float(0.5 * np.sum((a - y) ** 2) / y.shape[1])


def mse_grad(a: Array, y: Array) -> Array:
    return a - y


def cross_entropy_value(a: Array, y: Array) -> float:
    """C = −mean over x of Σ [y ln a + (1 − y) ln(1 − a)]."""
    a = np.clip(a, _EPS, 1.0 - _EPS)
    return float(-np.sum(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)) / y.shape[1])


def cross_entropy_grad(a: Array, y: Array) -> Array:
    a = np.clip(a, _EPS, 1.0 - _EPS)
    return (a - y) / (a * (1.0 - a))


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", mse_value, mse_grad),
        Loss(
            "cross_entropy",
            cross_entropy_value,
            cross_entropy_grad,
            output_activations=("sigmoid",),
            fused_with="sigmoid",
        ),
    )
}
assert set(LOSSES) == set(get_args(LossName))


def get_loss(name: str) -> Loss:
    return LOSSES[name]
