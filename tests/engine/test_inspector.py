"""The inspector's numbers are the engine's own, and they add up the way the equations say."""

from typing import get_args

import numpy as np
import pytest

from app.engine.activations import HiddenActivationName, get_activation
from app.engine.inspector import explain_neuron, explain_weight
from app.engine.losses import get_loss
from app.engine.network import Network, split_flat
from app.engine.optimizers import GradientDescent
from app.engine.regularization import NO_REGULARIZATION
from app.engine.trainer import TracedBatch

HIDDEN = sorted(get_args(HiddenActivationName))
# Every output activation with mse, and the one pair where σ' cancels (δ = a − y).
OUTPUT_LOSS_PAIRS = [("sigmoid", "mse"), ("tanh", "mse"), ("relu", "mse"), ("linear", "mse"),
                     ("sigmoid", "binary_cross_entropy")]
M = 5


def make_step(hidden="tanh", output="sigmoid", loss="binary_cross_entropy", sizes=(2, 3, 4, 2), seed=3):
    """A 2-3-4-2 network with random weights and biases, traced on a batch of five examples."""
    rng = np.random.default_rng(seed)
    depth = len(sizes) - 1
    net = Network(sizes, [get_activation(hidden)] * (depth - 1) + [get_activation(output)], rng)
    net.params[:] = rng.normal(0.0, 0.7, net.params.size)  # random biases keep ReLU off its kink
    x = rng.normal(size=(sizes[0], M))
    y = rng.integers(0, 2, (sizes[-1], M)).astype(float)
    traces = net.forward(x)
    grads = net.backward(traces, y, get_loss(loss))
    step = TracedBatch(np.arange(M), x, y, traces, grads, get_loss(loss).value(traces[-1].a, y))
    return net, step, get_loss(loss)


def neurons(net: Network, layers=None):
    """(layer, index, example) for every neuron of the given layers and every example."""
    layers = range(1, net.depth + 1) if layers is None else layers
    return [(l, k, e) for l in layers for k in range(net.sizes[l]) for e in range(M)]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_forward_terms_are_the_traced_numbers_and_add_up_to_z(hidden):
    net, step, loss = make_step(hidden)
    for l, k, e in neurons(net):
        trace, layer = step.traces[l - 1], net.layers[l - 1]
        f = explain_neuron(net, step, loss, l, k, e).forward
        assert np.array_equal(f.weights, layer.W[k])
        assert np.array_equal(f.inputs, trace.a_in[:, e])
        assert np.array_equal(f.products, layer.W[k] * trace.a_in[:, e])
        assert (f.bias, f.z, f.a) == (layer.b[k, 0], trace.z[k, e], trace.a[k, e])
        assert f.activation == layer.activation.name
        assert sum(f.products) + f.bias == pytest.approx(f.z, rel=1e-12, abs=1e-12)
        assert layer.activation.f(np.array([f.z]))[0] == f.a


@pytest.mark.parametrize("hidden", HIDDEN)
def test_hidden_delta_is_the_upstream_sum_times_sigma_prime(hidden):
    net, step, loss = make_step(hidden)
    for l, k, e in neurons(net, range(1, net.depth)):
        b = explain_neuron(net, step, loss, l, k, e).backward
        upper_w, upper_delta = net.layers[l].W[:, k], step.grads.layers[l].delta[:, e]
        assert b.delta == step.grads.layers[l - 1].delta[k, e]
        assert b.sigma_prime == get_activation(hidden).df(step.traces[l - 1].z[k : k + 1, e])[0]
        assert np.array_equal(b.upstream_weights, upper_w)
        assert np.array_equal(b.upstream_deltas, upper_delta)
        assert np.array_equal(b.upstream_products, upper_w * upper_delta)
        assert b.upstream_sum == pytest.approx(float((upper_w * upper_delta).sum()), rel=1e-12)
        assert b.upstream_sum * b.sigma_prime == pytest.approx(b.delta, rel=1e-12, abs=1e-15)
        # Only the output layer has a target and ∂C/∂a.
        assert (b.target, b.dC_da, b.fused) == (None, None, False)


