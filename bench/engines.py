"""The engines the bench compares with the project's: a tight NumPy step, a naive per-example
loop, and PyTorch.

All train the bench's shapes (bench/__main__.py ``shape_trainer``: tanh hidden layers, a sigmoid
or softmax output with cross-entropy, plain gradient descent) from the same starting weights,
one mini-batch per call, so that their updates per second compare with Trainer.step's.
"""

import importlib.util
from collections.abc import Callable
from typing import Protocol

import numpy as np

from app.engine.network import split_flat
from app.engine.trainer import Trainer

Array = np.ndarray


class Cursor(Protocol):
    cursor: int
    batch: int


def next_columns(engine: Cursor, n: int) -> slice:
    """The next mini-batch's columns, in order from the start again when too few are left: no
    shuffling, the same batches for every engine compared."""
    if engine.cursor + engine.batch > n:
        engine.cursor = 0
    engine.cursor += engine.batch
    return slice(engine.cursor - engine.batch, engine.cursor)


class NaiveLoop:
    """Nielsen's network.py update_mini_batch in NumPy: each example of the batch forward and
    back on its own, as a column vector, the gradients summed in Python."""

    def __init__(self, trainer: Trainer) -> None:
        net = trainer.network
        self.weights = [layer.W.copy() for layer in net.layers]
        self.biases = [layer.b.copy() for layer in net.layers]
        self.softmax = net.sizes[-1] > 1
        self.x, self.y = trainer.data.x_train, trainer.data.y_train
        self.batch, self.rate, self.cursor = trainer.batch_size, trainer.optimizer.learning_rate, 0

    def output(self, z: Array) -> Array:
        if self.softmax:
            e = np.exp(z - z.max())
            return e / e.sum()
        return 1.0 / (1.0 + np.exp(-z))

    def step(self) -> None:
        cols = next_columns(self, self.x.shape[1])
        nabla_w = [np.zeros_like(w) for w in self.weights]
        nabla_b = [np.zeros_like(b) for b in self.biases]
        last = len(self.weights) - 1
        for k in range(cols.start, cols.stop):
            a = self.x[:, k:k + 1]
            activations = [a]
            for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
                z = w @ a + b
                a = np.tanh(z) if l < last else self.output(z)
                activations.append(a)
            delta = a - self.y[:, k:k + 1]  # cross-entropy on its own output: BP1 is a − y
            for l in range(last, -1, -1):
                nabla_b[l] += delta
                nabla_w[l] += delta @ activations[l].T
                if l > 0:
                    delta = (self.weights[l].T @ delta) * (1.0 - activations[l] ** 2)
        for w, b, nw, nb in zip(self.weights, self.biases, nabla_w, nabla_b, strict=True):
            w -= self.rate / self.batch * nw
            b -= self.rate / self.batch * nb


class TightStep:
    """The fastest plain NumPy can go, the reference issue 13 sets the fast path against: one
    flat buffer of parameters and one of gradients with a view per layer, work arrays made
    once, and every operation writing ``out=`` into them, so a step allocates nothing."""

    def __init__(self, trainer: Trainer) -> None:
        net = trainer.network
        sizes, batch = net.sizes, trainer.batch_size
        self.params = net.params.copy()
        self.grads = np.zeros_like(self.params)
        self.W, self.b = (list(views) for views in zip(*split_flat(self.params, sizes)))
        self.dW, self.db = (list(views) for views in zip(*split_flat(self.grads, sizes)))
        self.a = [np.empty((n, batch)) for n in sizes]  # a^0 (the batch) … a^L
        self.z = [np.empty((n, batch)) for n in sizes[1:]]
        self.delta = [np.empty((n, batch)) for n in sizes[1:]]
        self.slope = [np.empty((n, batch)) for n in sizes[1:]]
        self.y = np.empty((sizes[-1], batch))
        self.softmax = sizes[-1] > 1
        self.x_all, self.y_all = trainer.data.x_train, trainer.data.y_train
        self.batch, self.rate, self.cursor = batch, trainer.optimizer.learning_rate, 0

    def output(self, z: Array, out: Array) -> None:
        if self.softmax:
            np.subtract(z, z.max(axis=0), out=out)
            np.exp(out, out=out)
            out /= out.sum(axis=0)
        else:
            np.negative(z, out=out)
            np.exp(out, out=out)
            out += 1.0
            np.reciprocal(out, out=out)

    def step(self) -> None:
        cols = next_columns(self, self.x_all.shape[1])
        np.copyto(self.a[0], self.x_all[:, cols])
        np.copyto(self.y, self.y_all[:, cols])
        last = len(self.z) - 1
        for l in range(last + 1):
            np.matmul(self.W[l], self.a[l], out=self.z[l])
            self.z[l] += self.b[l]
            if l < last:
                np.tanh(self.z[l], out=self.a[l + 1])
            else:
                self.output(self.z[l], self.a[l + 1])
        np.subtract(self.a[-1], self.y, out=self.delta[last])  # cross-entropy on its own output
        self.delta[last] /= self.batch
        for l in range(last, -1, -1):
            np.matmul(self.delta[l], self.a[l].T, out=self.dW[l])
            np.sum(self.delta[l], axis=1, keepdims=True, out=self.db[l])
            if l > 0:
                np.matmul(self.W[l].T, self.delta[l], out=self.delta[l - 1])
                np.multiply(self.a[l], self.a[l], out=self.slope[l - 1])  # tanh' = 1 − a²
                np.subtract(1.0, self.slope[l - 1], out=self.slope[l - 1])
                self.delta[l - 1] *= self.slope[l - 1]
        self.grads *= self.rate
        self.params -= self.grads


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def torch_step(trainer: Trainer) -> Callable[[], None]:
    """One SGD update of the same network in PyTorch (float64, one thread), per call."""
    import torch  # type: ignore[import-not-found, unused-ignore]

    torch.set_num_threads(1)
    net = trainer.network
    layers: list[torch.nn.Module] = []
    for i, layer in enumerate(net.layers):
        linear = torch.nn.Linear(layer.W.shape[1], layer.W.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.W))
            linear.bias.copy_(torch.from_numpy(layer.b[:, 0]))
        layers.append(linear)
        if i < net.depth - 1:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    softmax = net.sizes[-1] > 1
    loss_fn = torch.nn.CrossEntropyLoss() if softmax else torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=trainer.optimizer.learning_rate)
    x = torch.from_numpy(np.ascontiguousarray(trainer.data.x_train.T))
    y_np = trainer.data.y_train
    y = torch.from_numpy(y_np.argmax(axis=0)) if softmax else torch.from_numpy(y_np[0])
    batch, n = trainer.batch_size, x.shape[0]
    cursor = [0]

    def step() -> None:
        if cursor[0] + batch > n:
            cursor[0] = 0
        rows = slice(cursor[0], cursor[0] + batch)
        cursor[0] += batch
        optimizer.zero_grad()
        out = model(x[rows])
        loss = loss_fn(out, y[rows]) if softmax else loss_fn(out[:, 0], y[rows])
        loss.backward()
        optimizer.step()

    return step
