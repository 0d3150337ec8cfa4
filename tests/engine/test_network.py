import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.losses import get_loss
from app.engine.network import Network, parameter_count, split_flat
from app.engine.regularization import Regularizer

tanh, sigmoid, linear = (get_activation(n) for n in ("tanh", "sigmoid", "linear"))
BCE = get_loss("binary_cross_entropy")


def small_net(output=sigmoid):
    """2-3-2 with random weights and biases, and a batch of four examples."""
    rng = np.random.default_rng(7)
    net = Network([2, 3, 2], [tanh, output], rng)
    net.params[:] = rng.normal(0.0, 0.8, net.params.size)
    return net, rng.normal(size=(2, 4)), rng.integers(0, 2, (2, 4)).astype(float)


def test_layer_shapes_follow_the_sizes():
    net = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(0))
    assert [(layer.W.shape, layer.b.shape) for layer in net.layers] == [((3, 2), (3, 1)), ((1, 3), (1, 1))]
    assert net.depth == 2
    assert parameter_count(net.sizes) == net.params.size == 13


def test_one_activation_per_layer_after_the_input_is_required():
    with pytest.raises(ValueError, match="one activation per layer"):
        Network([2, 3, 1], [tanh], np.random.default_rng(0))


def test_softmax_is_refused_below_the_output_layer():
    softmax = get_activation("softmax")
    with pytest.raises(ValueError, match="only be the output"):
        Network([2, 3, 2], [softmax, softmax], np.random.default_rng(0))
    assert Network([2, 3, 2], [tanh, softmax], np.random.default_rng(0)).depth == 2


def test_initial_biases_are_zero_and_weights_come_from_the_generator():
    net = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(5))
    again = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(5))
    assert all(not layer.b.any() for layer in net.layers)
    assert np.array_equal(net.params, again.params)


def test_weights_start_xavier_unless_told_otherwise():
    net = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(5))
    he = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(5), init="he")
    zeros = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(5), init="zeros")
    assert net.init == "xavier" and np.abs(net.layers[0].W).max() <= np.sqrt(6 / 5)
    assert not np.array_equal(he.params, net.params)
    assert not zeros.params.any()


def test_weights_and_biases_are_views_into_params():
    net = Network([2, 3, 1], [tanh, sigmoid], np.random.default_rng(0))
    net.params[:] = np.arange(13.0)
    assert np.array_equal(net.layers[0].W, [[0, 1], [2, 3], [4, 5]])
    assert np.array_equal(net.layers[0].b, [[6], [7], [8]])
    assert np.array_equal(net.layers[1].W, [[9, 10, 11]])
    assert np.array_equal(net.layers[1].b, [[12]])
    net.layers[1].b[0, 0] = -1.0
    assert net.params[12] == -1.0


def test_forward_keeps_a_in_z_and_a_for_every_layer():
    net, x, _ = small_net()
    traces = net.forward(x)
    assert traces[0].a_in is x
    for layer, trace, below in zip(net.layers, traces, [None, *traces]):
        if below is not None:
            assert trace.a_in is below.a
        assert np.allclose(trace.z, layer.W @ trace.a_in + layer.b)
        assert np.array_equal(trace.a, layer.activation.f(trace.z))
    assert np.array_equal(net.predict(x), traces[-1].a)


def test_backprop_by_hand_on_a_chain_of_two_linear_neurons():
    # x = 1, y = 0; z¹ = 2·1 + 0 = 2; z² = 3·2 + 1 = 7; δ² = a² − y = 7; δ¹ = 3·7 = 21.
    net = Network([1, 1, 1], [linear, linear], np.random.default_rng(0))
    net.params[:] = [2.0, 0.0, 3.0, 1.0]
    traces = net.forward(np.array([[1.0]]))
    grads = net.backward(traces, np.array([[0.0]]), get_loss("mse"))
    assert [g.delta.item() for g in grads.layers] == [21.0, 7.0]
    assert [g.dW.item() for g in grads.layers] == [21.0, 14.0]  # BP4: δ a_in
    assert [g.db.item() for g in grads.layers] == [21.0, 7.0]  # BP3: δ
    assert np.array_equal(grads.flat, [21.0, 21.0, 14.0, 7.0])


