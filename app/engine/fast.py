"""The fast path of Trainer.train: many updates per call of a compiled kernel (app/engine/kernel.py).

A tiny network's step is some forty NumPy calls of about a microsecond each, so NumPy alone
cannot go much faster however it is written; the kernel runs whole stretches of steps without
returning to Python. It implements network.py's equations with the same operations, so its
parameters agree with the readable engine's to rounding; the batches come from the trainer's own
generator, drawn the same way, so the runs are the same runs.

The same kernel writes a frame's numbers at every new state (``numbers``), evaluates the
metrics (``score``) and traces examples for the inspector (``trace``); the walkthrough and the
inspector's explanations are still read next to network.py's code, whose numbers these are to
rounding.

It is used when numba is importable, BPP_KERNEL is not "numpy", and ``plan`` finds the
configuration supported; otherwise every entry point returns None and the trainer works in
NumPy.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from app.engine.activations import ACTIVATIONS, Activation, leaky_relu
from app.engine.losses import HUBER_DELTA, LOSSES
from app.engine.optimizers import Adam, GradientDescent, Momentum, Nesterov, Optimizer, RMSProp
from app.engine.schedules import Schedule

if TYPE_CHECKING:
    from app.engine.trainer import Trainer

Array = np.ndarray
ENV = "BPP_KERNEL"  # "numpy" turns the kernel off
# Names in the kernel's code order (kernel.SIGMOID == 0, ...).
ACTIVATION_CODES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear", "softmax")
LOSS_CODES = ("mse", "mae", "huber", "binary_cross_entropy", "categorical_cross_entropy")
OPTIMIZER_CODES: tuple[type[Optimizer], ...] = (GradientDescent, Momentum, Nesterov, RMSProp, Adam)
PENALTY_CODES = ("none", "l1", "l2")
SCHEDULE_CODES = ("none", "exponential", "inverse_time", "step")
FIELD_CODES = ("W", "b", "dW", "db", "z", "a", "delta")  # kernel.W_FIELD == 0, ...
# A call runs steps for about this long, then returns to check the time budget and the caller:
# long enough that Python's share is a few percent, short enough to keep the server responsive.
CHUNK_SECONDS = 0.004
MAX_CHUNK_STEPS = 4096
MAX_CHUNK_EXAMPLES = 1 << 20  # bounds the batch-order buffer of one call


def enabled() -> bool:
    """Whether the environment allows the kernel (BPP_KERNEL=numpy forbids it)."""
    return os.environ.get(ENV, "").strip().lower() != "numpy"


_warming: list[threading.Thread] = []  # the server's warm-up, while it runs


def warm_up_in_background(ready: Callable[[], bool] = lambda: True,
                          then: Callable[[], None] = lambda: None) -> None:
    """Have the kernel compiled before anyone trains, without making them wait: the first
    compile takes half a minute, which the server's first Play would otherwise spend frozen.
    Once ``ready`` (the server listens, so its start is not slowed), a child process compiles
    into numba's on-disk cache (on the other core, away from this process's GIL); then this
    process loads it, and calls ``then``. Until then Trainer.train steps in NumPy."""
    if enabled() and not _warming:
        def run() -> None:
            warm_up(True, ready)
            then()

        _warming.append(threading.Thread(target=run, name="kernel-warm-up", daemon=True))
        _warming[0].start()


def warm_up(compile_elsewhere: bool = False, ready: Callable[[], bool] = lambda: True) -> None:
    """Compile the kernel (or load it from the cache) by training a tiny network two steps
    and tracing it."""
    while not ready():
        time.sleep(0.05)
    if compile_elsewhere:
        subprocess.run([sys.executable, "-c", "from app.engine.fast import warm_up; warm_up()"],
                       check=False, capture_output=True, timeout=600)
    if load_kernel() is not None:
        tiny = tiny_trainer()
        train(tiny, 2, float("inf"), wait=True)
        trace(tiny, np.arange(2), wait=True)
        numbers(tiny, np.arange(2), np.arange(1), FrameSpots.of([("W", 1)], [0]),
                np.empty(4, np.float32), wait=True)
        score(tiny, "test", wait=True)


def tiny_trainer() -> Trainer:
    """A 2-2-1 network on four points: every call of the kernel has the same argument types,
    so training this compiles it for every network."""
    from app.engine.datasets import Dataset
    from app.engine.losses import get_loss
    from app.engine.network import Network
    from app.engine.trainer import Trainer

    rng = np.random.default_rng(0)
    net = Network([2, 2, 1], [ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"]], rng)
    x, y = rng.normal(size=(2, 4)), np.array([[0.0, 1.0, 1.0, 0.0]])
    return Trainer(net, get_loss("binary_cross_entropy"), GradientDescent(), Dataset(x, y, x, y), 2, rng)


def still_warming() -> bool:
    return bool(_warming) and _warming[0].is_alive()


@functools.cache
def load_kernel() -> ModuleType | None:
    """The compiled kernel's module, or None without numba. Imported on first use, since numba
    itself takes a second to import and a server that never trains should not pay it."""
    try:
        from app.engine import kernel
    except ImportError:
        return None
    return kernel


@dataclass(frozen=True)
class Plan:
    """The trainer's configuration in the kernel's terms."""

    sizes: Array
    codes: Array
    slopes: Array
    loss: int
    fused: bool
    optimizer: int
    hyper: Array
    schedule: int
    penalty: int


def activation_code(act: Activation) -> tuple[int, float] | None:
    """(code, leaky slope) of a registry activation; None for anything the kernel does not know."""
    if act.name == "leaky_relu":
        slope = float(act.df(np.array([-1.0]))[0])
        return (ACTIVATION_CODES.index("leaky_relu"), slope) if act is leaky_relu(slope) else None
    if ACTIVATIONS.get(act.name) is not act:
        return None
    return ACTIVATION_CODES.index(act.name), 0.0


def hyperparameters(opt: Optimizer) -> Array:
    """(β | ρ | β1, β2, ε) as kernel.update reads them."""
    if isinstance(opt, Momentum | Nesterov):
        return np.array([opt.beta, 0.0, 0.0])
    if isinstance(opt, RMSProp):
        return np.array([opt.rho, 0.0, opt.eps])
    if isinstance(opt, Adam):
        return np.array([opt.beta1, opt.beta2, opt.eps])
    return np.zeros(3)


def plan(trainer: Trainer) -> Plan | None:
    """The kernel's view of the trainer, or None where it would not compute the same thing."""
    net, data, opt, loss = trainer.network, trainer.data, trainer.optimizer, trainer.loss
    codes = [activation_code(layer.activation) for layer in net.layers]
    supported = (
        all(c is not None for c in codes)
        and all(layer.activation.elementwise for layer in net.layers[:-1])
        and LOSSES.get(loss.name) is loss
        and type(opt) in OPTIMIZER_CODES
        and type(opt.schedule) is Schedule
        and net.params.dtype == data.x_train.dtype == data.y_train.dtype == np.float64
        and 1 <= trainer.batch_size <= data.x_train.shape[1]
        and HUBER_DELTA == 1.0
    )
    if not supported:
        return None
    fused = net.layers[-1].activation.name == loss.fused_with
    if loss.fused_with is not None and not fused:  # cross-entropy off its own output: NumPy's
        return None
    return Plan(
        sizes=np.array(net.sizes, dtype=np.int64),
        codes=np.array([c[0] for c in codes if c is not None], dtype=np.int64),
        slopes=np.array([c[1] for c in codes if c is not None]),
        loss=LOSS_CODES.index(loss.name), fused=fused,
        optimizer=OPTIMIZER_CODES.index(type(opt)), hyper=hyperparameters(opt),
        schedule=SCHEDULE_CODES.index(opt.schedule.name),
        penalty=PENALTY_CODES.index(trainer.regularizer.name) if trainer.regularizer.active else 0,
    )


