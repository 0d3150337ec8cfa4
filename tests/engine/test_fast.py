"""The compiled kernel against the readable engine it reimplements: after thousands of steps of
every activation, loss/output pair, optimizer, penalty and schedule, the same parameters (to
1e-12), the same optimizer state, batch order and counts, and divergence at the same step."""

from typing import Any

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
from app.engine.trainer import TracedBatch, Trainer

pytest.importorskip("numba", reason="the kernel needs numba; without it the NumPy engine trains")

STEPS = 2000
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear"]
# (output activation, loss): every loss, the fused pairs, and softmax under MSE, whose BP1 takes
# the full Jacobian product. MAE's sign jumps, so it meets only exact functions: a last-bit
# difference in tanh (see ``tolerance``) can flip the sign of a − y near 0, and the runs part.
PAIRS = [("sigmoid", "binary_cross_entropy"), ("softmax", "categorical_cross_entropy"),
         ("linear", "mse"), ("sigmoid", "mse"), ("softmax", "mse"), ("linear", "mae"),
         ("tanh", "huber"), ("linear", "huber"), ("relu", "mse")]
OPTIMIZERS = {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.003, "adam": 0.003}


def dataset(task: Task, outputs: int) -> Dataset:
    """60 training points on the playground's square; classes split by a curve, or a sine."""
    x = np.random.default_rng(7).uniform(-6.0, 6.0, (2, 100))
    if task == "regression":
        y = (np.sin(x[0]) + x[1] / 6.0)[None, :]
    else:
        label = ((x[1] > 3.0 * np.sin(x[0])).astype(int) + (x[0] > 2.0)) % max(outputs, 2)
        y = np.eye(outputs)[label].T if outputs > 1 else label[None, :].astype(float)
    names = () if task == "regression" else tuple(str(k) for k in range(max(outputs, 2)))
    return Dataset(x[:, :60] / 6.0, y[:, :60], x[:, 60:] / 6.0, y[:, 60:], task=task,
                   class_names=names)


def trainer(hidden: str, output: str, loss: str, optimizer: str, *, kernel: bool,
            lr: float | None = None, batch: int = 7, widths: tuple[int, int] = (5, 4),
            **options: Any) -> Trainer:
    outputs = 3 if output == "softmax" else 1
    task: Task = "multiclass" if outputs > 1 else "binary" if loss.endswith("entropy") else "regression"
    if loss == "mse" and output in ("sigmoid", "relu"):
        task = "binary"
    activations = [get_activation(hidden, 0.1), get_activation(hidden, 0.1), get_activation(output)]
    net = Network([2, *widths, outputs], activations, np.random.default_rng(1))
    opt = make_optimizer(optimizer, learning_rate=OPTIMIZERS[optimizer] if lr is None else lr,
                         schedule=options.pop("schedule", Schedule()))
    t = Trainer(net, get_loss(loss), opt, dataset(task, outputs), batch, np.random.default_rng(2),
                **options)
    t.kernel = kernel
    return t


