"""Starting weights W^l, drawn from the generator the caller passes; biases always start at 0.

Where training starts decides whether it starts at all: equal weights keep the neurons of a
layer identical forever (nothing breaks the symmetry between them), tiny weights make every
layer nearly linear so the signal fades with depth, and weights too large saturate tanh and
sigmoid so σ' and with it every δ vanish. Xavier and He pick the variance that keeps the
signal's size roughly constant from layer to layer.
"""

from collections.abc import Callable
from typing import Literal, get_args

import numpy as np

Array = np.ndarray
InitializerName = Literal["zeros", "uniform", "xavier", "he"]
# (shape [n_out, n_in], generator) -> W
Initializer = Callable[[tuple[int, int], np.random.Generator], Array]
UNIFORM_LIMIT = 0.05


def zeros(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """All weights 0: every neuron of a layer computes the same thing and gets the same δ, so
    they stay copies of one another however long training runs (the symmetry problem)."""
    return np.zeros(shape)


def uniform(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """U(−0.05, 0.05) whatever the width: breaks symmetry, but starts so small that deep nets
    barely pass a signal on."""
    return rng.uniform(-UNIFORM_LIMIT, UNIFORM_LIMIT, shape)


def xavier(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """Glorot: U(±√(6 / (n_in + n_out))), variance 2 / (n_in + n_out), the compromise that keeps
    both the forward signal and the backward δ of a tanh layer at the same scale."""
    n_out, n_in = shape
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, shape)


def he(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """N(0, 2 / n_in): twice Xavier's forward variance, because ReLU zeroes half of its inputs."""
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), shape)


INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "uniform": uniform,
    "xavier": xavier,
    "he": he,
}
assert set(INITIALIZERS) == set(get_args(InitializerName))
