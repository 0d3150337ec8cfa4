import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.datasets import make_dataset
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import (
    OPTIMIZERS,
    Adam,
    GradientDescent,
    Momentum,
    Nesterov,
    RMSProp,
    hyperparameters,
    make_optimizer,
)
from app.engine.schedules import Schedule
from app.engine.trainer import Trainer

NAMES = sorted(OPTIMIZERS)
G = np.array([10.0, 0.0, -5.0])


def test_registry_and_factory():
    assert NAMES == ["adam", "momentum", "nesterov", "rmsprop", "sgd"]
    adam = make_optimizer("adam", learning_rate=0.01, beta1=0.8)
    assert isinstance(adam, Adam)
    assert (adam.learning_rate, adam.beta1, adam.beta2) == (0.01, 0.8, 0.999)
    with pytest.raises(TypeError):
        make_optimizer("sgd", beta=0.9)


def test_hyperparameters_list_each_optimizer_s_numeric_settings_with_defaults():
    assert hyperparameters("sgd") == {"learning_rate": 0.03}
    assert hyperparameters("momentum") == {"learning_rate": 0.03, "beta": 0.9}
    assert hyperparameters("rmsprop") == {"learning_rate": 0.001, "rho": 0.9, "eps": 1e-8}
    assert hyperparameters("adam") == {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999,
                                       "eps": 1e-8}


def test_step_moves_against_the_gradient_in_place():
    params = np.array([1.0, -2.0, 0.5])
    GradientDescent(learning_rate=0.1).step(params, G)
    assert np.allclose(params, [0.0, -2.0, 1.0])


def test_step_on_network_params_updates_every_layer():
    net = Network([2, 3, 1], [get_activation("tanh")] * 2, np.random.default_rng(0))
    before = [layer.W.copy() for layer in net.layers]
    GradientDescent(learning_rate=0.5).step(net.params, np.ones_like(net.params))
    assert all(np.allclose(layer.W, w - 0.5) for layer, w in zip(net.layers, before))
    assert all(np.array_equal(layer.b, np.full_like(layer.b, -0.5)) for layer in net.layers)


def test_momentum_builds_up_speed_under_a_constant_gradient():
    params, opt = np.zeros(3), Momentum(learning_rate=0.1, beta=0.5)
    opt.step(params, G)  # v = −ηg
    opt.step(params, G)  # v = β(−ηg) − ηg
    assert np.allclose(params, -0.1 * G - 1.5 * 0.1 * G)


def test_nesterov_adds_the_look_ahead_to_the_velocity():
    params, opt = np.zeros(3), Nesterov(learning_rate=0.1, beta=0.5)
    opt.step(params, G)  # v = −ηg; Δθ = βv − ηg
    assert np.allclose(params, -1.5 * 0.1 * G)
    assert np.allclose(opt.state, -0.1 * G)


def test_rmsprop_divides_by_the_root_mean_square_of_recent_gradients():
    params, opt = np.zeros(3), RMSProp(learning_rate=0.1, rho=0.75)
    opt.step(params, G)  # s = ¼ g²
    assert np.allclose(params, -0.1 * G / (0.5 * np.abs(G) + 1e-8))


def test_adam_s_first_step_is_the_learning_rate_against_the_gradient_s_sign():
    params = np.zeros(3)
    Adam(learning_rate=0.1).step(params, G)  # bias correction makes m̂ = g and v̂ = g²
    assert np.allclose(params, -0.1 * np.sign(G), atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_preview_is_what_the_step_then_does_and_changes_nothing(name):
    rng = np.random.default_rng(0)
    opt = make_optimizer(name, learning_rate=0.05, schedule=Schedule("exponential", 0.5, 2))
    params = rng.normal(size=5)
    for _ in range(4):
        grad = rng.normal(size=5)
        before, state, steps = params.copy(), opt.state, opt.steps_taken
        preview = opt.preview(params, grad)
        assert np.array_equal(params, before) and opt.state is state
        assert opt.steps_taken == steps
        opt.step(params, grad)
        assert np.array_equal(params, preview)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "rmsprop", "adam"])