def test_bp3_bp4_average_over_the_batch():
    # Two examples x = 1 and x = 3 through z = 2x + 1, y = 0: δ = z = (3, 7).
    net = Network([1, 1], [linear], np.random.default_rng(0))
    net.params[:] = [2.0, 1.0]
    grads = net.backward(net.forward(np.array([[1.0, 3.0]])), np.array([[0.0, 0.0]]), get_loss("mse"))
    assert np.array_equal(grads.layers[0].delta, [[3.0, 7.0]])
    assert grads.layers[0].db.item() == 5.0  # (3 + 7) / 2
    assert grads.layers[0].dW.item() == 12.0  # (3·1 + 7·3) / 2


@pytest.mark.parametrize("output, loss", [(tanh, "mse"), (sigmoid, "binary_cross_entropy")])
def test_bp1_output_delta(output, loss):
    net, x, y = small_net(output)
    traces = net.forward(x)
    top = traces[-1]
    delta = net.backward(traces, y, get_loss(loss)).layers[-1].delta
    assert np.allclose(delta, get_loss(loss).grad_a(top.a, y) * output.df(top.z), rtol=1e-12)


def test_bp2_hidden_delta_comes_back_through_the_transposed_weights():
    net, x, y = small_net()
    traces = net.forward(x)
    grads = net.backward(traces, y, BCE)
    expected = (net.layers[1].W.T @ grads.layers[1].delta) * tanh.df(traces[0].z)
    assert np.allclose(grads.layers[0].delta, expected, rtol=1e-12)


def test_bp3_bp4_for_every_layer():
    net, x, y = small_net()
    traces = net.forward(x)
    for trace, grad in zip(traces, net.backward(traces, y, BCE).layers):
        assert np.allclose(grad.db, grad.delta.mean(axis=1, keepdims=True), rtol=1e-12)
        assert np.allclose(grad.dW, grad.delta @ trace.a_in.T / x.shape[1], rtol=1e-12)


def test_flat_gradient_is_laid_out_like_params_and_the_layers_view_it():
    net, x, y = small_net()
    grads = net.backward(net.forward(x), y, BCE)
    for grad, (dW, db) in zip(grads.layers, split_flat(grads.flat, net.sizes)):
        assert np.array_equal(grad.dW, dW) and np.shares_memory(grad.dW, grads.flat)
        assert np.array_equal(grad.db, db) and np.shares_memory(grad.db, grads.flat)
    assert np.array_equal(net.gradient(x, y, BCE), grads.flat)


def test_cost_is_the_loss_of_the_prediction():
    net, x, y = small_net()
    assert net.cost(x, y, BCE) == BCE.value(net.predict(x), y)


def test_a_penalty_adds_to_the_cost_and_to_the_weight_gradients_only():
    net, x, y = small_net()
    loss, l2 = BCE, Regularizer("l2", 0.1)
    weights = [layer.W for layer in net.layers]
    assert net.penalty(l2) == pytest.approx(0.05 * sum(np.sum(W**2) for W in weights))
    assert net.cost(x, y, loss, l2) == pytest.approx(net.cost(x, y, loss) + net.penalty(l2))
    plain = net.backward(net.forward(x), y, loss)
    penalised = net.backward(net.forward(x), y, loss, l2)
    for layer, p, q in zip(net.layers, plain.layers, penalised.layers):
        assert np.allclose(q.dW, p.dW + 0.1 * layer.W, rtol=1e-12)
        assert np.array_equal(q.db, p.db) and np.array_equal(q.delta, p.delta)