@pytest.mark.parametrize("output, loss_name", OUTPUT_LOSS_PAIRS)
def test_output_delta_comes_from_the_loss(output, loss_name):
    net, step, loss = make_step("tanh", output, loss_name)
    top = step.traces[-1]
    fused = loss_name == "binary_cross_entropy"
    for l, k, e in neurons(net, [net.depth]):
        b = explain_neuron(net, step, loss, l, k, e).backward
        a, y = top.a[k, e], step.y[k, e]
        assert b.delta == step.grads.layers[-1].delta[k, e]
        assert b.target == y
        assert b.sigma_prime == get_activation(output).df(top.z[k : k + 1, e])[0]
        assert b.fused is fused
        assert b.upstream_weights is None and b.upstream_sum is None
        if fused:
            assert b.delta == a - y  # exactly: σ' cancels against ∂C/∂a
            assert b.dC_da == pytest.approx((a - y) / (a * (1 - a)), rel=1e-12)
            # The unfused product is the same number, up to rounding.
            assert b.dC_da * b.sigma_prime == pytest.approx(b.delta, rel=1e-9, abs=1e-12)
        else:
            assert b.dC_da == a - y  # ∂C/∂a of ½(a − y)²
            assert b.delta == b.dC_da * b.sigma_prime


def test_the_bias_gradient_is_the_batch_mean_of_the_explained_deltas():
    net, step, loss = make_step()
    for l in range(1, net.depth + 1):
        for k in range(net.sizes[l]):
            deltas = [explain_neuron(net, step, loss, l, k, e).backward.delta for e in range(M)]
            assert np.mean(deltas) == pytest.approx(step.grads.layers[l - 1].db[k, 0], rel=1e-12)


def test_an_explanation_keeps_its_numbers_when_the_weights_change():
    net, step, loss = make_step()
    explained = explain_neuron(net, step, loss, 1, 0, 0)
    weights = np.array(explained.forward.weights)
    upstream = np.array(explained.backward.upstream_weights)
    net.params[:] += 1.0
    assert np.array_equal(explained.forward.weights, weights)
    assert np.array_equal(explained.backward.upstream_weights, upstream)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_a_weights_gradient_is_a_in_times_delta_and_the_update_uses_the_batch_mean(hidden):
    net, step, loss = make_step(hidden)
    optimizer = GradientDescent(0.3)
    after = optimizer.preview(net.params, step.grads.flat)
    for l in range(1, net.depth + 1):
        trace, grad = step.traces[l - 1], step.grads.layers[l - 1]
        for k in range(net.sizes[l]):
            for j in range(net.sizes[l - 1]):
                per_example = [explain_weight(net, step, after, l, k, j, e, GradientDescent(0.3),
                                              NO_REGULARIZATION) for e in range(M)]
                for e, w in enumerate(per_example):
                    assert (w.layer, w.index, w.source, w.examples, w.learning_rate) == (l, k, j, M, 0.3)
                    assert (w.a_in, w.delta) == (trace.a_in[j, e], grad.delta[k, e])
                    assert w.gradient == w.a_in * w.delta
                    assert w.weight == net.layers[l - 1].W[k, j]
                w = per_example[0]
                assert w.batch_gradient == grad.dW[k, j]
                assert w.batch_gradient == pytest.approx(
                    np.mean([p.gradient for p in per_example]), rel=1e-12, abs=1e-15)
                assert w.weight_after == w.weight - 0.3 * w.batch_gradient


def test_weight_after_is_what_the_optimizer_then_does():
    net, step, loss = make_step()
    optimizer = GradientDescent(0.5)
    after = optimizer.preview(net.params, step.grads.flat)
    explained = explain_weight(net, step, after, 2, 3, 1, 0, GradientDescent(0.5), NO_REGULARIZATION)
    optimizer.step(net.params, step.grads.flat)
    assert explained.weight_after == net.layers[1].W[3, 1]
    assert explained.weight != explained.weight_after


@pytest.mark.parametrize("layer, index, message", [
    (0, 0, "layers are numbered 1 to 3"),
    (4, 0, "layers are numbered 1 to 3"),
    (-1, 0, "layers are numbered 1 to 3"),
    (1, 3, "layer 1 has no neuron 3"),
    (2, 4, "layer 2 has no neuron 4"),
    (3, 2, "layer 3 has no neuron 2"),
    (1, -1, "layer 1 has no neuron -1"),
])
def test_a_neuron_or_weight_that_does_not_exist_is_an_index_error(layer, index, message):
    net, step, loss = make_step()
    with pytest.raises(IndexError, match=f"^{message}$"):
        explain_neuron(net, step, loss, layer, index, 0)
    with pytest.raises(IndexError, match=f"^{message}$"):
        explain_weight(net, step, net.params, layer, index, 0, 0, GradientDescent(0.1), NO_REGULARIZATION)


