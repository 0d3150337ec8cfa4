"""Seeded toy problems and a real one, one pure generator each, split into training and test sets.

Three tasks: binary classification (labels 0 or 1, y is [1, m]), multiclass classification
(one-hot y, [k, m], for a softmax output) and regression (y is [1, m], of order one). Points of
2-D problems lie in the square [-EXTENT, EXTENT]² (the same coordinates as TensorFlow Playground,
so lessons written for it carry over); 1-D problems put x on [-EXTENT, EXTENT]. Arrays hold one
example per column. Noise is a share of each problem's radius: how far its points or targets
spread from their centre.
"""

import functools
import gzip
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Literal, get_args

import numpy as np

Array = np.ndarray
DatasetName = Literal[
    "circle", "xor", "gaussians", "spiral", "moons", "blobs", "multi_spiral",
    "sin", "abs", "step", "rent", "plane_2d", "saddle", "digits",
]
Task = Literal["binary", "multiclass", "regression"]
InputKind = Literal["plane", "line", "image", "table"]  # how the page draws the inputs
EXTENT = 6.0
DEFAULT_GENERATED_CLASSES, MIN_GENERATED_CLASSES, MAX_GENERATED_CLASSES = 3, 3, 5
DIGITS_FILE = "data/digits.csv.gz"

Generator = Callable[[int, float, np.random.Generator], tuple[Array, Array]]


@dataclass(frozen=True)
class Dataset:
    x_train: Array  # [n_inputs, m_train]
    y_train: Array  # [n_outputs, m_train]
    x_test: Array
    y_test: Array
    task: Task = "binary"
    input_kind: InputKind = "plane"
    feature_names: tuple[str, ...] = ("x1", "x2")  # one per input row
    target_name: str = "y"
    class_names: tuple[str, ...] = ("0", "1")  # what each class stands for; empty for regression
    # (offset, scale): the network learns (y − offset) / scale; its answers times scale plus
    # offset are in the target's own units.
    target_unit: tuple[float, float] = (0.0, 1.0)

    def in_units(self, values: Array) -> Array:
        offset, scale = self.target_unit
        return values * scale + offset


@dataclass(frozen=True)
class DatasetInfo:
    """What the page can know before any data is made: which losses and output activations fit,
    how to draw the inputs, and whether the class-count control applies."""

    task: Task
    input_kind: InputKind
    feature_names: tuple[str, ...] = ("x1", "x2")
    target_name: str = "y"
    takes_classes: bool = False  # make_dataset passes `classes` on
    max_samples: int | None = None  # a fixed collection: larger n_samples give this many


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


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two half circles of radius 3, each reaching into the other's opening, so that no straight
    line parts them but one gentle bend does."""
    y = (np.arange(n) < n // 2).astype(float)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25])
    lower = np.stack([0.5 - np.cos(t), 0.25 - np.sin(t)])
    x = 3.0 * np.where(y == 1, upper, lower)
    return _jitter(x, noise, rng), y[None, :]


def blobs(n: int, noise: float, rng: np.random.Generator, classes: int = DEFAULT_GENERATED_CLASSES
          ) -> tuple[Array, Array]:
    """Round clouds evenly spaced on a ring, the first at the top; like gaussians, the noise
    widens them until neighbours overlap."""
    label = _balanced_labels(n, classes)
    angle = np.pi / 2 + 2 * np.pi * label / classes
    centre = 3.5 * np.stack([np.cos(angle), np.sin(angle)])
    x = centre + rng.normal(0.0, 0.5 + 3.0 * noise, (2, n))
    return x, _one_hot(label, classes)


def multi_spiral(n: int, noise: float, rng: np.random.Generator, classes: int = DEFAULT_GENERATED_CLASSES
                 ) -> tuple[Array, Array]:
    """One arm per class, a turn and a quarter each; fewer turns than the two-arm spiral keep
    the gap between neighbouring arms near a unit even with five of them."""
    label = _balanced_labels(n, classes)
    t = rng.uniform(0.0, 1.0, n)
    angle = 1.25 * 2 * np.pi * t + 2 * np.pi * label / classes
    x = 5.0 * t * np.stack([np.sin(angle), np.cos(angle)])
    return _jitter(x, noise, rng), _one_hot(label, classes)


def sine(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """sin x over nearly two periods: smooth, but it takes several bends to follow."""
    x = _line(n, rng)
    return x, _jitter(np.sin(x), noise, rng, radius=1.0)


def absolute(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """|x|: a single kink, which two ReLU units make exactly, |x| = relu(x) + relu(−x)."""
    x = _line(n, rng)
    return x, _jitter(np.abs(x), noise, rng, radius=EXTENT / 2)


def heaviside(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """0 left of the origin, 1 right of it: a jump no smooth unit makes exactly, so the weights
    that approximate it keep growing steeper."""
    x = _line(n, rng)
    return x, _jitter((x > 0).astype(float), noise, rng, radius=0.5)


def rent(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Made-up monthly rents against floor area: a straight trend with a scatter no model can
    explain, so the test loss levels off above zero.

    Units: x is the floor area rescaled onto the line, area = 80 m² + 10 m² · x (20 to 140 m²);
    y is the rent in thousands of euros per month, 0.2 + 0.012 · area (0.44 to 1.88) plus
    50 € of scatter even without noise. Both stay of order one, so no scaler is needed.
    """
    x = _line(n, rng)
    y = 0.2 + 0.012 * (80.0 + 10.0 * x) + rng.normal(0.0, 0.05, x.shape)
    return x, _jitter(y, noise, rng, radius=0.012 * 10.0 * EXTENT)


