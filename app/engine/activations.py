"""Activation functions σ with their derivatives σ', the pair every layer needs for BP2.

σ' is written as a function of z (not of a) so that every activation has the same signature and
the derivative can be shown next to z in the inspector.
"""

from dataclasses import dataclass
from typing import Callable, Literal, get_args

import numpy as np

Array = np.ndarray
ActivationName = Literal["sigmoid", "tanh", "relu", "linear"]


@dataclass(frozen=True)
class Activation:
    name: ActivationName
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]


def sigmoid(z: Array) -> Array:
    # The tanh form never overflows, unlike 1 / (1 + exp(-z)) for large negative z.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_prime(z: Array) -> Array:
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_prime(z: Array) -> Array:
    return 1.0 - np.tanh(z) ** 2


def relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def relu_prime(z: Array) -> Array:
    # At z = 0 we take the derivative from the left, 0, as the common frameworks do.
    return (z > 0.0).astype(z.dtype)


def identity(z: Array) -> Array:
    return z


def ones_like(z: Array) -> Array:
    return np.ones_like(z)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_prime),
        Activation("tanh", np.tanh, tanh_prime),
        Activation("relu", relu, relu_prime),
        Activation("linear", identity, ones_like),
    )
}
assert set(ACTIVATIONS) == set(get_args(ActivationName))


def get_activation(name: str) -> Activation:
    return ACTIVATIONS[name]