@pytest.mark.parametrize("layer, source, message", [
    (1, 2, "layer 0 has no neuron 2"),
    (2, 3, "layer 1 has no neuron 3"),
    (3, -1, "layer 2 has no neuron -1"),
])
def test_a_weight_from_a_neuron_that_does_not_exist_is_an_index_error(layer, source, message):
    net, step, _ = make_step()
    with pytest.raises(IndexError, match=f"^{message}$"):
        explain_weight(net, step, net.params, layer, 0, source, 0, GradientDescent(0.1), NO_REGULARIZATION)


def test_weight_after_is_read_from_the_given_buffer_in_the_params_layout():
    net, step, _ = make_step()
    buffer = np.arange(net.params.size, dtype=float)
    for l, (W, _) in enumerate(split_flat(buffer, net.sizes), start=1):
        explained = explain_weight(net, step, buffer, l, 1, 1, 0, GradientDescent(0.1), NO_REGULARIZATION)
        assert explained.weight_after == W[1, 1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_outputs_are_the_forward_pass_for_every_layer(dtype):
    net, step, _ = make_step("relu")
    outputs = net.outputs(step.x.astype(dtype))
    assert len(outputs) == net.depth + 1
    assert all(out.dtype == dtype for out in outputs)
    assert np.array_equal(outputs[0], step.x.astype(dtype))
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    for out, trace in zip(outputs[1:], step.traces):
        assert np.allclose(out, trace.a, rtol=tolerance, atol=tolerance)
    assert np.array_equal(outputs[-1], net.predict(step.x.astype(dtype)))


def test_other_optimizers_report_their_own_step_and_the_penalty_apart():
    from app.engine.optimizers import Momentum
    from app.engine.regularization import Regularizer

    net, step, _ = make_step()
    regularizer = Regularizer("l2", 0.1)
    optimizer = Momentum(0.2, beta=0.5)
    optimizer.step(net.params.copy(), np.ones_like(net.params))  # some velocity to carry on
    after = optimizer.preview(net.params, step.grads.flat)
    explained = explain_weight(net, step, after, 1, 1, 0, 0, optimizer, regularizer)
    w = net.layers[0].W[1, 0]
    assert explained.optimizer == "momentum"
    assert explained.update == pytest.approx(split_flat(after, net.sizes)[0][0][1, 0] - w)
    assert explained.update != pytest.approx(-0.2 * explained.batch_gradient)  # momentum adds v
    assert explained.penalty_gradient == pytest.approx(0.1 * w)


def softmax_step(loss_name: str):
    rng = np.random.default_rng(5)
    net = Network([2, 3, 3], [get_activation("tanh"), get_activation("softmax")], rng)
    x = rng.normal(size=(2, 4))
    y = np.eye(3)[:, rng.integers(0, 3, 4)]
    loss = get_loss(loss_name)
    traces = net.forward(x)
    grads = net.backward(traces, y, loss)
    return net, TracedBatch(np.arange(4), x, y, traces, grads, net.data_loss(traces[-1], y, loss)), loss


def test_a_softmax_neuron_shows_every_z_of_its_layer_and_they_give_its_a():
    net, step, loss = softmax_step("categorical_cross_entropy")
    explained = explain_neuron(net, step, loss, 2, 1, 2)
    zs = np.array(explained.forward.layer_z)
    assert np.array_equal(zs, step.traces[1].z[:, 2])
    assert explained.forward.a == pytest.approx(np.exp(zs[1]) / np.exp(zs).sum(), rel=1e-12)
    assert explained.backward.fused and explained.backward.coupled_sum is None
    assert explain_neuron(net, step, loss, 1, 0, 2).forward.layer_z is None  # tanh: its own z


def test_softmax_with_another_loss_gives_the_jacobian_free_bp1():
    """δ_k = a_k (∂C/∂a_k − Σ_i a_i ∂C/∂a_i): the terms shown add up to the engine's δ."""
    net, step, loss = softmax_step("mse")
    for k in range(3):
        b = explain_neuron(net, step, loss, 2, k, 1).backward
        a = step.traces[1].a[k, 1]
        assert b.delta == pytest.approx(a * (b.dC_da - b.coupled_sum), rel=1e-12)
