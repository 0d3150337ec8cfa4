"""Update rules that turn ∂C/∂θ into a step on the parameters."""

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass
class GradientDescent:
    """θ ← θ − η ∂C/∂θ; with the batch size chosen by the trainer this is full-batch, mini-batch
    or stochastic gradient descent."""

    learning_rate: float

    def step(self, params: Array, grad: Array) -> None:
        params -= self.learning_rate * grad

    def preview(self, params: Array, grad: Array) -> Array:
        """The parameters ``step`` would produce, leaving ``params`` as they are."""
        return params - self.learning_rate * grad