def test_state_is_made_at_the_first_step_shaped_like_the_parameters_and_reset_drops_it(name):
    opt = make_optimizer(name)
    assert opt.state is None
    opt.step(np.zeros(3), G)
    buffers = opt.state if isinstance(opt.state, tuple) else (opt.state,)
    assert all(buffer.shape == (3,) for buffer in buffers)
    opt.reset()
    assert opt.state is None and opt.steps_taken == 0


def test_a_learning_rate_changed_live_applies_to_the_next_step():
    params, opt = np.zeros(3), GradientDescent(learning_rate=0.1)
    opt.step(params, G)
    opt.learning_rate = 0.2
    opt.step(params, G)
    assert np.allclose(params, -0.3 * G)


def test_the_schedule_decays_the_rate_step_by_step_from_the_live_base_rate():
    params = np.zeros(3)
    opt = GradientDescent(learning_rate=0.1, schedule=Schedule("step", rate=0.5, every=2))
    for _ in range(3):
        opt.step(params, G)  # η = 0.1, 0.1, 0.05
    assert np.allclose(params, -0.25 * G)
    opt.learning_rate = 1.0
    assert opt.current_learning_rate == 0.5  # step 3 is still in the second period


@pytest.mark.parametrize("name, learning_rate", [("sgd", 0.1), ("momentum", 0.01),
                                                  ("nesterov", 0.01), ("rmsprop", 0.01),
                                                  ("adam", 0.01)])
def test_every_optimizer_learns_xor(name, learning_rate):
    data = make_dataset("xor", 200, 0.0, 0.5, np.random.default_rng(0))
    tanh, sigmoid = get_activation("tanh"), get_activation("sigmoid")
    net = Network([2, 8, 1], [tanh, sigmoid], np.random.default_rng(0))
    trainer = Trainer(net, get_loss("binary_cross_entropy"),
                      make_optimizer(name, learning_rate=learning_rate), data, 10,
                      np.random.default_rng(1))
    initial = trainer.evaluate().train_loss
    trainer.train(500)
    metrics = trainer.evaluate()
    assert metrics.train_loss < 0.25 * initial
    assert metrics.test_accuracy >= 0.9


def quadratic_after(optimizer, steps=150):
    """f(θ) = ½(θ₁² + 100 θ₂²) from (1, 1): a valley 100 times steeper across than along."""
    curvature, theta = np.array([1.0, 100.0]), np.ones(2)
    for _ in range(steps):
        optimizer.step(theta, curvature * theta)
    return 0.5 * np.sum(curvature * theta**2)


@pytest.mark.parametrize("name, learning_rate", [("momentum", 0.01), ("nesterov", 0.01),
                                                  ("adam", 0.05)])
def test_momentum_and_adam_beat_gradient_descent_in_an_ill_conditioned_valley(name, learning_rate):
    # 0.019 is close to the best gradient descent can do here: 2 / (1 + 100) ≈ 0.0198.
    plain = quadratic_after(GradientDescent(learning_rate=0.019))
    assert plain > 1e-3
    assert quadratic_after(make_optimizer(name, learning_rate=learning_rate)) < 0.01 * plain


@pytest.mark.parametrize("name, arrays", [("sgd", 0), ("momentum", 1), ("nesterov", 1), ("rmsprop", 1),
                                          ("adam", 2)])
def test_the_state_round_trips_through_its_arrays(name, arrays):
    grads = np.random.default_rng(0).normal(size=(3, 4))
    original, copy = make_optimizer(name, learning_rate=0.1), make_optimizer(name, learning_rate=0.1)
    theta = np.zeros(4)
    assert original.state_arrays() == []
    original.step(theta, grads[0])
    saved = original.state_arrays()
    assert len(saved) == arrays == original.STATE_ARRAYS
    copy.load_state(saved, original.steps_taken)
    for array in saved:  # copies: changing them changes neither optimizer
        array[...] = 99.0
    assert copy.preview(theta, grads[1]).tolist() == original.preview(theta, grads[1]).tolist()


def test_a_state_of_another_optimizer_is_refused():
    with pytest.raises(ValueError, match="Adam keeps 2 state arrays, not 1"):
        make_optimizer("adam").load_state([np.zeros(4)], 1)
