"""Finite-difference check of backprop: an independent reference for every ∂C/∂θ."""

import numpy as np

from app.engine.losses import Loss
from app.engine.network import Network, parameter_shapes
from app.engine.regularization import NO_REGULARIZATION, Regularizer

Array = np.ndarray
# Central differences are off by up to about 1e-10 whatever the size of the gradient entry:
# round-off u·|C|/ε (u ≈ 2.2e-16, ε = 1e-5, C of order one) plus truncation ε²·|C'''|/6. Dividing
# by at least FLOOR keeps that noise on an entry smaller than FLOOR at about 1e-7 instead of
# showing it as a large relative error, while a real mistake above 1e-9 still shows above 1e-6.
FLOOR = 1e-3


def numerical_gradient(
    network: Network,
    x: Array,
    y: Array,
    loss: Loss,
    regularizer: Regularizer = NO_REGULARIZATION,
    eps: float = 1e-5,
) -> Array:
    """Central differences (C(θ + ε) − C(θ − ε)) / 2ε, one parameter at a time; error O(ε²)
    wherever C is smooth within ε of θ."""
    params = network.params
    grad = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        c_plus = network.cost(x, y, loss, regularizer)
        params[i] = saved - eps
        c_minus = network.cost(x, y, loss, regularizer)
        params[i] = saved
        grad[i] = (c_plus - c_minus) / (2 * eps)
    return grad


def relative_error(a: Array, b: Array) -> Array:
    """|a − b| / max(|a| + |b|, FLOOR): scale-free for gradients of any visible size."""
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), FLOOR)


def gradient_check(
    network: Network,
    x: Array,
    y: Array,
    loss: Loss,
    regularizer: Regularizer = NO_REGULARIZATION,
) -> list[float]:
    """Largest relative error between backprop and central differences, per layer 1..L."""
    error = relative_error(
        network.gradient(x, y, loss, regularizer),
        numerical_gradient(network, x, y, loss, regularizer),
    )
    sizes = [w[0] * w[1] + b[0] for w, b in parameter_shapes(network.sizes)]
    bounds = np.cumsum([0, *sizes])
    return [float(error[lo:hi].max()) for lo, hi in zip(bounds[:-1], bounds[1:])]
