import dataclasses

import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.datasets import Dataset, make_dataset
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import GradientDescent, make_optimizer
from app.engine.regularization import Regularizer
from app.engine.schedules import Schedule
from app.engine.trainer import LossHistory, Metrics, Trainer, accuracy


def make_trainer(dataset="xor", hidden=(8, 8), lr=0.03, batch_size=10, seed=0,
                 output="sigmoid", loss="binary_cross_entropy", n_samples=400, data=None,
                 **options):
    data = data or make_dataset(dataset, n_samples, 0.0, 0.5, np.random.default_rng(0))
    activations = [get_activation("tanh")] * len(hidden) + [get_activation(output)]
    net = Network([2, *hidden, data.y_train.shape[0]], activations, np.random.default_rng(seed))
    return Trainer(net, get_loss(loss), GradientDescent(lr), data, batch_size,
                   np.random.default_rng(seed + 1), **options)


def one_hot_gaussians() -> Dataset:
    """The two gaussian clouds with one-hot labels [class 0, class 1] for a softmax output."""
    data = make_dataset("gaussians", 400, 0.0, 0.5, np.random.default_rng(0))
    return Dataset(data.x_train, one_hot(data.y_train), data.x_test, one_hot(data.y_test),
                   task="multiclass")


def one_hot(y: np.ndarray) -> np.ndarray:
    return np.vstack([1.0 - y, y])


def sine_regression() -> Dataset:
    """y = sin(x1) + x2 / 6 on the playground's square."""
    x = np.random.default_rng(0).uniform(-6.0, 6.0, (2, 400))
    y = (np.sin(x[0]) + x[1] / 6.0)[None, :]
    return Dataset(x[:, :200], y[:, :200], x[:, 200:], y[:, 200:], task="regression")


@pytest.mark.parametrize("dataset", ["xor", "circle"])
def test_learns_to_classify(dataset):
    trainer = make_trainer(dataset)
    trainer.train(3000)
    assert trainer.step_count == 3000
    assert trainer.evaluate().test_accuracy >= 0.95


@pytest.mark.parametrize("dataset, hidden, lr, steps", [("gaussians", (8, 8), 0.03, 3000),
                                                         ("spiral", (16, 16), 0.1, 5000)])
def test_training_loss_falls_by_more_than_half(dataset, hidden, lr, steps):
    trainer = make_trainer(dataset, hidden, lr)
    initial = trainer.evaluate().train_loss
    trainer.train(steps)
    assert trainer.evaluate().train_loss < 0.5 * initial


def test_same_seed_trains_to_the_same_weights_and_another_seed_does_not():
    runs = [make_trainer(seed=seed) for seed in (1, 1, 2)]
    for trainer in runs:
        trainer.train(200)
    assert np.array_equal(runs[0].network.params, runs[1].network.params)
    assert not np.array_equal(runs[0].network.params, runs[2].network.params)


def test_full_batch_uses_every_training_example_at_every_step():
    trainer = make_trainer(batch_size=200)
    for _ in range(3):
        assert np.array_equal(np.sort(trainer.step().indices), np.arange(200))
    assert trainer.epoch == 3.0


def test_an_epoch_visits_each_example_once():
    trainer = make_trainer(batch_size=20)
    seen = np.concatenate([trainer.step().indices for _ in range(10)])
    assert np.array_equal(np.sort(seen), np.arange(200))
    assert trainer.epoch == 1.0


def test_a_new_shuffle_starts_when_too_few_examples_are_left_for_a_batch():
    trainer = make_trainer(batch_size=60)  # 3 batches per epoch; 20 examples sit out
    epochs = [np.concatenate([trainer.step().indices for _ in range(3)]) for _ in range(2)]
    assert all(np.unique(epoch).size == 180 for epoch in epochs)
    assert not np.array_equal(epochs[0], epochs[1])


def test_upcoming_indices_are_the_next_step_batch():
    trainer = make_trainer()
    upcoming = trainer.upcoming_indices().copy()
    assert np.array_equal(trainer.upcoming_indices(), upcoming)
    assert np.array_equal(trainer.step().indices, upcoming)


