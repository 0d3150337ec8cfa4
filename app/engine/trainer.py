"""Mini-batch training: which examples each update sees, the update itself, and what it measured.

The batch size alone chooses the method: the whole training set is full-batch gradient descent,
1 is stochastic gradient descent, anything between is mini-batch. Each epoch visits every
training example once, in an order drawn from the trainer's own generator.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine import fast
from app.engine.datasets import Dataset, Task
from app.engine.losses import Loss
from app.engine.network import (
    Gradients,
    LayerGrad,
    LayerTrace,
    Network,
    split_flat,
    split_layers,
    tolerates_divergence,
)
from app.engine.optimizers import Optimizer
from app.engine.regularization import NO_REGULARIZATION, Regularizer
from app.engine.schedules import Schedule

Array = np.ndarray


@dataclass
class TracedBatch:
    """Examples through the network and back: the forward trace and backward gradients, both
    taken at the parameters *before* any update they produce."""

    indices: Array  # which training examples (columns of x_train)
    x: Array
    y: Array
    traces: list[LayerTrace]
    grads: Gradients  # of the whole C, weight penalty included
    loss: float  # the data loss alone


@dataclass(frozen=True)
class Metrics:
    """Data losses and the weight penalty apart: the cost training minimises is the loss plus
    the penalty, and showing them side by side shows what regularization trades."""

    train_loss: float
    test_loss: float
    train_accuracy: float  # NaN for regression, which has no notion of right or wrong
    test_accuracy: float
    penalty: float = 0.0  # λ Σ R(W), the same for both sets


@dataclass(frozen=True)
class Evaluation:
    """The metrics and, from the same pass over the test set, what was mistaken for what."""

    metrics: Metrics
    # counts[true][predicted] on the test set, for classification; None for regression
    test_confusion: tuple[tuple[int, ...], ...] | None


@dataclass(frozen=True)
class Score:
    """One set's data loss, accuracy (NaN for regression) and counts[true][predicted] (None for
    regression)."""

    loss: float
    accuracy: float
    confusion: tuple[tuple[int, ...], ...] | None


@dataclass
class LossHistory:
    """(step, train loss, test loss) rows, thinned to at most ``capacity`` rows by keeping every
    other row whenever it fills, so that a long run still shows its whole curve."""

    capacity: int = 1000
    rows: list[tuple[int, float, float]] = field(default_factory=list)
    # Counts the thinnings: rows already handed out are still the first rows until it changes.
    generation: int = 0

    def record(self, step: int, metrics: Metrics) -> None:
        if self.rows and self.rows[-1][0] == step:
            return
        self.rows.append((step, metrics.train_loss, metrics.test_loss))
        if len(self.rows) > self.capacity:
            self.rows = [*self.rows[:-1:2], self.rows[-1]]
            self.generation += 1


@dataclass
class TrainerState:
    """Everything a run continues from besides its config: with the same config (so the same
    data, network shape, loss and optimizer settings), loading it into a fresh trainer makes
    every further step bit-identical to the run it was taken from."""

    params: Array  # Network.params, layer by layer, W before b
    optimizer_arrays: list[Array]  # velocities, running means: Optimizer.state_arrays()
    optimizer_steps: int  # the optimizer's own count (decay, Adam's bias correction)
    step_count: int
    examples_seen: int
    order: Array  # this epoch's shuffled training examples
    cursor: int  # where the next batch starts in ``order``
    rng: dict[str, Any]  # the batch-order generator's bit_generator.state
    history: list[tuple[int, float, float]]


class Trainer:
    def __init__(
        self,
        network: Network,
        loss: Loss,
        optimizer: Optimizer,
        data: Dataset,
        batch_size: int,
        rng: np.random.Generator,
        *,
        regularizer: Regularizer = NO_REGULARIZATION,
        schedule: Schedule | None = None,
    ) -> None:
        """A ``schedule`` is handed to the optimizer, which counts the steps and so knows the
        rate of the coming one when it previews it."""
        self.network, self.loss, self.optimizer, self.data = network, loss, optimizer, data
        self.regularizer = regularizer
        if schedule is not None:
            optimizer.schedule = schedule
        self.batch_size = batch_size
        self.rng = rng
        self.step_count = 0
        # Counted, not derived from step_count, so that a new batch size keeps past epochs.
        self.examples_seen = 0
        self.history = LossHistory()
        self.loss_diverged = False
        self._order = np.empty(0, dtype=int)
        self._cursor = 0
        # Whether train() may use the compiled kernel (app/engine/fast.py) where it applies.
        self.kernel = fast.enabled()
        # x_train and x_test with their transposes, by "train" and "test"
        self.fast_cache: dict[str, tuple[Array, Array]] = {}
        self.fast_seconds_per_step = 0.0  # measured, to size the kernel's calls
        self.fast_plan: tuple[tuple[object, ...], int, fast.Plan | None] | None = None

    @property
    def epoch(self) -> float:
        return self.examples_seen / self.data.x_train.shape[1]

    @property
    def diverged(self) -> bool:
        """The weights or the last batch's loss stopped being finite: too large a learning
        rate, reported as soon as any number training computes overflows."""
        return self.loss_diverged or not np.isfinite(self.network.params).all()

    def upcoming_indices(self) -> Array:
        """The next batch of a shuffled epoch; a new shuffle starts when too few are left."""
        if self._cursor + self.batch_size > self._order.size:
            self._order = self.rng.permutation(self.data.x_train.shape[1])
            self._cursor = 0
        return self._order[self._cursor : self._cursor + self.batch_size]

    @tolerates_divergence
    def trace(self, indices: Array) -> TracedBatch:
        """Forward and backward on the given training examples, without updating."""
        x, y = self.data.x_train[:, indices], self.data.y_train[:, indices]
        traces = self.network.forward(x)
        grads = self.network.backward(traces, y, self.loss, self.regularizer)
        return TracedBatch(indices, x, y, traces, grads,
                           self.network.data_loss(traces[-1], y, self.loss))

    def shown_trace(self, indices: Array) -> TracedBatch:
        """``trace`` for what the page shows at every new state: through the compiled kernel
        where ``train`` uses it (the same numbers to rounding), else the readable engine."""
        traced = fast.trace(self, indices) if self.kernel else None
        if traced is None:
            return self.trace(indices)
        zs, acts, deltas, flat, loss = traced
        sizes = self.network.sizes
        z, a, delta = (split_layers(buffer, sizes, indices.size) for buffer in (zs, acts, deltas))
        traces = [LayerTrace(a_in, z_l, a_l) for a_in, z_l, a_l in zip(a, z[1:], a[1:])]
        grads = [LayerGrad(d, dW, db) for d, (dW, db) in zip(delta[1:], split_flat(flat, sizes))]
        return TracedBatch(indices, a[0], self.data.y_train[:, indices], traces,
                           Gradients(grads, flat), loss)

    @tolerates_divergence
    def step(self) -> TracedBatch:
        """One gradient-descent update on the next batch; a loss that is no longer finite
        ends training there (diverged), before the weights are made worse."""
        batch = self.trace(self.upcoming_indices())
        if not np.isfinite(batch.loss):
            self.loss_diverged = True
            return batch
        return self.apply(batch)

    @tolerates_divergence
    def apply(self, batch: TracedBatch, upcoming: bool = True) -> TracedBatch:
        """The update of a traced batch. The upcoming batch is used up by it; examples picked by
        hand (the inspector's single sample) leave the epoch's order alone."""
        if upcoming:
            self._cursor += self.batch_size
        self.optimizer.step(self.network.params, batch.grads.flat)
        self.step_count += 1
        self.examples_seen += batch.indices.size
        return batch

    def train(self, steps: int, budget_seconds: float = float("inf")) -> int:
        """Up to ``steps`` updates, fewer if the time budget runs out or the parameters stop
        being finite; returns how many ran. The budget lets a caller share its thread. The
        compiled kernel runs them where it can: the same updates, several times faster."""
        if self.kernel and (ran := fast.train(self, steps, budget_seconds)) is not None:
            return ran
        deadline = time.perf_counter() + budget_seconds
        done = 0
        while done < steps and not self.diverged:
            self.step()
            done += 1
            if time.perf_counter() > deadline:
                break
        return done

    def export_state(self) -> TrainerState:
        """A copy of the run's state, to save or to continue elsewhere."""
        return TrainerState(
            params=self.network.params.copy(), optimizer_arrays=self.optimizer.state_arrays(),
            optimizer_steps=self.optimizer.steps_taken, step_count=self.step_count,
            examples_seen=self.examples_seen, order=self._order.copy(), cursor=self._cursor,
            rng=dict(self.rng.bit_generator.state), history=list(self.history.rows))

    def load_state(self, state: TrainerState) -> None:
        """Continue from ``state``; its arrays must fit this trainer's network and data."""
        if state.params.shape != self.network.params.shape:
            raise ValueError(f"{self.network.params.size} parameters, not {state.params.size}")
        if any(a.shape != state.params.shape for a in state.optimizer_arrays):
            raise ValueError("the optimizer's state must be shaped like the parameters")
        if state.order.size and sorted(state.order.tolist()) != list(range(self.data.x_train.shape[1])):
            raise ValueError("the batch order is not a permutation of the training examples")
        if not 0 <= state.cursor <= state.order.size:
            raise ValueError(f"the cursor is outside the batch order ({state.order.size})")
        self.network.params[...] = state.params  # in place: the layers are views into it
        self.optimizer.load_state(state.optimizer_arrays, state.optimizer_steps)
        self.step_count, self.examples_seen = state.step_count, state.examples_seen
        self._order, self._cursor = np.array(state.order, dtype=int), state.cursor
        self.rng.bit_generator.state = state.rng
        self.history = LossHistory(rows=list(state.history))
        self.loss_diverged = False

    def evaluate(self) -> Metrics:
        return self.evaluation().metrics

    @tolerates_divergence
    def evaluation(self) -> Evaluation:
        """The metrics of the current weights, on both sets: through the compiled kernel where
        ``train`` uses it (the same numbers to rounding, a few times faster), else NumPy."""
        train, test = self.score("train"), self.score("test")
        metrics = Metrics(train_loss=train.loss, test_loss=test.loss,
                          train_accuracy=train.accuracy, test_accuracy=test.accuracy,
                          penalty=self.network.penalty(self.regularizer))
        return Evaluation(metrics, test.confusion)

    def score(self, which: str) -> Score:
        """The loss, accuracy and confusion of the training or the test set."""
        scored = fast.score(self, which) if self.kernel else None
        if scored is None:
            return self.readable_score(which)
        loss, right, finite, counts = scored
        if self.data.task == "regression":
            return Score(loss, float("nan"), None)
        if not finite or self.diverged:  # as ``accuracy`` and ``confusion`` count a diverged net
            k = counts.shape[0]
            return Score(loss, float("nan"), tuple((0,) * k for _ in range(k)))
        n = self.data.x_train.shape[1] if which == "train" else self.data.x_test.shape[1]
        return Score(loss, right / n, tuple(tuple(int(c) for c in row) for row in counts))

    @tolerates_divergence
    def readable_score(self, which: str) -> Score:
        data = self.data
        x, y = (data.x_train, data.y_train) if which == "train" else (data.x_test, data.y_test)
        top = self.network.forward(x)[-1]
        out = top.a
        if self.diverged:  # its weights are whatever overflowed last: it classifies nothing
            out = np.full_like(out, np.nan)
        return Score(self.network.data_loss(top, y, self.loss), accuracy(out, y, data.task),
                     None if data.task == "regression"
                     else confusion(out, y, len(data.class_names)))


def accuracy(output: Array, y: Array, task: Task = "binary") -> float:
    """Share of right answers (see ``classes``). NaN for regression, and once the output is not
    finite, since a diverged network classifies nothing."""
    if task == "regression" or not np.isfinite(output).all():
        return float("nan")
    return float(np.mean(classes(output) == classes(y)))


def classes(values: Array) -> Array:
    """The class each column stands for: one row is P(class 1), on the side of 0.5 (the midpoint
    between the labels 0 and 1); several rows, the largest (one-hot labels included)."""
    return values.argmax(axis=0) if values.shape[0] > 1 else (values[0] > 0.5).astype(int)


def confusion(output: Array, y: Array, k: int) -> tuple[tuple[int, ...], ...]:
    """counts[true][predicted] over the examples; a diverged network predicts nothing."""
    if not np.isfinite(output).all():
        return tuple((0,) * k for _ in range(k))
    counts = np.bincount(classes(y) * k + classes(output), minlength=k * k).reshape(k, k)
    return tuple(tuple(int(c) for c in row) for row in counts)