def tolerance(readable: Trainer) -> float:
    """1e-12 of the largest parameter; 1e-10 with tanh, the one function NumPy and the kernel
    each compute with a polynomial of their own: they differ in the last bits of some values
    (3 ulp at most), which thousands of steps carry up to about 1e-12 (every other function and
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
    if readable.optimizer.state is None:
        assert compiled.optimizer.state is None
    else:
        np.testing.assert_allclose(np.ravel(compiled.optimizer.state), np.ravel(readable.optimizer.state),
                                   rtol=1e-9, atol=1e-13)


def run_both(*args: str, steps: int = STEPS, **options: Any) -> tuple[Trainer, Trainer, int, int]:
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


@pytest.mark.parametrize("batch", [1, 60])
def test_sgd_and_full_batch_draw_their_epochs_as_the_readable_engine(batch):
    """At full batch every step is a new epoch, whose order the kernel's caller draws many at
    a time: the same orders, and the generator left where the readable trainer leaves it."""
    readable, compiled, done_r, done_c = run_both("tanh", "sigmoid", "binary_cross_entropy", "momentum",
                                                  batch=batch, steps=300)
    assert done_r == done_c == 300
    assert_same_run(readable, compiled)


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_a_network_wide_enough_for_the_blocked_products_trains_as_the_readable_engine(hidden):
    """16 neurons a layer at batch 32: the products that accumulate_blocked computes."""
    readable, compiled, done_r, done_c = run_both(hidden, "sigmoid", "binary_cross_entropy", "adam",
                                                  batch=32, widths=(16, 16))
    assert done_r == done_c == STEPS
    assert_same_run(readable, compiled)


def test_both_ways_of_the_kernels_products_are_the_same_to_the_bit():
    """accumulate picks one way by shape; each must give what the other would."""
    kernel = fast.load_kernel()
    rng = np.random.default_rng(5)
    for rows, inner, m in [(1, 1, 1), (3, 5, 7), (4, 4, 32), (7, 9, 33), (16, 16, 32), (10, 32, 64),
                           (100, 784, 32), (9, 250, 8)]:
        A, B = rng.normal(size=(rows, inner)), rng.normal(size=(inner, m))
        for left in (A, np.ascontiguousarray(A.T).T):  # back_product passes Wᵀ, not contiguous
            by_rows, blocked = np.empty((rows, m)), np.empty((rows, m))
            kernel.accumulate_rows(left, B, by_rows)
            kernel.accumulate_blocked(left, B, blocked)
            np.testing.assert_array_equal(blocked, by_rows)
            np.testing.assert_allclose(blocked, A @ B, rtol=1e-12, atol=1e-12)


def test_the_kernels_tanh_is_numpys_to_three_ulp():
    """kernel.tanh replaces the C library's (a call per number) with a form that vectorizes; it
    must still be tanh to the last bits, keep the sign of zero and pass NaN and ±inf through."""
    kernel = fast.load_kernel()
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0.0, 2.0, 100_000), rng.normal(0.0, 1e-3, 10_000),
                        rng.uniform(-25.0, 25.0, 100_000), np.linspace(-20.0, 20.0, 10_001),
                        [0.0, -0.0, np.inf, -np.inf, 1e-310, -5e-324, 19.06, 1e300, -1e300]])
    a = np.empty_like(x)
    kernel.activate_layer(fast.ACTIVATION_CODES.index("tanh"), 0.0, x[None, :], a[None, :])
    np.testing.assert_array_equal(a[-9:], [kernel.tanh(v) for v in x[-9:]])
    ulps = np.abs(a - np.tanh(x)) / np.spacing(np.abs(np.tanh(x)))
    assert ulps.max() <= 3.0
    np.testing.assert_array_equal(np.signbit(a), np.signbit(np.tanh(x)))
    assert np.isnan(kernel.tanh(np.nan))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize(("penalty", "schedule"), [
    ("l1", Schedule("exponential", 0.5, 300)), ("l2", Schedule("inverse_time", 0.5, 200)),
    ("l2", Schedule("step", 0.5, 700))])
def test_penalties_and_schedules_train_as_the_readable_engine(penalty, schedule, optimizer):
    readable, compiled, done_r, done_c = run_both(
        "relu", "sigmoid", "binary_cross_entropy", optimizer, schedule=schedule,
        regularizer=Regularizer(penalty, 0.003))
    assert done_r == done_c == STEPS
    assert_same_run(readable, compiled)


@pytest.mark.parametrize(("hidden", "output", "loss", "lr"), [
    ("linear", "linear", "mse", 2.0), ("linear", "linear", "huber", 10.0), ("relu", "linear", "mse", 10.0),
    ("elu", "sigmoid", "mse", 1e305)])
def test_divergence_stops_at_the_same_step(hidden, output, loss, lr):
    readable, compiled, done_r, done_c = run_both(hidden, output, loss, "sgd", lr=lr, steps=500)
    assert readable.diverged and compiled.diverged
    assert done_c == done_r < 500
    np.testing.assert_allclose(compiled.network.params, readable.network.params, rtol=1e-12)
    assert_same_run_counts(readable, compiled)


def assert_same_run_counts(readable: Trainer, compiled: Trainer) -> None:
    assert (compiled.step_count, compiled.examples_seen, compiled.loss_diverged) == (
        readable.step_count, readable.examples_seen, readable.loss_diverged)
    np.testing.assert_array_equal(compiled.upcoming_indices(), readable.upcoming_indices())
    assert compiled.rng.random() == readable.rng.random()


def test_a_loss_that_overflows_is_caught_before_its_update():
    """The batch's loss stops being finite: caught before the step, which the count includes."""
    readable, compiled, done_r, done_c = run_both("relu", "linear", "mse", "sgd", lr=10.0, steps=500)
    assert readable.loss_diverged and compiled.loss_diverged
    assert done_c == done_r == compiled.step_count + 1