def test_step_reports_the_gradient_before_the_update_it_made():
    trainer = make_trainer()
    before = trainer.network.params.copy()
    indices = trainer.upcoming_indices().copy()
    x, y = trainer.data.x_train[:, indices], trainer.data.y_train[:, indices]
    expected = trainer.network.gradient(x, y, trainer.loss)
    step = trainer.step()
    assert np.array_equal(step.grads.flat, expected)
    assert np.allclose(trainer.network.params, before - 0.03 * expected)
    assert step.loss == trainer.loss.value(step.traces[-1].a, y)


def test_a_huge_learning_rate_diverges_and_training_stops_early():
    trainer = make_trainer(lr=1e4, output="linear", loss="mse")
    trainer.train(1000)
    assert trainer.diverged
    assert trainer.step_count < 1000


def test_a_diverged_network_is_evaluated_without_warnings():
    # pyproject turns warnings into errors: an overflow warning would fail this test.
    trainer = make_trainer(output="linear", loss="mse")
    trainer.network.layers[-1].b[...] = 1e200
    assert trainer.evaluate().train_loss == np.inf
    trainer.network.params[0] = np.nan
    assert trainer.diverged and np.isnan(trainer.step().loss)


def test_a_sane_run_does_not_diverge():
    trainer = make_trainer()
    trainer.train(100)
    assert not trainer.diverged


def test_loss_history_thins_to_capacity_keeping_first_and_last():
    history = LossHistory(capacity=10)
    for step in range(100):
        history.record(step, Metrics(float(step), 0.0, 1.0, 1.0))
    assert len(history.rows) <= 10
    assert history.rows[0] == (0, 0.0, 0.0)
    assert history.rows[-1] == (99, 99.0, 0.0)
    assert [row[0] for row in history.rows] == sorted({row[0] for row in history.rows})


def test_loss_history_records_a_step_once():
    history = LossHistory()
    history.record(5, Metrics(1.0, 2.0, 0.5, 0.5))
    history.record(5, Metrics(9.0, 9.0, 0.5, 0.5))
    assert history.rows == [(5, 1.0, 2.0)]


def test_accuracy_counts_outputs_on_the_right_side_of_one_half():
    assert accuracy(np.array([[0.2, 0.7, 0.6, 0.4]]), np.array([[0.0, 1.0, 0.0, 0.0]])) == 0.75


def test_multiclass_accuracy_compares_the_largest_output_with_the_one_hot_class():
    output = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.6], [0.1, 0.3, 0.3]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert accuracy(output, y, "multiclass") == pytest.approx(2 / 3)


def test_regression_and_diverged_outputs_have_no_accuracy():
    assert np.isnan(accuracy(np.array([[0.2]]), np.array([[0.0]]), "regression"))
    assert np.isnan(accuracy(np.array([[np.nan]]), np.array([[0.0]]), "binary"))


def test_softmax_and_categorical_cross_entropy_learn_a_multiclass_task():
    trainer = make_trainer(data=one_hot_gaussians(), output="softmax",
                           loss="categorical_cross_entropy")
    trainer.train(1000)
    metrics = trainer.evaluate()
    assert metrics.test_accuracy >= 0.95
    assert metrics.test_accuracy == accuracy(trainer.network.predict(trainer.data.x_test),
                                             trainer.data.y_test, "multiclass")


def test_a_linear_output_learns_a_regression_task_and_reports_no_accuracy():
    trainer = make_trainer(data=sine_regression(), output="linear", loss="huber", lr=0.01)
    initial = trainer.evaluate().test_loss
    trainer.train(3000)
    metrics = trainer.evaluate()
    assert metrics.test_loss < 0.25 * initial
    assert np.isnan(metrics.train_accuracy) and np.isnan(metrics.test_accuracy)


def test_the_penalty_is_reported_apart_from_the_data_loss():
    l2 = Regularizer("l2", 0.01)
    trainer = make_trainer(regularizer=l2)
    metrics = trainer.evaluate()
    assert metrics.penalty == trainer.network.penalty(l2) > 0
    data_loss = trainer.loss.value(trainer.network.predict(trainer.data.x_train), trainer.data.y_train)
    assert metrics.train_loss == pytest.approx(data_loss, rel=1e-12)  # the kernel's, to rounding
    assert make_trainer().evaluate().penalty == 0.0


