"""The numbers behind one neuron or one weight, combined the way the equations combine them.

The page shows these with every term substituted, so that a learner can redo the arithmetic by
hand; they are taken from the engine's own forward trace and backward gradients (never
recomputed elsewhere), for one example: column ``example`` of a traced batch. The shapes are
plain numbers and tuples, so that they travel over the wire as they are.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.engine.activations import Activation
from app.engine.losses import Loss
from app.engine.network import Network, split_flat
from app.engine.optimizers import OPTIMIZERS, Optimizer
from app.engine.regularization import Regularizer
from app.engine.trainer import TracedBatch

Array = np.ndarray
OPTIMIZER_NAMES = {cls: name for name, cls in OPTIMIZERS.items()}


@dataclass(frozen=True)
class Forward:
    """z = Σ_k w_k a_k + b, then a = σ(z)."""

    weights: tuple[float, ...]  # w_k: row ``index`` of W^l
    inputs: tuple[float, ...]  # a_k: a^(l-1) of the example
    products: tuple[float, ...]  # w_k a_k
    bias: float
    z: float
    a: float
    activation: str
    # Every z of the layer, where σ couples them (softmax: a_k = e^z_k / Σ_i e^z_i).
    layer_z: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Backward:
    """δ = ∂C/∂z: from the loss at the output layer (BP1), from the layer above elsewhere (BP2)."""

    delta: float
    sigma_prime: float | None  # σ'(z); None where σ is not elementwise (softmax)
    # Output layer: the target, ∂C/∂a, and whether δ = a − y exactly (σ' cancels against ∂C/∂a).
    target: float | None = None
    dC_da: float | None = None
    fused: bool = False
    # Softmax without its own loss: δ_k = a_k (∂C/∂a_k − Σ_i a_i ∂C/∂a_i); this is the Σ.
    coupled_sum: float | None = None
    # Hidden layer: w_jk and δ_j of every neuron j of layer l + 1, their products and sum.
    upstream_weights: tuple[float, ...] | None = None
    upstream_deltas: tuple[float, ...] | None = None
    upstream_products: tuple[float, ...] | None = None
    upstream_sum: float | None = None


@dataclass(frozen=True)
class NeuronExplanation:
    layer: int
    index: int
    forward: Forward
    backward: Backward  # ∂C/∂b = δ (BP3), so the bias gradient is backward.delta
    kind: Literal["neuron"] = "neuron"


@dataclass(frozen=True)
class WeightExplanation:
    """∂C/∂w_kj = a_j^(l-1) δ_k^l for one example (BP4); the update uses the batch mean."""

    layer: int
    index: int  # k, the neuron of layer l the weight feeds
    source: int  # j, the neuron of layer l − 1 it comes from
    weight: float
    a_in: float
    delta: float
    gradient: float  # a_in · δ for this example
    batch_gradient: float  # the mean over the batch, plus the penalty's: what the update uses
    penalty_gradient: float  # λ ∂R/∂w, the regularization's part of batch_gradient
    examples: int
    learning_rate: float  # η of the coming update, after any decay
    optimizer: str
    weight_after: float  # after the optimizer's next update with this gradient
    update: float  # Δw = weight_after − weight
    kind: Literal["weight"] = "weight"


def explain_neuron(
    network: Network, batch: TracedBatch, loss: Loss, layer: int, index: int, example: int
) -> NeuronExplanation:
    check_neuron(network, layer, index)
    trace, grad = batch.traces[layer - 1], batch.grads.layers[layer - 1]
    unit = network.layers[layer - 1]
    weights, inputs = unit.W[index], trace.a_in[:, example]
    z = trace.z[:, example]
    coupled = not unit.activation.elementwise
    forward = Forward(weights=numbers(weights), inputs=numbers(inputs),
                      products=numbers(weights * inputs), layer_z=numbers(z) if coupled else None,
                      bias=float(unit.b[index, 0]), z=float(z[index]),
                      a=float(trace.a[index, example]), activation=unit.activation.name)
    delta = float(grad.delta[index, example])
    sigma_prime = _sigma_prime(unit.activation, z, index)
    if layer == network.depth:
        y, a = batch.y[:, example : example + 1], trace.a[:, example : example + 1]
        grad_a = loss.grad_a(a, y)
        fused = unit.activation.name == loss.fused_with
        backward = Backward(delta=delta, sigma_prime=sigma_prime, target=float(y[index, 0]),
                            dC_da=float(grad_a[index, 0]), fused=fused,
                            coupled_sum=float((a * grad_a).sum()) if coupled and not fused
                            else None)
    else:
        upper_w = network.layers[layer].W[:, index]
        upper_delta = batch.grads.layers[layer].delta[:, example]
        products = upper_w * upper_delta
        backward = Backward(delta=delta, sigma_prime=sigma_prime, upstream_weights=numbers(upper_w),
                            upstream_deltas=numbers(upper_delta), upstream_products=numbers(products),
                            upstream_sum=float(products.sum()))
    return NeuronExplanation(layer=layer, index=index, forward=forward, backward=backward)


def explain_weight(
    network: Network, batch: TracedBatch, params_after: Array, layer: int, index: int, source: int,
    example: int, optimizer: Optimizer, regularizer: Regularizer, update: TracedBatch | None = None,
) -> WeightExplanation:
    """``params_after`` is the parameter buffer the optimizer's next update would produce from
    ``update``, the examples it averages over (by default ``batch`` itself)."""
    update = batch if update is None else update
    check_neuron(network, layer, index)
    if not 0 <= source < network.sizes[layer - 1]:
        raise IndexError(f"layer {layer - 1} has no neuron {source}")
    trace, grad = batch.traces[layer - 1], batch.grads.layers[layer - 1]
    a_in, delta = float(trace.a_in[source, example]), float(grad.delta[index, example])
    after = split_flat(params_after, network.sizes)[layer - 1][0]
    W = network.layers[layer - 1].W
    penalty = np.zeros((1, 1))
    regularizer.add_gradient(W[index : index + 1, source : source + 1], penalty)
    return WeightExplanation(
        layer=layer, index=index, source=source, weight=float(W[index, source]),
        a_in=a_in, delta=delta, gradient=a_in * delta,
        batch_gradient=float(update.grads.layers[layer - 1].dW[index, source]),
        penalty_gradient=float(penalty[0, 0]), examples=update.y.shape[1],
        learning_rate=optimizer.current_learning_rate, optimizer=OPTIMIZER_NAMES[type(optimizer)],
        weight_after=float(after[index, source]),
        update=float(after[index, source] - W[index, source]))


def check_neuron(network: Network, layer: int, index: int) -> None:
    if not 1 <= layer <= network.depth:
        raise IndexError(f"layers are numbered 1 to {network.depth}")
    if not 0 <= index < network.sizes[layer]:
        raise IndexError(f"layer {layer} has no neuron {index}")


def numbers(values: Array) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _sigma_prime(activation: Activation, z: Array, index: int) -> float | None:
    if not activation.elementwise:
        return None
    return float(activation.df(z[index : index + 1])[0])
