"""A dense feed-forward network whose forward and backward passes keep every z, a and δ.

Conventions follow the equations: layer l = 1..L maps a^(l-1) to a^l, a^0 is the input x, and
arrays hold one example per column, so a^l has shape [n_l, m]. ``layers[l - 1]`` is layer l.
All parameters live in one flat buffer (``params``) of which each W^l and b^l is a view: the
optimizer then updates everything in one NumPy call, and the gradient check can walk it.
"""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from app.engine.activations import Activation
from app.engine.initializers import INITIALIZERS, InitializerName
from app.engine.losses import Loss
from app.engine.regularization import NO_REGULARIZATION, Regularizer

Array = np.ndarray
F = TypeVar("F", bound=Callable[..., Any])


def tolerates_divergence(fn: F) -> F:
    """Overflow and NaN are an outcome here (too large a learning rate), detected by the caller
    and reported as "diverged", not a warning on the server's console."""

    @functools.wraps(fn)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args, **kwargs)

    return quiet  # type: ignore[return-value]


@dataclass
class Layer:
    W: Array  # W^l, shape [n_l, n_(l-1)]; a view into Network.params
    b: Array  # b^l, shape [n_l, 1]
    activation: Activation


@dataclass
class LayerTrace:
    """What the forward pass computed at layer l, kept because backprop needs it."""

    a_in: Array  # a^(l-1)
    z: Array  # z^l = W^l a^(l-1) + b^l
    a: Array  # a^l = σ(z^l)


@dataclass
class LayerGrad:
    """What the backward pass computed at layer l."""

    delta: Array  # δ^l = ∂C_x/∂z^l for each example x
    dW: Array  # ∂C/∂W^l, a view into Gradients.flat
    db: Array  # ∂C/∂b^l


@dataclass
class Gradients:
    layers: list[LayerGrad]  # layers[l - 1] is layer l
    flat: Array  # every ∂C/∂θ, in the layout of Network.params