def test_the_step_follows_the_regularized_gradient():
    l2 = Regularizer("l2", 0.01)
    trainer = make_trainer(regularizer=l2)
    indices = trainer.upcoming_indices().copy()
    x, y = trainer.data.x_train[:, indices], trainer.data.y_train[:, indices]
    expected = trainer.network.gradient(x, y, trainer.loss, l2)
    assert np.array_equal(trainer.step().grads.flat, expected)


def test_weight_decay_keeps_the_weights_smaller():
    plain, penalised = make_trainer(), make_trainer(regularizer=Regularizer("l2", 0.03))
    for trainer in (plain, penalised):
        trainer.train(2000)
    squared = [sum(np.sum(layer.W**2) for layer in t.network.layers) for t in (plain, penalised)]
    assert squared[1] < 0.5 * squared[0]


def test_a_schedule_is_handed_to_the_optimizer_and_decays_the_steps():
    trainer = make_trainer(schedule=Schedule("step", rate=0.5, every=10))
    assert trainer.optimizer.current_learning_rate == 0.03
    trainer.train(10)
    assert trainer.optimizer.current_learning_rate == 0.015


def test_evaluate_measures_both_sets():
    trainer = make_trainer()
    m = trainer.evaluate()
    net, data, loss = trainer.network, trainer.data, trainer.loss
    assert m.train_loss == pytest.approx(loss.value(net.predict(data.x_train), data.y_train), rel=1e-12)
    assert m.test_loss == pytest.approx(loss.value(net.predict(data.x_test), data.y_test), rel=1e-12)
    assert m.train_accuracy == accuracy(net.predict(data.x_train), data.y_train)
    assert m.test_accuracy == accuracy(net.predict(data.x_test), data.y_test)
    assert m.penalty == 0.0


def continued(optimizer: str, before: int, after: int, schedule: Schedule | None = None) -> Trainer:
    """A trainer that ran ``before`` steps, was saved, loaded into a fresh trainer of the same
    config (other weights, other generator state), and ran ``after`` more there."""
    settings = {"learning_rate": 0.01, "schedule": schedule or Schedule()}
    original = make_trainer(seed=3, batch_size=7)
    original.optimizer = make_optimizer(optimizer, **settings)
    original.train(before)
    saved = original.export_state()
    fresh = make_trainer(seed=4, batch_size=7)
    fresh.optimizer = make_optimizer(optimizer, **settings)
    fresh.load_state(saved)
    fresh.train(after)
    original.train(after)
    assert np.array_equal(fresh.network.params, original.network.params)
    return fresh


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_a_saved_state_continues_bit_identically(optimizer):
    fresh = continued(optimizer, 500, 300, Schedule("exponential", 0.5, 100))
    assert fresh.step_count == 800 and fresh.examples_seen == 800 * 7
    assert len(fresh.optimizer.state_arrays()) == fresh.optimizer.STATE_ARRAYS


def test_a_state_saved_mid_epoch_keeps_the_epoch_s_order():
    """200 training examples in batches of 7: step 10 is in the middle of the first epoch."""
    continued("sgd", 10, 50)


def test_a_saved_state_is_a_copy():
    trainer = make_trainer()
    trainer.train(5)
    saved = trainer.export_state()
    trainer.train(5)
    assert saved.step_count == 5 and not np.array_equal(saved.params, trainer.network.params)


@pytest.mark.parametrize("change, message", [
    ({"params": np.zeros(3)}, "parameters"),
    ({"order": np.arange(5)}, "permutation"),
    ({"cursor": 10_000}, "cursor"),
    ({"optimizer_arrays": [np.zeros(3)]}, "shaped like"),
])
def test_a_state_that_does_not_fit_is_refused(change, message):
    trainer = make_trainer()
    trainer.train(3)
    state = dataclasses.replace(trainer.export_state(), **change)
    with pytest.raises(ValueError, match=message):
        make_trainer().load_state(state)