def current_plan(trainer: Trainer) -> Plan | None:
    """``plan``, made again only when the trainer's network, loss, optimizer, schedule, penalty,
    data or batch size is another (every call of ``train`` and ``trace`` asks)."""
    key = (trainer.network, trainer.loss, trainer.optimizer, trainer.optimizer.schedule,
           trainer.regularizer, trainer.data)
    made = trainer.fast_plan
    if (made is None or made[1] != trainer.batch_size
            or any(old is not new for old, new in zip(made[0], key))):
        made = trainer.fast_plan = (key, trainer.batch_size, plan(trainer))
    return made[2]


def state_buffers(opt: Optimizer, size: int) -> tuple[Array, Array]:
    """The optimizer's state as two arrays the kernel updates in place (zeros before the first
    step, which is what the optimizers' 0.0 stands for); fresh copies, so that nothing holding
    the old state sees it change."""
    if opt.state is None:
        return np.zeros(size), np.zeros(size)
    if isinstance(opt.state, tuple):
        return np.array(opt.state[0], dtype=float), np.array(opt.state[1], dtype=float)
    return np.array(opt.state, dtype=float), np.zeros(size)


def store_state(opt: Optimizer, s1: Array, s2: Array) -> None:
    if isinstance(opt, Adam):
        opt.state = (s1, s2)
    elif not isinstance(opt, GradientDescent):
        opt.state = s1


