"""One training step taken apart: the stages, and the update applied past the last one."""

import numpy as np
import pytest

from app.engine.activations import get_activation
from app.engine.datasets import make_dataset
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import GradientDescent
from app.engine.trainer import Trainer
from app.engine.walkthrough import Walkthrough


def make_trainer(hidden=(4, 3), batch_size=10, lr=0.2, seed=0) -> Trainer:
    """Depth 3 by default; 200 training examples of the circle."""
    data = make_dataset("circle", 400, 0.0, 0.5, np.random.default_rng(0))
    activations = [get_activation("tanh")] * len(hidden) + [get_activation("sigmoid")]
    net = Network([2, *hidden, 1], activations, np.random.default_rng(seed))
    return Trainer(net, get_loss("binary_cross_entropy"), GradientDescent(lr), data, batch_size,
                   np.random.default_rng(seed + 1))


def to_update(walk: Walkthrough, trainer: Trainer) -> Walkthrough:
    while walk.current.phase != "update":
        walk = walk.forward(trainer)
    return walk


def test_a_depth_three_step_has_nine_stages_in_lecture_order():
    trainer = make_trainer()
    walk = Walkthrough.begin(trainer, None)
    assert (walk.depth, walk.stage_count, walk.stage) == (3, 9, 0)
    phases = [(walk.current.phase, walk.current.layer)]
    for _ in range(8):
        walk = walk.forward(trainer)
        phases.append((walk.current.phase, walk.current.layer))
    assert phases == [("input", 0), ("forward", 1), ("forward", 2), ("forward", 3), ("loss", None),
                      ("backward", 3), ("backward", 2), ("backward", 1), ("update", None)]
    assert walk.stage == 8


@pytest.mark.parametrize("hidden, count", [((), 5), ((4,), 7), ((4, 3, 2, 2), 13)])
def test_the_stage_count_is_two_per_layer_plus_three(hidden, count):
    walk = Walkthrough.begin(make_trainer(hidden), None)
    assert walk.stage_count == count
    walk.stage = count - 1
    assert (walk.current.phase, walk.current.layer) == ("update", None)
    walk.stage = len(hidden) + 2
    assert (walk.current.phase, walk.current.layer) == ("loss", None)


def test_previous_never_goes_below_the_input():
    trainer = make_trainer()
    walk = Walkthrough.begin(trainer, None)
    walk.back()
    assert walk.stage == 0
    walk = walk.forward(trainer).forward(trainer)
    walk.back()
    walk.back()
    walk.back()
    assert walk.stage == 0


def test_moving_within_the_stages_changes_nothing_in_the_trainer():
    trainer = make_trainer()
    params, upcoming = trainer.network.params.copy(), trainer.upcoming_indices().copy()
    walk = to_update(Walkthrough.begin(trainer, None), trainer)
    walk.back()
    walk = walk.forward(trainer)
    assert walk.stage == 8
    assert np.array_equal(trainer.network.params, params)
    assert (trainer.step_count, trainer.examples_seen) == (0, 0)
    assert np.array_equal(trainer.upcoming_indices(), upcoming)


def test_past_the_update_the_trainer_takes_exactly_the_step_it_would_have_taken():
    trainer, twin = make_trainer(), make_trainer()
    walk = to_update(Walkthrough.begin(trainer, None), trainer)
    preview, batch = walk.params_after.copy(), walk.batch.indices.copy()
    assert np.array_equal(batch, twin.upcoming_indices())
    twin.step()
    following = walk.forward(trainer)
    assert np.array_equal(trainer.network.params, preview)
    assert np.array_equal(trainer.network.params, twin.network.params)
    assert (trainer.step_count, trainer.examples_seen) == (1, 10)
    # A new walkthrough, at the input, on the batch after.
    assert following is not walk and (following.stage, following.upcoming) == (0, True)
    assert np.array_equal(following.batch.indices, twin.upcoming_indices())
    assert not np.array_equal(following.batch.indices, batch)
    assert np.array_equal(following.batch.x, trainer.data.x_train[:, following.batch.indices])
    # Traced at the updated weights.
    assert np.array_equal(following.batch.traces[0].z,
                          trainer.network.layers[0].W @ following.batch.x + trainer.network.layers[0].b)


def test_walking_through_several_epochs_trains_like_stepping():
    # Four batches of 50 per epoch: seven walks cross an epoch boundary and its new shuffle.
    trainer, twin = make_trainer(batch_size=50), make_trainer(batch_size=50)
    walk = Walkthrough.begin(trainer, None)
    for _ in range(7):
        walk = to_update(walk, trainer).forward(trainer)
        twin.step()
    assert np.array_equal(trainer.network.params, twin.network.params)
    assert (trainer.step_count, trainer.epoch) == (7, 1.75)
    assert np.array_equal(walk.batch.indices, twin.upcoming_indices())


def test_params_after_is_gradient_descent_on_the_traced_step():
    trainer = make_trainer(lr=0.7)
    walk = Walkthrough.begin(trainer, None)
    grads = trainer.network.gradient(walk.batch.x, walk.batch.y, trainer.loss)
    assert np.array_equal(walk.batch.grads.flat, grads)
    assert np.array_equal(walk.params_after, trainer.network.params - 0.7 * grads)
    assert not np.shares_memory(walk.params_after, trainer.network.params)


def test_a_walk_on_a_picked_sample_leaves_the_epoch_order_alone():
    trainer = make_trainer()
    upcoming = trainer.upcoming_indices().copy()
    walk = Walkthrough.begin(trainer, 17)
    assert (walk.upcoming, walk.batch.indices.tolist()) == (False, [17])
    assert np.array_equal(walk.batch.x, trainer.data.x_train[:, [17]])
    preview = walk.params_after.copy()
    following = to_update(walk, trainer).forward(trainer)
    assert np.array_equal(trainer.network.params, preview)
    assert (trainer.step_count, trainer.examples_seen) == (1, 1)
    assert np.array_equal(trainer.upcoming_indices(), upcoming)
    # The next walkthrough stays on the picked example.
    assert (following.stage, following.upcoming, following.batch.indices.tolist()) == (0, False, [17])
    # And a step afterwards still takes the batch that was next before.
    assert np.array_equal(trainer.step().indices, upcoming)
