"""Finite-difference check of backprop: an independent reference for every ∂C/∂θ."""

import numpy as np

from app.engine.losses import Loss
from app.engine.network import Network, parameter_shapes

Array = np.ndarray
# Below this size a difference between two gradients is the round-off of the finite differences
# (C is summed in float64 and divided by 2ε), not a mistake in backprop.
FLOOR = 1e-7


def numerical_gradient(
    network: Network, x: Array, y: Array, loss: Loss, eps: float = 1e-5
) -> Array:
    """Central differences (C(θ + ε) − C(θ − ε)) / 2ε, one parameter at a time; error O(ε²)."""
    params = network.params
    grad = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        c_plus = network.cost(x, y, loss)
        params[i] = saved - eps
        c_minus = network.cost(x, y, loss)
        params[i] = saved
        grad[i] = (c_plus - c_minus) / (2 * eps)
    return grad


def relative_error(a: Array, b: Array) -> Array:
    """|a − b| / max(|a| + |b|, FLOOR): scale-free for gradients of any visible size."""
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), FLOOR)


def gradient_check(network: Network, x: Array, y: Array, loss: Loss) -> list[float]:
    """Largest relative error between backprop and central differences, per layer 1..L."""
    error = relative_error(network.gradient(x, y, loss), numerical_gradient(network, x, y, loss))
    sizes = [w[0] * w[1] + b[0] for w, b in parameter_shapes(network.sizes)]
    bounds = np.cumsum([0, *sizes])
    return [float(error[lo:hi].max()) for lo, hi in zip(bounds[:-1], bounds[1:])]