def test_parameters_that_overflow_end_training_after_their_step():
    readable, compiled, done_r, done_c = run_both("elu", "sigmoid", "mse", "sgd", lr=1e305, steps=500)
    assert not readable.loss_diverged and not compiled.loss_diverged
    assert compiled.diverged and done_c == done_r == compiled.step_count


def test_training_in_short_calls_is_the_same_run_as_in_one():
    """The runner trains a few steps per frame; where the calls end changes nothing."""
    whole = trainer("relu", "sigmoid", "binary_cross_entropy", "momentum", kernel=True, batch=9)
    pieces = trainer("relu", "sigmoid", "binary_cross_entropy", "momentum", kernel=True, batch=9)
    whole.train(500)
    for n in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 125]:
        pieces.train(n)
    np.testing.assert_array_equal(pieces.network.params, whole.network.params)
    assert_same_run_counts(whole, pieces)


def test_a_time_budget_ends_the_call_early_but_counts_every_step():
    t = trainer("tanh", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    done = t.train(10**6, budget_seconds=0.0)
    assert 1 <= done < 10**6 and t.step_count == done


def test_the_environment_turns_the_kernel_off(monkeypatch):
    t = trainer("relu", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    monkeypatch.setenv(fast.ENV, "numpy")
    fresh = Trainer(t.network, t.loss, t.optimizer, t.data, t.batch_size, t.rng)
    assert not fresh.kernel
    monkeypatch.setattr(fast, "train", lambda *args: pytest.fail("the kernel ran"))
    assert fresh.train(10) == 10 and fresh.step_count == 10


def test_without_numba_the_readable_engine_trains(monkeypatch):
    monkeypatch.setattr(fast, "load_kernel", lambda: None)
    t = trainer("relu", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    assert fast.train(t, 10, float("inf")) is None
    assert t.train(10) == 10 and t.step_count == 10


def test_while_the_server_warms_the_kernel_up_numpy_trains(monkeypatch):
    monkeypatch.setattr(fast, "still_warming", lambda: True)
    t = trainer("relu", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    assert fast.train(t, 5, float("inf")) is None
    assert t.train(5) == 5
    assert fast.train(t, 5, float("inf"), wait=True) == 5 and t.step_count == 10
    assert fast.trace(t, np.array([1])) is None  # frames trace in NumPy meanwhile
    assert_same_trace(t.shown_trace(np.array([1])), t.trace(np.array([1])), atol=0)


def test_the_warm_up_compiles_in_a_child_process_then_loads_the_cache(monkeypatch):
    commands: list[list[str]] = []
    monkeypatch.setattr(fast.subprocess, "run", lambda command, **_: commands.append(command))
    fast.warm_up(compile_elsewhere=True)
    assert commands[0][-1] == "from app.engine.fast import warm_up; warm_up()"
    assert fast.train(fast.tiny_trainer(), 3, float("inf")) == 3
    assert fast.trace(fast.tiny_trainer(), np.arange(3)) is not None


def test_the_servers_warm_up_calls_then_once_the_kernel_is_loaded(monkeypatch):
    """``then`` is how the server freezes the kernel's objects out of the collector's passes:
    only after the kernel has made them."""
    done: list[str] = []
    monkeypatch.setattr(fast, "_warming", [])
    monkeypatch.setattr(fast, "enabled", lambda: True)
    monkeypatch.setattr(fast, "warm_up", lambda *_: done.append("loaded"))
    fast.warm_up_in_background(then=lambda: done.append("then"))
    fast._warming[0].join(10)
    assert done == ["loaded", "then"]


def test_what_the_kernel_does_not_compute_falls_back():
    t = trainer("relu", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    t.batch_size = t.data.x_train.shape[1] + 1  # a batch larger than the training set
    assert fast.plan(t) is None
    t.batch_size = 7
    t.data = Dataset(t.data.x_train.astype(np.float32), t.data.y_train, t.data.x_test, t.data.y_test)
    assert fast.plan(t) is None


def test_the_kernels_schedules_and_bias_corrections_are_pythons():
    kernel = fast.load_kernel()
    for schedule in [Schedule("exponential", 0.7, 30), Schedule("inverse_time", 0.3, 7), Schedule("step", 0.5, 11)]:
        code = fast.SCHEDULE_CODES.index(schedule.name)
        assert all(kernel.learning_rate(code, 0.03, schedule.rate, schedule.every, t)
                   == schedule.learning_rate(0.03, t) for t in range(0, 5000, 7))
    assert all(kernel.bias_correction(beta, t) == 1.0 - beta**t
               for beta in (0.9, 0.999, 0.95) for t in range(1, 5000, 3))


@pytest.mark.parametrize("m", [1, 7, 8, 10, 64, 129, 250, 1000, 1797])
def test_the_kernels_bias_gradient_sums_as_numpy_does(m):
    """BP3's Σ over the batch in NumPy's pairwise order, so ∂C/∂b agrees to the last bit."""
    kernel = fast.load_kernel()
    delta = np.random.default_rng(m).normal(size=(3, m))
    expected = np.empty((3, 1))
    delta.sum(axis=1, keepdims=True, out=expected)
    got = [kernel.pairwise_sum(row, m, np.zeros((3, 64), np.int64), np.zeros(64)) for row in delta]
    assert got == list(expected[:, 0])


def assert_same_trace(shown: TracedBatch, readable: TracedBatch, atol: float) -> None:
    np.testing.assert_array_equal(shown.indices, readable.indices)
    np.testing.assert_array_equal(shown.x, readable.x)
    np.testing.assert_array_equal(shown.y, readable.y)
    for mine, theirs in zip(shown.traces, readable.traces, strict=True):
        for name in ("a_in", "z", "a"):
            assert getattr(mine, name).shape == getattr(theirs, name).shape
            np.testing.assert_allclose(getattr(mine, name), getattr(theirs, name), rtol=0, atol=atol)
    for mine, theirs in zip(shown.grads.layers, readable.grads.layers, strict=True):
        for name in ("delta", "dW", "db"):
            assert getattr(mine, name).shape == getattr(theirs, name).shape
            np.testing.assert_allclose(getattr(mine, name), getattr(theirs, name), rtol=0, atol=atol)
    np.testing.assert_allclose(shown.grads.flat, readable.grads.flat, rtol=0, atol=atol)
    assert shown.loss == pytest.approx(readable.loss, rel=1e-12, abs=atol)


TRACED = ([(hidden, "sigmoid", "binary_cross_entropy") for hidden in HIDDEN]
          + [("elu", output, loss) for output, loss in PAIRS])


@pytest.mark.parametrize("penalty", ["none", "l1", "l2"])
@pytest.mark.parametrize(("hidden", "output", "loss"), TRACED)
def test_the_kernels_trace_is_the_readable_engines(hidden, output, loss, penalty):
    """What frames show (z, a, δ of a batch or one example, ∂C/∂θ, the loss) traced by the
    kernel: the readable engine's numbers, after training has moved the weights."""
    compiled = trainer(hidden, output, loss, "adam", kernel=True, regularizer=Regularizer(penalty, 0.01))
    compiled.train(300)
    for indices in (compiled.upcoming_indices(), np.array([5]), np.arange(60)):
        shown = compiled.shown_trace(indices)
        assert fast.trace(compiled, indices) is not None  # the kernel traced it
        assert_same_trace(shown, compiled.trace(indices), atol=1e-13)


def test_a_trace_the_kernel_does_not_compute_is_the_readable_engines():
    compiled = trainer("tanh", "sigmoid", "categorical_cross_entropy", "sgd", kernel=True)
    assert fast.trace(compiled, np.array([1, 2])) is None
    assert_same_trace(compiled.shown_trace(np.array([1, 2])), compiled.trace(np.array([1, 2])), atol=0)


def test_a_diverged_trace_shows_the_same_non_finite_numbers():
    compiled = trainer("relu", "linear", "mse", "sgd", kernel=True, lr=1e305)
    compiled.train(5)
    assert compiled.diverged
    shown, readable = compiled.shown_trace(np.array([0, 1])), compiled.trace(np.array([0, 1]))
    for mine, theirs in zip(shown.traces, readable.traces):
        np.testing.assert_array_equal(np.isfinite(mine.z), np.isfinite(theirs.z))


def test_the_plan_is_made_again_only_when_the_configuration_changes():
    compiled = trainer("tanh", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    first = fast.current_plan(compiled)
    assert first is not None and fast.current_plan(compiled) is first
    compiled.optimizer.learning_rate = 0.5  # read at each call, not planned
    assert fast.current_plan(compiled) is first
    compiled.optimizer = make_optimizer("adam", learning_rate=0.01)
    adam = fast.current_plan(compiled)
    assert adam is not None and adam.optimizer == fast.OPTIMIZER_CODES.index(type(compiled.optimizer))
    compiled.regularizer = Regularizer("l1", 0.01)
    assert fast.current_plan(compiled).penalty == fast.PENALTY_CODES.index("l1")
    compiled.batch_size = 61  # more than the training set: the kernel does not take it
    assert fast.current_plan(compiled) is None


def readable_evaluation(compiled: Trainer):
    compiled.kernel = False
    try:
        return compiled.evaluation()
    finally:
        compiled.kernel = True


@pytest.mark.parametrize(("hidden", "output", "loss"), TRACED)
def test_the_kernels_evaluation_is_the_readable_engines(hidden, output, loss):
    """The metrics and the test set's confusion through the kernel: the same losses to
    rounding, the same accuracies and counts, for every task."""
    compiled = trainer(hidden, output, loss, "adam", kernel=True, regularizer=Regularizer("l2", 0.01))
    compiled.train(300)
    assert fast.score(compiled, "test") is not None  # the kernel evaluated it
    mine, theirs = compiled.evaluation(), readable_evaluation(compiled)
    for name in ("train_loss", "test_loss", "penalty"):
        assert getattr(mine.metrics, name) == pytest.approx(getattr(theirs.metrics, name), rel=1e-12)
    for name in ("train_accuracy", "test_accuracy"):
        np.testing.assert_equal(getattr(mine.metrics, name), getattr(theirs.metrics, name))
    assert mine.test_confusion == theirs.test_confusion
    if compiled.data.task != "regression":
        counts = np.array(mine.test_confusion)
        assert counts.sum() == 40 and np.trace(counts) / 40 == mine.metrics.test_accuracy


def test_a_diverged_network_is_evaluated_as_the_readable_engine_does():
    compiled = trainer("tanh", "sigmoid", "binary_cross_entropy", "sgd", kernel=True)
    compiled.network.layers[-1].W[...] = 1e308
    compiled.train(3)
    assert compiled.diverged
    mine, theirs = compiled.evaluation(), readable_evaluation(compiled)
    assert np.isnan(mine.metrics.test_accuracy) and np.isnan(theirs.metrics.test_accuracy)
    assert mine.test_confusion == theirs.test_confusion == ((0, 0), (0, 0))
    np.testing.assert_equal(mine.metrics.train_loss, theirs.metrics.train_loss)


def test_a_trainer_kept_off_the_kernel_never_calls_it():
    """BPP_KERNEL=numpy: frames and metrics too stay in NumPy (and numba is never loaded)."""
    readable = trainer("tanh", "sigmoid", "binary_cross_entropy", "sgd", kernel=False)
    spots = fast.FrameSpots.of([("W", 1)], [0])
    assert fast.numbers(readable, np.arange(2), np.arange(1), spots, np.empty(10, np.float32)) is None
    assert fast.score(readable, "test") is None
    assert fast.trace(readable, np.arange(2)) is None
    assert fast.train(readable, 5, float("inf")) is None