def plane_2d(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """The tilted plane y = 0.5 + 0.2 x1 − 0.1 x2, which a network without hidden layers and
    with a linear output fits exactly: linear regression."""
    x = rng.uniform(-EXTENT, EXTENT, (2, n))
    y = 0.5 + 0.2 * x[0] - 0.1 * x[1]
    return x, _jitter(y[None, :], noise, rng, radius=0.3 * EXTENT)


def saddle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """y = x1 x2 / 12, from −3 to 3: xor as a regression (positive where the signs agree), so it
    needs a hidden layer."""
    x = rng.uniform(-EXTENT, EXTENT, (2, n))
    y = x[0] * x[1] / 12.0
    return x, _jitter(y[None, :], noise, rng, radius=EXTENT**2 / 12.0)


def digits(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """A seeded sample of min(n, 1,797) handwritten digits, pixels scaled to [0, 1].

    Scaled here rather than left to the app's scaler because raw counts up to 16 on 64 inputs
    would saturate tanh and sigmoid units from the first step, while [0, 1] trains well as it
    is. Noise adds pixel noise (a share of half the pixel range), clipped back into [0, 1].
    """
    pixels, labels = load_digits()
    pick = rng.permutation(labels.size)[:n]
    x = _jitter(pixels[:, pick] / 16.0, noise, rng, radius=0.5)
    return np.clip(x, 0.0, 1.0), _one_hot(labels[pick], 10)


@functools.cache
def load_digits() -> tuple[Array, Array]:
    """The 1,797 images of data/digits.csv.gz as pixels [64, 1797] (0..16, each column an 8×8
    image row by row from the top left) and digits [1797], both uint8.

    Read once per process because sessions are built often; read-only because every caller
    shares the cached arrays.
    """
    source = resources.files(__package__).joinpath(DIGITS_FILE)
    with source.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.uint8)
    pixels, labels = np.ascontiguousarray(table[:, :64].T), table[:, 64].copy()
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def _jitter(x: Array, noise: float, rng: np.random.Generator, radius: float = 5.0) -> Array:
    return x + rng.normal(0.0, noise * radius, x.shape) if noise > 0 else x


def _line(n: int, rng: np.random.Generator) -> Array:
    return rng.uniform(-EXTENT, EXTENT, (1, n))


def _balanced_labels(n: int, classes: int) -> Array:
    """0 … classes − 1 in blocks whose sizes differ by at most one."""
    if not MIN_GENERATED_CLASSES <= classes <= MAX_GENERATED_CLASSES:
        raise ValueError(f"classes must be {MIN_GENERATED_CLASSES} to {MAX_GENERATED_CLASSES}, not {classes}")
    return np.arange(n) * classes // n


def _one_hot(label: Array, classes: int) -> Array:
    return np.eye(classes)[:, label]


GENERATORS: dict[str, Generator] = {
    "circle": circle,
    "xor": xor,
    "gaussians": gaussians,
    "spiral": spiral,
    "moons": moons,
    "blobs": blobs,
    "multi_spiral": multi_spiral,
    "sin": sine,
    "abs": absolute,
    "step": heaviside,
    "rent": rent,
    "plane_2d": plane_2d,
    "saddle": saddle,
    "digits": digits,
}
DATASET_INFO: dict[str, DatasetInfo] = {
    "circle": DatasetInfo("binary", "plane"),
    "xor": DatasetInfo("binary", "plane"),
    "gaussians": DatasetInfo("binary", "plane"),
    "spiral": DatasetInfo("binary", "plane"),
    "moons": DatasetInfo("binary", "plane"),
    "blobs": DatasetInfo("multiclass", "plane", takes_classes=True),
    "multi_spiral": DatasetInfo("multiclass", "plane", takes_classes=True),
    "sin": DatasetInfo("regression", "line", ("x",)),
    "abs": DatasetInfo("regression", "line", ("x",)),
    "step": DatasetInfo("regression", "line", ("x",)),
    "rent": DatasetInfo("regression", "line", ("floor area",), "rent"),
    "plane_2d": DatasetInfo("regression", "plane"),
    "saddle": DatasetInfo("regression", "plane"),
    "digits": DatasetInfo("multiclass", "image",
                          tuple(f"r{r}c{c}" for r in range(1, 9) for c in range(1, 9)), "digit",
                          max_samples=1797),
}
# Same order everywhere: the page lists the datasets in this order.
assert list(GENERATORS) == list(DATASET_INFO) == list(get_args(DatasetName))


def make_dataset(
    name: str, n_samples: int, noise: float, test_ratio: float, rng: np.random.Generator,
    *, classes: int = DEFAULT_GENERATED_CLASSES,
) -> Dataset:
    """``classes`` reaches only the datasets whose info says it takes it."""
    info = DATASET_INFO[name]
    if info.takes_classes:
        x, y = GENERATORS[name](n_samples, noise, rng, classes=classes)  # type: ignore[call-arg]
    else:
        x, y = GENERATORS[name](n_samples, noise, rng)
    return Dataset(*split(x, y, test_ratio, rng), task=info.task, input_kind=info.input_kind,
                   feature_names=info.feature_names, target_name=info.target_name,
                   class_names=class_names(info.task, y.shape[0], info.input_kind))


def split(x: Array, y: Array, test_ratio: float, rng: np.random.Generator
          ) -> tuple[Array, Array, Array, Array]:
    """x_train, y_train, x_test, y_test: one shuffle, the first test_count examples held out."""
    m = x.shape[1]
    order = rng.permutation(m)
    n_test = test_count(m, test_ratio)
    test, train = order[:n_test], order[n_test:]
    return x[:, train], y[:, train], x[:, test], y[:, test]


def class_names(task: Task, n_outputs: int, input_kind: InputKind = "plane") -> tuple[str, ...]:
    """Binary classes by their target value y (0 or 1); several classes numbered from 1 like
    the output neurons that stand for them (class k is output neuron k), except images of
    digits, which are known by their digit."""
    if task == "regression":
        return ()
    if task == "binary":
        return ("0", "1")
    first = 0 if input_kind == "image" else 1
    return tuple(str(first + k) for k in range(n_outputs))


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
