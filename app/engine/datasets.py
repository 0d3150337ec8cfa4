"""Seeded 2-D toy problems, one pure generator each, split into training and test sets.

Points lie in the square [-EXTENT, EXTENT]² (the same coordinates as TensorFlow Playground, so
lessons written for it carry over); labels are 0 or 1. Arrays hold one example per column.
"""

from dataclasses import dataclass
from typing import Callable, Literal, get_args

import numpy as np

Array = np.ndarray
DatasetName = Literal["circle", "xor", "gaussians", "spiral"]
Task = Literal["binary", "multiclass", "regression"]
EXTENT = 6.0

Generator = Callable[[int, float, np.random.Generator], tuple[Array, Array]]


@dataclass(frozen=True)
class Dataset:
    x_train: Array  # [2, m_train]
    y_train: Array  # [1, m_train]
    x_test: Array
    y_test: Array
    task: Task = "binary"


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 inside a disc, class 0 in a ring around it."""
    inner = n // 2
    radius = np.concatenate(
        [rng.uniform(0.0, 0.5 * 5.0, inner), rng.uniform(0.7 * 5.0, 5.0, n - inner)]
    )
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)])
    y = (np.arange(n) < inner).astype(float)
    return _jitter(x, noise, rng), y[None, :]


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 where x1 and x2 share a sign; points keep a margin from the axes."""
    x = rng.uniform(-5.0, 5.0, (2, n))
    x += np.where(x > 0, 0.3, -0.3)
    y = (x[0] * x[1] > 0).astype(float)
    return _jitter(x, noise, rng), y[None, :]


def gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two round clouds whose overlap grows with the noise."""
    y = (np.arange(n) < n // 2).astype(float)
    centre = np.where(y == 1, 2.0, -2.0)
    x = centre + rng.normal(0.0, 0.5 + 3.0 * noise, (2, n))
    return x, y[None, :]


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two interleaved arms, one and three quarter turns each."""
    y = (np.arange(n) < n // 2).astype(float)
    t = rng.uniform(0.0, 1.0, n)
    radius = 5.0 * t
    angle = 1.75 * 2 * np.pi * t + np.pi * y
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)])
    return _jitter(x, noise, rng), y[None, :]


def _jitter(x: Array, noise: float, rng: np.random.Generator) -> Array:
    return x + rng.normal(0.0, noise * 5.0, x.shape) if noise > 0 else x


GENERATORS: dict[str, Generator] = {
    "circle": circle,
    "xor": xor,
    "gaussians": gaussians,
    "spiral": spiral,
}
assert set(GENERATORS) == set(get_args(DatasetName))


def make_dataset(
    name: str, n_samples: int, noise: float, test_ratio: float, rng: np.random.Generator
) -> Dataset:
    x, y = GENERATORS[name](n_samples, noise, rng)
    order = rng.permutation(n_samples)
    n_test = test_count(n_samples, test_ratio)
    test, train = order[:n_test], order[n_test:]
    return Dataset(x[:, train], y[:, train], x[:, test], y[:, test])


def test_count(n_samples: int, test_ratio: float) -> int:
    """Held-out examples; both sides keep at least one so that every loss is defined."""
    return min(max(round(n_samples * test_ratio), 1), n_samples - 1)


def grid(size: int) -> Array:
    """The input plane sampled at size × size cell centres, row by row from the top (x2 = +EXTENT)
    so that the result reshapes straight into an image."""
    step = 2 * EXTENT / size
    centres = -EXTENT + step * (np.arange(size) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()])