def parameter_shapes(sizes: Sequence[int]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return [((n_out, n_in), (n_out, 1)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def split_flat(flat: Array, sizes: Sequence[int]) -> list[tuple[Array, Array]]:
    """Views (W^l, b^l) into a flat buffer laid out layer by layer, W before b."""
    views, offset = [], 0
    for w_shape, b_shape in parameter_shapes(sizes):
        w_end = offset + w_shape[0] * w_shape[1]
        b_end = w_end + b_shape[0]
        views.append((flat[offset:w_end].reshape(w_shape), flat[w_end:b_end].reshape(b_shape)))
        offset = b_end
    return views


def split_layers(buffer: Array, sizes: Sequence[int], m: int) -> list[Array]:
    """Views [n_l, m] into a buffer holding one block per layer l = 0..L, one after another,
    as the compiled kernel keeps every layer's z, a or δ."""
    views, offset = [], 0
    for n in sizes:
        views.append(buffer[offset:offset + n * m].reshape(n, m))
        offset += n * m
    return views


def parameter_count(sizes: Sequence[int]) -> int:
    return sum(w[0] * w[1] + b[0] for w, b in parameter_shapes(sizes))


class Network:
    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[Activation],
        rng: np.random.Generator,
        init: InitializerName = "xavier",
    ) -> None:
        """``init`` defaults to Xavier, the scale derived for tanh, the playground's usual hidden
        unit: over 8 seeds of a 2-8-8-1 tanh net (η = 0.03, batch 10) it reached the lowest
        training loss after 1000 steps on xor and circle, ahead of He (derived for ReLU) and of
        N(0, 1/n_in), and tied with them on gaussians."""
        if len(sizes) < 2 or len(activations) != len(sizes) - 1:
            raise ValueError("need one activation per layer after the input")
        if not all(act.elementwise for act in activations[:-1]):
            raise ValueError("an activation that couples its neurons can only be the output")
        self.sizes = tuple(int(n) for n in sizes)
        self.init = init
        self.params = np.empty(parameter_count(self.sizes))
        self.layers = [
            Layer(W, b, act) for (W, b), act in zip(split_flat(self.params, self.sizes), activations)
        ]
        self.initialize(rng)

    def initialize(self, rng: np.random.Generator) -> None:
        for layer in self.layers:
            layer.W[...] = INITIALIZERS[self.init](layer.W.shape, rng)
            layer.b[...] = 0.0

    @property
    def depth(self) -> int:
        return len(self.layers)

    def forward(self, x: Array) -> list[LayerTrace]:
        """Every layer's z and a, in x's precision: float32 input (the maps of the plane) runs
        several times faster than float64 and loses nothing visible."""
        traces = []
        a = x
        same = x.dtype == self.params.dtype  # training: no casts on the hot path
        for layer in self.layers:
            W, b = (layer.W, layer.b) if same else (layer.W.astype(x.dtype), layer.b.astype(x.dtype))
            z = W @ a + b  # z^l = W^l a^(l-1) + b^l
            traces.append(LayerTrace(a_in=a, z=z, a=layer.activation.f(z)))  # a^l = σ(z^l)
            a = traces[-1].a
        return traces

    @tolerates_divergence
    def predict(self, x: Array) -> Array:
        """The output a^L."""
        return self.forward(x)[-1].a

    def outputs(self, x: Array) -> list[Array]:
        """a^0 … a^L for many inputs at once (the per-neuron maps are one such pass)."""
        return [x, *(trace.a for trace in self.forward(x))]

    def backward(
        self,
        traces: list[LayerTrace],
        y: Array,
        loss: Loss,
        regularizer: Regularizer = NO_REGULARIZATION,
    ) -> Gradients:
        """The four backprop equations, from the output layer L down to layer 1. A weight
        penalty does not touch δ: it only adds its own ∂/∂W^l to BP4."""
        m = y.shape[1]
        flat = np.empty_like(self.params)
        views = split_flat(flat, self.sizes)
        grads: list[LayerGrad] = []
        for l in range(self.depth, 0, -1):
            layer, trace = self.layers[l - 1], traces[l - 1]
            if l == self.depth:
                delta = loss.output_delta(trace.z, trace.a, y, layer.activation)  # BP1
            else:
                upper = self.layers[l]
                delta = (upper.W.T @ delta) * layer.activation.df(trace.z)  # BP2
            dW, db = views[l - 1]
            # Summed over the batch's examples and divided by m, since C is their mean; sum
            # with out= is three times faster than mean, and fills the flat buffer directly.
            delta.sum(axis=1, keepdims=True, out=db)  # BP3: ∂C/∂b^l = δ^l
            np.matmul(delta, trace.a_in.T, out=dW)  # BP4: ∂C/∂W^l = δ^l (a^(l-1))ᵀ
            db /= m
            dW /= m
            regularizer.add_gradient(layer.W, dW)
            grads.append(LayerGrad(delta=delta, dW=dW, db=db))
        grads.reverse()
        return Gradients(layers=grads, flat=flat)

    def penalty(self, regularizer: Regularizer) -> float:
        return regularizer.penalty(layer.W for layer in self.layers)

    def cost(
        self, x: Array, y: Array, loss: Loss, regularizer: Regularizer = NO_REGULARIZATION
    ) -> float:
        """The C that training minimises: the data loss plus the weight penalty."""
        return self.data_loss(self.forward(x)[-1], y, loss) + self.penalty(regularizer)

    @tolerates_divergence
    def data_loss(self, top: LayerTrace, y: Array, loss: Loss) -> float:
        """C of the output layer's trace: from z where the loss is exact that way."""
        return loss.cost(top.z, top.a, y, self.layers[-1].activation)

    def gradient(
        self, x: Array, y: Array, loss: Loss, regularizer: Regularizer = NO_REGULARIZATION
    ) -> Array:
        """∂C/∂θ for every parameter θ, flat, in the layout of ``params``."""
        return self.backward(self.forward(x), y, loss, regularizer).flat
