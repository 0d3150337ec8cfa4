"""The compiled kernel against the readable engine it reimplements: after thousands of steps of
every activation, loss/output pair, optimizer, penalty and schedule, the same parameters (to
1e-12), the same optimizer state, batch order and counts, and divergence at the same step."""

import numpy as np
import pytest

from app.engine import fast
from app.engine.activations import get_activation
from app.engine.datasets import Dataset, Task
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import make_optimizer
from app.engine.regularization import Regularizer
from app.engine.schedules import Schedule
from app.engine.trainer import Trainer

pytest.importorskip("numba", reason="the kernel needs numba; without it the NumPy engine trains")

STEPS = 2000
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear"]
# (output activation, loss): every pairing the app offers a task, and softmax under MSE, whose
# BP1 takes the full Jacobian product.
PAIRS = [("sigmoid", "binary_cross_entropy"), ("softmax", "categorical_cross_entropy"),
         ("linear", "mse"), ("sigmoid", "mse"), ("softmax", "mse"), ("tanh", "mae"),
         ("linear", "huber"), ("relu", "mse")]
OPTIMIZERS = {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.003, "adam": 0.003}


def dataset(task: Task, outputs: int) -> Dataset:
    """60 training points on the playground's square; classes split by a curve, or a sine."""
    x = np.random.default_rng(7).uniform(-6.0, 6.0, (2, 100))
    if task == "regression":
        y = (np.sin(x[0]) + x[1] / 6.0)[None, :]
    else:
        label = ((x[1] > 3.0 * np.sin(x[0])).astype(int) + (x[0] > 2.0)) % outputs
        y = np.eye(outputs)[label].T if outputs > 1 else label[None, :].astype(float)
    return Dataset(x[:, :60] / 6.0, y[:, :60], x[:, 60:] / 6.0, y[:, 60:], task=task)


def trainer(hidden: str, output: str, loss: str, optimizer: str, *, kernel: bool,
            lr: float | None = None, batch: int = 7, **options: object) -> Trainer:
    outputs = 3 if output == "softmax" else 1
    task: Task = "multiclass" if outputs > 1 else "binary" if loss.endswith("entropy") else "regression"
    if loss == "mse" and output in ("sigmoid", "relu"):
        task = "binary"
    activations = [get_activation(hidden, 0.1), get_activation(hidden, 0.1), get_activation(output)]
    net = Network([2, 5, 4, outputs], activations, np.random.default_rng(1))
    opt = make_optimizer(optimizer, learning_rate=OPTIMIZERS[optimizer] if lr is None else lr,
                         schedule=options.pop("schedule", Schedule()))
    t = Trainer(net, get_loss(loss), opt, dataset(task, outputs), batch, np.random.default_rng(2),
                **options)  # type: ignore[arg-type]
    t.kernel = kernel
    return t


def tolerance(readable: Trainer) -> float:
    """1e-12 of the largest parameter; 1e-10 with tanh, the one function NumPy computes with its
    own SIMD polynomial where the kernel has the C library's: they differ in the last bit of
    some values, which thousands of steps carry up to about 1e-12 (every other function and
    product the kernel rounds exactly as NumPy and OpenBLAS do)."""
    scale = max(1.0, float(np.abs(readable.network.params).max()))
    tanh = any(layer.activation.name == "tanh" for layer in readable.network.layers)
    return (1e-10 if tanh else 1e-12) * scale


def assert_same_run(readable: Trainer, compiled: Trainer) -> None:
    np.testing.assert_allclose(compiled.network.params, readable.network.params, rtol=0,
                               atol=tolerance(readable))
    assert (compiled.step_count, compiled.examples_seen, compiled.optimizer.steps_taken) == (
        readable.step_count, readable.examples_seen, readable.optimizer.steps_taken)
    assert compiled.loss_diverged == readable.loss_diverged
    np.testing.assert_array_equal(compiled.upcoming_indices(), readable.upcoming_indices())
    assert compiled.rng.random() == readable.rng.random()
    np.testing.assert_allclose(np.ravel(compiled.optimizer.state), np.ravel(readable.optimizer.state),
                               rtol=1e-9, atol=1e-13)


def run_both(*args: str, steps: int = STEPS, **options: object) -> tuple[Trainer, Trainer, int, int]:
    readable = trainer(*args, kernel=False, **dict(options))
    compiled = trainer(*args, kernel=True, **dict(options))
    done_r, done_c = readable.train(steps), compiled.train(steps)
    assert fast.plan(compiled) is not None
    return readable, compiled, done_r, done_c


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_hidden_activation_and_optimizer_trains_as_the_readable_engine(hidden, optimizer):
    readable, compiled, done_r, done_c = run_both(hidden, "sigmoid", "binary_cross_entropy", optimizer)
    assert done_r == done_c == STEPS
    assert_same_run(readable, compiled)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
def test_every_loss_and_output_trains_as_the_readable_engine(output, loss, optimizer):
    readable, compiled, done_r, done_c = run_both("elu", output, loss, optimizer)
    assert done_r == done_c == STEPS
    assert_same_run(readable, compiled)
