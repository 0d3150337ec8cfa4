"""Activation functions σ with their derivatives σ', the pair every layer needs for BP2.

σ' is written as a function of z (not of a) so that every activation has the same signature and
the derivative can be shown next to z in the inspector. Softmax is the one activation whose a_j
depends on the whole column z, not on z_j alone: its Jacobian is not diagonal, so it has no σ'
that BP2 could multiply by, and it may only sit on the output layer, where BP1 takes the full
vector–Jacobian product through ``Activation.backprop``.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

Array = np.ndarray
ActivationName = Literal[
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear", "softmax"
]
HiddenActivationName = Literal["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear"]
DEFAULT_LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    name: ActivationName
    f: Callable[[Array], Array]
    # σ'(z) elementwise; for softmax only the diagonal of its Jacobian, shown but never used by BP2.
    df: Callable[[Array], Array]
    # (a, ∂C/∂a) -> ∂C/∂z, set only where a_j depends on every z_i of its column.
    coupled_backprop: Callable[[Array, Array], Array] | None = None

    @property
    def elementwise(self) -> bool:
        """Whether a_j depends on z_j alone, so that BP2's ⊙ σ'(z) is the whole chain rule."""
        return self.coupled_backprop is None

    def backprop(self, z: Array, a: Array, grad_a: Array) -> Array:
        """∂C/∂z from ∂C/∂a: the vector–Jacobian product, which is grad_a ⊙ σ'(z) only when the
        Jacobian is diagonal."""
        if self.coupled_backprop is None:
            return grad_a * self.df(z)
        return self.coupled_backprop(a, grad_a)


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^−z), written with e = e^−|z| ≤ 1 so that nothing overflows and both tails keep
    their relative precision: σ(−40) ≈ 4.2e-18 exactly, where ½(1 + tanh(z/2)) gives 0."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(z: Array) -> Array:
    """σ(z)(1 − σ(z)) = e / (1 + e)² with e = e^−|z|: accurate where σ rounds to 1."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def tanh_prime(z: Array) -> Array:
    return 1.0 - np.tanh(z) ** 2


def relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def relu_prime(z: Array) -> Array:
    # At z = 0 we take the derivative from the left, 0, as the common frameworks do.
    return (z > 0.0).astype(z.dtype)


def elu(z: Array) -> Array:
    # expm1 only sees z ≤ 0: the branch np.where throws away must not overflow either.
    return np.where(z > 0.0, z, np.expm1(np.minimum(z, 0.0)))


def elu_prime(z: Array) -> Array:
    return np.where(z > 0.0, 1.0, np.exp(np.minimum(z, 0.0)))


def softplus(z: Array) -> Array:
    """ln(1 + e^z) without overflow for large z."""
    return np.logaddexp(0.0, z)


def identity(z: Array) -> Array:
    return z


def ones_like(z: Array) -> Array:
    return np.ones_like(z)


def softmax(z: Array) -> Array:
    """e^z_j / Σ_i e^z_i per column; subtracting the column's largest z first changes nothing
    mathematically and keeps every e^z ≤ 1, so nothing overflows."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_diagonal(z: Array) -> Array:
    a = softmax(z)
    return a * (1.0 - a)


def softmax_backprop(a: Array, grad_a: Array) -> Array:
    """∂a_j/∂z_k = a_j (1[j = k] − a_k), so ∂C/∂z = a ⊙ (g − Σ_i a_i g_i) per column."""
    return a * (grad_a - np.sum(a * grad_a, axis=0, keepdims=True))


@functools.cache
def leaky_relu(slope: float) -> Activation:
    """Leaky ReLU with its slope for z < 0; cached so that equal slopes give the same object."""

    def f(z: Array) -> Array:
        return np.where(z > 0.0, z, slope * z)

    def df(z: Array) -> Array:
        # At z = 0 the derivative from the left, as for ReLU.
        return np.where(z > 0.0, 1.0, slope).astype(z.dtype, copy=False)

    return Activation("leaky_relu", f, df)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_prime),
        Activation("tanh", np.tanh, tanh_prime),
        Activation("relu", relu, relu_prime),
        leaky_relu(DEFAULT_LEAKY_SLOPE),
        Activation("elu", elu, elu_prime),
        Activation("softplus", softplus, sigmoid),
        Activation("linear", identity, ones_like),
        Activation("softmax", softmax, softmax_diagonal, coupled_backprop=softmax_backprop),
    )
}
assert set(ACTIVATIONS) == set(get_args(ActivationName))
assert {n for n, a in ACTIVATIONS.items() if a.elementwise} == set(get_args(HiddenActivationName))


def get_activation(name: str, leaky_slope: float = DEFAULT_LEAKY_SLOPE) -> Activation:
    """The named activation; ``leaky_slope`` only matters for leaky ReLU."""
    if name == "leaky_relu":
        return leaky_relu(float(leaky_slope))
    return ACTIVATIONS[name]