@dataclass
class Orders:
    """The batches of a stretch of steps, drawn as Trainer.upcoming_indices draws them: ``left``
    steps from the rest of the current order, then ``per_epoch`` from each new permutation (a
    row of ``drawn``). Step s's examples are ``flat[starts[s]:starts[s] + batch]``."""

    current: Array
    cursor: int
    left: int
    drawn: Array
    per_epoch: int
    flat: Array
    starts: Array


def permutations(trainer: Trainer, count: int) -> Array:
    """``count`` rows, each what one more ``trainer.rng.permutation(n)`` would draw, number for
    number, in one call: at full batch a step is a new epoch, and a call per step cost a
    quarter of its time."""
    n = trainer.data.x_train.shape[1]
    if count == 0:  # most calls at small batches: the epoch goes on
        return np.empty((0, n), dtype=np.int64)
    return trainer.rng.permuted(np.tile(np.arange(n), (count, 1)), axis=1)


def draw_orders(trainer: Trainer, steps: int) -> Orders:
    """Permutations for ``steps`` batches: the rest of the current one, then new ones."""
    batch, n = trainer.batch_size, trainer.data.x_train.shape[1]
    current, cursor = trainer._order, trainer._cursor
    left = min(max(current.size - cursor, 0) // batch, steps)
    per_epoch = n // batch
    drawn = permutations(trainer, -(-(steps - left) // per_epoch))
    k = np.arange(steps - left, dtype=np.int64)
    starts = np.concatenate([cursor + batch * np.arange(left, dtype=np.int64),
                             current.size + k // per_epoch * n + k % per_epoch * batch])
    return Orders(current, cursor, left, drawn, per_epoch, np.concatenate([current, drawn.ravel()]),
                  starts)


def settle_orders(trainer: Trainer, orders: Orders, rng_state: Mapping[str, Any], stop: int,
                  used: bool) -> None:
    """Leave the batch order where the readable trainer would: at step ``stop`` of the stretch,
    either after it (``used``) or before it (a diverged step, whose batch is not used up). The
    generator goes back to the state in which only the orders up to that step were drawn."""
    batch = trainer.batch_size
    if stop < orders.left:
        trainer._order, trainer._cursor, draws = orders.current, orders.cursor + (stop + used) * batch, 0
    else:
        epoch, step = divmod(stop - orders.left, orders.per_epoch)
        trainer._order, trainer._cursor, draws = orders.drawn[epoch].copy(), (step + used) * batch, epoch + 1
    if draws < orders.drawn.shape[0]:
        trainer.rng.bit_generator.state = rng_state
        permutations(trainer, draws)


def transposed_inputs(trainer: Trainer, which: str = "train") -> Array:
    """x_train (or x_test) one example per row, made once per data set: a batch is then rows
    to copy."""
    x = trainer.data.x_train if which == "train" else trainer.data.x_test
    cached = trainer.fast_cache.get(which)
    if cached is None or cached[0] is not x:
        cached = trainer.fast_cache[which] = (x, np.ascontiguousarray(x.T))
    return cached[1]


def run_chunk(trainer: Trainer, p: Plan, kernel: ModuleType, steps: int) -> tuple[int, bool]:
    """Up to ``steps`` updates in one kernel call; (steps the train loop counts, diverged)."""
    rng_state = trainer.rng.bit_generator.state
    orders = draw_orders(trainer, steps)
    opt, reg, data = trainer.optimizer, trainer.regularizer, trainer.data
    s1, s2 = state_buffers(opt, trainer.network.params.size)
    done, status = kernel.train_steps(
        trainer.network.params, p.sizes, p.codes, p.slopes, p.loss, p.fused,
        transposed_inputs(trainer), np.ascontiguousarray(data.y_train), orders.flat,
        orders.starts, trainer.batch_size, p.optimizer, p.hyper, float(opt.learning_rate),
        p.schedule, float(opt.schedule.rate), int(opt.schedule.every), opt.steps_taken, s1, s2,
        p.penalty, float(reg.rate))
    store_state(opt, s1, s2)
    opt.steps_taken += done
    trainer.step_count += done
    trainer.examples_seen += done * trainer.batch_size
    if status == kernel.LOSS_DIVERGED:
        trainer.loss_diverged = True
        settle_orders(trainer, orders, rng_state, done, used=False)
        return done + 1, True
    settle_orders(trainer, orders, rng_state, done - 1, used=True)
    return done, status == kernel.PARAMS_DIVERGED


def usable(trainer: Trainer, wait: bool) -> tuple[Plan, ModuleType] | None:
    """The trainer's plan and the compiled kernel; None for a trainer kept off it (BPP_KERNEL),
    while the warm-up compiles it (unless ``wait``), without numba, or for a configuration it
    does not compute. Asked first, so that no caller loads numba where it is not wanted: a
    compile on the event loop's thread holds it for half a minute."""
    if not trainer.kernel or (still_warming() and not wait):
        return None
    p = current_plan(trainer)
    kernel = load_kernel() if p is not None else None
    return None if p is None or kernel is None else (p, kernel)


def trace(trainer: Trainer, indices: Array,
          wait: bool = False) -> tuple[Array, Array, Array, Array, float] | None:
    """Trainer.trace through the kernel, the same numbers to rounding in a tenth of the time
    (a frame traces the shown examples at every new state): z, a and δ of every layer as
    [n_l, m] blocks one after another (a^0 first, its z and δ unused), ∂C/∂θ, and the data
    loss. None where ``train`` would not use the kernel either."""
    if (ready := usable(trainer, wait)) is None:
        return None
    p, kernel = ready
    zs, acts, deltas, grad, loss = kernel.trace_examples(
        trainer.network.params, p.sizes, p.codes, p.slopes, p.loss, p.fused,
        transposed_inputs(trainer), np.ascontiguousarray(trainer.data.y_train),
        indices.astype(np.int64), p.penalty, float(trainer.regularizer.rate))
    return zs, acts, deltas, grad, float(loss)


@dataclass(frozen=True)
class FrameSpots:
    """Where a frame's numbers go, in the kernel's terms: each field's FIELD_CODES index (−1:
    not the kernel's to fill), layer and first place in the float32 array."""

    kinds: Array
    layers: Array
    starts: Array

    @classmethod
    def of(cls, fields: list[tuple[str, int]], starts: list[int]) -> FrameSpots:
        kinds = [FIELD_CODES.index(name) if name in FIELD_CODES else -1 for name, _ in fields]
        return cls(np.array(kinds, dtype=np.int64),
                   np.array([layer for _, layer in fields], dtype=np.int64),
                   np.array(starts, dtype=np.int64))


def numbers(trainer: Trainer, batch: Array, example: Array, spots: FrameSpots, out: Array,
            wait: bool = False) -> float | None:
    """What a frame draws, written into ``out`` (float32) in one kernel call: W and b, the
    batch's ∂C/∂W and ∂C/∂b, z, a and δ of the example traced alone (the fields ``spots``
    names); returns the example's loss C_x. The same numbers as tracing both through the
    readable engine, to rounding, without building a trace's arrays only to copy them. None
    where ``train`` would not use the kernel either."""
    if (ready := usable(trainer, wait)) is None:
        return None
    p, kernel = ready
    return float(kernel.frame_numbers(
        trainer.network.params, p.sizes, p.codes, p.slopes, p.loss, p.fused,
        transposed_inputs(trainer), np.ascontiguousarray(trainer.data.y_train),
        batch.astype(np.int64), example.astype(np.int64), p.penalty,
        float(trainer.regularizer.rate), spots.kinds, spots.layers, spots.starts, out))


def score(trainer: Trainer, which: str,
          wait: bool = False) -> tuple[float, int, bool, Array] | None:
    """Trainer.evaluation's pass over the training or the test set in one kernel call: the
    data loss, how many are classified right, whether every output is finite, and the counts
    [true class, predicted class] (zeros for regression, or outputs not finite). None where
    ``train`` would not use the kernel either."""
    if (ready := usable(trainer, wait)) is None:
        return None
    p, kernel = ready
    data = trainer.data
    y = data.y_train if which == "train" else data.y_test
    k = len(data.class_names)
    counts = np.zeros((k, k), dtype=np.int64)
    loss, right, finite = kernel.evaluate(
        trainer.network.params, p.sizes, p.codes, p.slopes, p.loss, p.fused,
        transposed_inputs(trainer, which), np.ascontiguousarray(y), data.task != "regression",
        counts)
    return float(loss), int(right), bool(finite), counts


def chunk_steps(trainer: Trainer, seconds_per_step: float, left: int, budget: float) -> int:
    """How many steps the next call runs: about CHUNK_SECONDS' worth, within the budget."""
    fit = int(min(CHUNK_SECONDS, max(budget, 0.0)) / seconds_per_step) if seconds_per_step else 1
    cap = max(1, min(MAX_CHUNK_STEPS, MAX_CHUNK_EXAMPLES // trainer.batch_size))
    return max(1, min(left, fit, cap))


def train(trainer: Trainer, steps: int, budget_seconds: float, wait: bool = False) -> int | None:
    """Trainer.train through the kernel: the same updates, divergence and counts; None when
    the kernel is unavailable, still being compiled by the warm-up (unless ``wait``), or the
    configuration is not one it computes."""
    if (ready := usable(trainer, wait)) is None:
        return None
    p, kernel = ready
    deadline = time.perf_counter() + budget_seconds
    done = 0
    per_step = trainer.fast_seconds_per_step
    # Checked once: after that each call reports the divergence it ran into.
    while done < steps and (done > 0 or not trainer.diverged):
        start = time.perf_counter()
        n = chunk_steps(trainer, per_step, steps - done, deadline - start)
        ran, diverged = run_chunk(trainer, p, kernel, n)
        done += ran
        now = time.perf_counter()
        per_step = trainer.fast_seconds_per_step = (now - start) / max(ran, 1)
        if diverged or now > deadline:
            break
    return done
