"""The engines the bench compares with the project's: a naive per-example loop, and PyTorch.

Both train the bench's shapes (bench/__main__.py ``shape_trainer``: tanh hidden layers, a sigmoid
or softmax output with cross-entropy, plain gradient descent) from the same starting weights,
one mini-batch per call, so that their updates per second compare with Trainer.step's.
"""

import importlib.util
from collections.abc import Callable

import numpy as np

from app.engine.trainer import Trainer

Array = np.ndarray


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
        n = self.x.shape[1]
        if self.cursor + self.batch > n:
            self.cursor = 0
        cols = range(self.cursor, self.cursor + self.batch)
        self.cursor += self.batch
        nabla_w = [np.zeros_like(w) for w in self.weights]
        nabla_b = [np.zeros_like(b) for b in self.biases]
        last = len(self.weights) - 1
        for k in cols:
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
