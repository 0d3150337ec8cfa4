"""Weight penalties λ·R(W) added to the cost: C = C_data + λ Σ_l R(W^l).

Only weights are penalised, never biases: a bias shifts a neuron's threshold without making the
function any steeper, so shrinking it fights the fit without fighting overfitting. The penalty
is kept apart from the data loss so that the two can be shown side by side.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

import numpy as np

Array = np.ndarray
RegularizationName = Literal["none", "l1", "l2"]


def l1_penalty(W: Array) -> float:
    """Σ|w|: its constant pull λ·sign(w) drives small weights to exactly zero."""
    return float(np.sum(np.abs(W)))


def l2_penalty(W: Array) -> float:
    """½ Σw²: its pull λ·w shrinks every weight in proportion (weight decay)."""
    return 0.5 * float(np.sum(W * W))


def identity(W: Array) -> Array:
    return W


class Penalty(NamedTuple):
    value: Callable[[Array], float]  # R(W)
    gradient: Callable[[Array], Array]  # ∂R/∂W


PENALTIES: dict[str, Penalty] = {
    # At w = 0 L1 takes the subgradient 0, as np.sign gives.
    "l1": Penalty(l1_penalty, np.sign),
    "l2": Penalty(l2_penalty, identity),
}


@dataclass(frozen=True)
class Regularizer:
    """Frozen so that one shared instance can be the default: to change λ, swap the object."""

    name: RegularizationName = "none"
    rate: float = 0.0  # λ

    def __post_init__(self) -> None:
        if self.name not in get_args(RegularizationName):
            raise ValueError(f"unknown regularization {self.name!r}")

    @property
    def active(self) -> bool:
        return self.name != "none" and self.rate != 0.0

    def penalty(self, weights: Iterable[Array]) -> float:
        """λ Σ_l R(W^l)."""
        if not self.active:
            return 0.0
        value = PENALTIES[self.name].value
        return self.rate * float(sum(value(W) for W in weights))

    def add_gradient(self, W: Array, dW: Array) -> None:
        """dW += λ ∂R/∂W, in place, so that an inactive penalty costs nothing in the step."""
        if self.active:
            dW += self.rate * PENALTIES[self.name].gradient(W)


NO_REGULARIZATION = Regularizer()
