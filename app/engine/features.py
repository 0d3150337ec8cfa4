"""What the network sees of a 2-D point: chosen features of it, then scaled.

Features are TensorFlow Playground's: with x1² + x2² on offer a circle is a straight cut, with
x1·x2 so is xor, and the lesson is how much a hidden layer has to build by itself without them.
Scaling comes after the features, so that each feature arrives at a similar size: the inputs span
[−6, 6] and x1² up to 36, which would otherwise saturate tanh from the first step. A scaler is
fitted on the training set only and then applied unchanged to the test set and to any other
points (the boundary grid), since the test set stands for data not seen while learning.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

Array = np.ndarray
FeatureName = Literal["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
ScalingName = Literal["none", "minmax", "standardize"]

FEATURES: dict[str, Callable[[Array, Array], Array]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1_squared": lambda x1, x2: x1**2,
    "x2_squared": lambda x1, x2: x2**2,
    "x1_x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}
assert set(FEATURES) == set(get_args(FeatureName))


def feature_matrix(points: Array, names: Sequence[str]) -> Array:
    """Raw points [2, m] -> the chosen features [k, m], one row per name, in the given order."""
    if not names:
        raise ValueError("choose at least one feature")
    x1, x2 = points
    return np.stack([FEATURES[name](x1, x2) for name in names])


@dataclass(frozen=True)
class Scaler:
    """x ↦ (x − shift) / scale, row by row."""

    shift: Array  # [k, 1]
    scale: Array  # [k, 1], never 0

    def __call__(self, x: Array) -> Array:
        """In x's precision, so that the float32 boundary grid stays fast."""
        return (x - self.shift.astype(x.dtype)) / self.scale.astype(x.dtype)


def fit_scaler(name: ScalingName, x_train: Array) -> Scaler:
    """"minmax" maps each training row onto [−1, 1], "standardize" to mean 0 and variance 1.
    A constant row is only centred: it carries nothing to stretch, and its spread, exactly 0 or
    a rounding error away from it, must not be divided by."""
    rows = x_train.shape[0]
    if name == "minmax":
        low, high = x_train.min(axis=1, keepdims=True), x_train.max(axis=1, keepdims=True)
        shift, scale = (high + low) / 2, (high - low) / 2
    elif name == "standardize":
        shift, scale = x_train.mean(axis=1, keepdims=True), x_train.std(axis=1, keepdims=True)
    elif name == "none":
        shift, scale = np.zeros((rows, 1)), np.ones((rows, 1))
    else:
        raise ValueError(f"unknown scaling {name!r}")
    constant = np.ptp(x_train, axis=1, keepdims=True) == 0
    return Scaler(shift, np.where(constant, 1.0, scale))


@dataclass(frozen=True)
class Inputs:
    """Raw examples to network inputs: the chosen features (points of the plane only), then the
    scaler. The same object turns the training set, the test set and the drawing grid into
    inputs, which is what keeps them consistent."""

    features: tuple[str, ...] | None  # None: the raw inputs are the inputs
    scaler: Scaler

    def __call__(self, raw: Array) -> Array:
        x = raw if self.features is None else feature_matrix(raw, self.features)
        return self.scaler(x)


def fit_inputs(raw_train: Array, features: Sequence[str] | None, scaling: ScalingName) -> Inputs:
    """The scaler is fitted on the features of the training set."""
    chosen = None if features is None else tuple(features)
    x = raw_train if chosen is None else feature_matrix(raw_train, chosen)
    return Inputs(chosen, fit_scaler(scaling, x))
