import itertools
import re

import numpy as np
import pytest

from app.config import Limits, SessionConfig
from app.engine.network import split_flat
from app.errors import Refused
from app.frames import encode_frame, layer_arrays, layout_message
from app.protocol import HEADER, ParamEdit
from app.sessions import Session, SessionRegistry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def with_changes(config: SessionConfig, **parts: dict) -> SessionConfig:
    return SessionConfig.model_validate({**config.model_dump(), **parts})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(clock: Clock) -> SessionRegistry:
    return SessionRegistry(Limits(max_sessions=3, session_ttl_seconds=60), clock)


def test_ids_are_long_distinct_url_safe_tokens(registry):
    ids = [registry.create(SessionConfig()).id for _ in range(3)]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", sid) for sid in ids)  # 16 random bytes


def test_get_and_delete(registry):
    session = registry.create(SessionConfig())
    assert registry.get(session.id) is session
    assert registry.delete(session.id) is True
    assert registry.get(session.id) is None
    assert registry.delete(session.id) is False


def test_the_session_limit_refuses_one_more(registry):
    for _ in range(3):
        registry.create(SessionConfig())
    with pytest.raises(Refused, match="at most 3 sessions at once") as refused:
        registry.create(SessionConfig())
    assert (refused.value.code, refused.value.status) == ("session_limit", 503)


def test_idle_sessions_expire_after_the_ttl(registry, clock):
    session = registry.create(SessionConfig())
    clock.now += 60
    assert registry.get(session.id) is session  # exactly the TTL is not yet too long
    clock.now += 60.5
    assert registry.get(session.id) is None


def test_use_keeps_a_session_alive(registry, clock):
    session = registry.create(SessionConfig())
    for _ in range(5):
        clock.now += 50
        assert registry.get(session.id) is session


def test_a_watched_session_never_expires(registry, clock):
    session = registry.create(SessionConfig())
    session.listeners.add(lambda: None)
    clock.now += 10_000
    registry.expire()
    assert registry.sessions == {session.id: session}


def test_expired_sessions_free_their_slots(registry, clock):
    for _ in range(3):
        registry.create(SessionConfig())
    clock.now += 61
    registry.create(SessionConfig())
    assert len(registry.sessions) == 1


def test_same_seed_same_weights():
    first, second = Session("a", SessionConfig(seed=4), 0.0), Session("b", SessionConfig(seed=4), 0.0)
    other = Session("c", SessionConfig(seed=5), 0.0)
    assert np.array_equal(first.trainer.network.params, second.trainer.network.params)
    assert not np.array_equal(first.trainer.network.params, other.trainer.network.params)


def test_the_network_is_shaped_by_the_config():
    session = Session("a", with_changes(SessionConfig(), network={"hidden_layers": [5, 3, 2],
                                                                   "activation": "relu"}), 0.0)
    net = session.trainer.network
    assert net.sizes == (2, 5, 3, 2, 1)
    assert [layer.activation.name for layer in net.layers] == ["relu", "relu", "relu", "sigmoid"]
    assert session.data.x_train.shape == (2, 200)


def test_a_new_learning_rate_carries_on_from_the_current_weights():
    session = Session("a", SessionConfig(), 0.0)
    session.train(5)
    params, layout = session.trainer.network.params.copy(), session.layout_version
    session.apply_config(with_changes(session.config, training={"learning_rate": 0.5, "batch_size": 20}))
    assert session.trainer.step_count == 5
    assert np.array_equal(session.trainer.network.params, params)
    assert (session.trainer.optimizer.learning_rate, session.trainer.batch_size) == (0.5, 20)
    assert session.layout_version == layout


@pytest.mark.parametrize("part", [{"network": {"hidden_layers": [3]}},
                                  {"data": {"dataset": "xor"}},
                                  {"seed": 9}])
def test_new_data_network_or_seed_start_over(part):
    session = Session("a", SessionConfig(), 0.0)
    session.train(5)
    layout = session.layout_version
    session.apply_config(with_changes(session.config, **part))
    assert session.trainer.step_count == 0
    assert session.layout_version == layout + 1
    fresh = Session("b", session.config, 0.0)
    assert np.array_equal(session.trainer.network.params, fresh.trainer.network.params)
    assert np.array_equal(session.data.x_train, fresh.data.x_train)


def test_a_new_batch_size_keeps_the_epochs_already_done():
    session = Session("a", SessionConfig(), 0.0)
    session.train(40)  # 40 batches of 10 from 200 training examples
    session.apply_config(with_changes(session.config, training={"batch_size": 100}))
    assert session.trainer.epoch == 2.0


def test_reset_redraws_the_weights_from_the_seed():
    session = Session("a", SessionConfig(), 0.0)
    initial = session.trainer.network.params.copy()
    session.train(5)
    session.reset()
    assert session.trainer.step_count == 0
    assert np.array_equal(session.trainer.network.params, initial)
    session.reset(seed=7)
    assert session.config.seed == 7
    assert not np.array_equal(session.trainer.network.params, initial)


def test_changes_bump_versions_and_call_listeners():
    session = Session("a", SessionConfig(), 0.0)
    calls = []
    session.listeners.add(lambda: calls.append(session.state_version))
    session.train(1)
    session.set_running(True)
    session.reset()
    assert calls == [1, 2, 3]
    assert (session.layout_version, session.status_version) == (1, 2)


def test_status_follows_running_and_divergence():
    session = Session("a", SessionConfig(), 0.0)
    assert session.status == "paused"
    session.set_running(True)
    assert session.status == "running"
    session.trainer.network.params[0] = np.nan
    assert session.status == "diverged"
    session.set_running(False)
    with pytest.raises(Refused, match="diverged: reset it") as refused:
        session.set_running(True)  # Play says why nothing happens
    assert refused.value.code == "diverged" and session.running is False


def test_train_runs_the_steps_asked_for():
    session = Session("a", SessionConfig(), 0.0)
    assert session.train(25) == 25
    assert session.trainer.step_count == 25


def test_train_stops_at_divergence_and_pauses():
    session = Session("a", SessionConfig(), 0.0)
    session.set_running(True)
    session.trainer.network.params[0] = np.inf
    assert session.train(10) == 0
    assert session.status == "diverged" and session.running is False


def test_cached_builds_once_per_state():
    session = Session("a", SessionConfig(), 0.0)
    builds = itertools.count(1)
    assert session.cached("k", builds.__next__) == session.cached("k", builds.__next__) == 1
    session.train(1)
    assert session.cached("k", builds.__next__) == 2


# ---- picked sample, what the diagram shows, edits, step-by-step mode -----------------------


def test_pick_takes_a_training_example_and_refuses_one_beyond_the_set():
    session = Session("a", SessionConfig(), 0.0)
    status, state = session.status_version, session.state_version
    session.pick(199)
    # A new frame says so in its header; the status is the same, so none is sent (to each of a
    # room's followers, on a pick).
    assert session.sample == 199 and session.state_version == state + 1
    assert session.status_version == status
    with pytest.raises(Refused, match=r"^at most 199: the training set has 200 examples$"):
        session.pick(200)
    assert session.sample == 199
    session.pick(None)
    assert session.sample is None


def test_the_view_follows_the_picked_example_at_the_current_weights():
    session = Session("a", SessionConfig(), 0.0)
    session.train(3)
    session.pick(42)
    step, column = session.shown_example()
    assert column == 0 and step.indices.tolist() == [42] and step.y.shape == (1, 1)
    assert np.array_equal(step.x, session.data.x_train[:, [42]])
    assert np.array_equal(step.y, session.data.y_train[:, [42]])
    net = session.trainer.network
    # Traced by the compiled kernel where it runs: the readable engine's numbers to rounding.
    np.testing.assert_allclose(step.grads.flat, net.gradient(step.x, step.y, session.trainer.loss),
                               rtol=0, atol=1e-14)
    assert session.trainer.step_count == 3  # looking trains nothing


def test_the_view_is_otherwise_the_upcoming_batch_at_the_current_weights():
    session = Session("a", SessionConfig(), 0.0)
    for _ in range(2):
        step = session.shown_batch()
        assert np.array_equal(step.indices, session.trainer.upcoming_indices())
        assert step.x.shape == (2, 10)
        net = session.trainer.network
        np.testing.assert_allclose(step.grads.flat, net.gradient(step.x, step.y, session.trainer.loss),
                                   rtol=0, atol=1e-14)
        session.train(7)
    # What the view showed is what the next step takes.
    shown = session.shown_batch()
    assert np.array_equal(session.trainer.step().indices, shown.indices)


def test_the_view_follows_an_edit():
    session = Session("a", SessionConfig(), 0.0)
    before = session.shown_batch()
    session.edit(ParamEdit(layer=1, param="W", index=0, source=0, value=3.0))
    after = session.shown_batch()
    assert np.array_equal(after.indices, before.indices)
    assert after.traces[0].z[0, 0] != before.traces[0].z[0, 0]
    net = session.trainer.network
    assert np.array_equal(after.traces[0].z, net.layers[0].W @ after.x + net.layers[0].b)


@pytest.mark.parametrize("edit, where", [
    (ParamEdit(layer=1, param="W", index=3, source=1, value=0.25), (0, "W", (3, 1))),
    (ParamEdit(layer=2, param="b", index=1, value=-2.5), (1, "b", (1, 0))),
    (ParamEdit(layer=3, param="W", index=0, source=1, value=7.0), (2, "W", (0, 1))),
    (ParamEdit(layer=3, param="b", index=0, value=1000.0), (2, "b", (0, 0))),
])
def test_an_edit_changes_exactly_one_parameter(edit, where):
    session = Session("a", SessionConfig(), 0.0)
    before = session.trainer.network.params.copy()
    versions = (session.state_version, session.layout_version)
    session.edit(edit)
    layer, name, position = where
    array = getattr(session.trainer.network.layers[layer], name)
    assert array[position] == edit.value
    assert np.count_nonzero(session.trainer.network.params != before) == 1
    assert (session.state_version, session.layout_version) == (versions[0] + 1, versions[1])


def test_an_edit_changes_the_losses():
    session = Session("a", SessionConfig(), 0.0)
    before = session.trainer.evaluate()
    session.edit(ParamEdit(layer=3, param="b", index=0, value=5.0))
    assert session.trainer.evaluate().train_loss > before.train_loss


def test_edits_only_while_paused():
    session = Session("a", SessionConfig(), 0.0)
    session.set_running(True)
    before = session.trainer.network.params.copy()
    with pytest.raises(Refused, match=r"^pause training to edit a weight or bias$"):
        session.edit(ParamEdit(layer=1, param="W", index=0, source=0, value=1.0))
    assert np.array_equal(session.trainer.network.params, before)
    session.set_running(False)
    session.edit(ParamEdit(layer=1, param="W", index=0, source=0, value=1.0))
    assert session.trainer.network.layers[0].W[0, 0] == 1.0


@pytest.mark.parametrize("edit, message", [
    (ParamEdit(layer=4, param="b", index=0, value=1.0), "layers are numbered 1 to 3"),
    (ParamEdit(layer=1, param="b", index=4, value=1.0), "layer 1 has 4 neurons, numbered from 0"),
    (ParamEdit(layer=3, param="W", index=1, source=0, value=1.0), "layer 3 has 1 neurons, numbered from 0"),
    (ParamEdit(layer=1, param="W", index=0, value=1.0), "a weight of layer 1 needs a source below 2"),
    (ParamEdit(layer=2, param="W", index=0, source=4, value=1.0), "a weight of layer 2 needs a source below 4"),
])
def test_an_edit_of_a_parameter_that_does_not_exist_is_refused(edit, message):
    session = Session("a", SessionConfig(), 0.0)
    before, version = session.trainer.network.params.copy(), session.state_version
    with pytest.raises(Refused, match=f"^{message}$"):
        session.edit(edit)
    assert np.array_equal(session.trainer.network.params, before)
    assert session.state_version == version


def test_walk_start_pauses_and_opens_at_the_input():
    session = Session("a", SessionConfig(), 0.0)
    session.set_running(True)
    status = session.status_version
    session.walk_to("start")
    assert session.running is False and session.status == "paused"
    assert session.status_version == status + 1
    assert (session.walk.stage, session.walk.stage_count) == (0, 9)
    assert session.shown_batch() is session.walk.batch


def test_walk_next_previous_and_stop():
    session = Session("a", SessionConfig(), 0.0)
    session.walk_to("next")  # with no walkthrough open, any move opens one
    assert session.walk.stage == 0
    session.walk_to("next")
    session.walk_to("next")
    assert session.walk.stage == 2
    session.walk_to("previous")
    assert session.walk.stage == 1
    session.walk_to("stop")
    assert session.walk is None
    assert session.trainer.step_count == 0


def test_walking_past_the_update_trains_one_step_on_the_shown_batch():
    session, twin = Session("a", SessionConfig(), 0.0), Session("b", SessionConfig(), 0.0)
    session.pick(None)  # the batch's examples, not one followed example
    session.walk_to("start")
    shown = session.shown_batch().indices.copy()
    for _ in range(9):
        session.walk_to("next")
    assert np.array_equal(twin.trainer.step().indices, shown)
    assert session.trainer.step_count == 1
    assert np.array_equal(session.trainer.network.params, twin.trainer.network.params)
    assert session.walk.stage == 0
    assert np.array_equal(session.shown_batch().indices, twin.trainer.upcoming_indices())


def test_a_walk_on_the_picked_example_follows_it():
    session = Session("a", SessionConfig(), 0.0)
    session.pick(9)
    session.walk_to("start")
    assert session.walk.batch.indices.tolist() == [9]
    for _ in range(9):
        session.walk_to("next")
    assert (session.trainer.step_count, session.sample) == (1, 9)
    assert session.walk.batch.indices.tolist() == [9]
    # Picking another example while walking starts over on it.
    session.walk_to("next")
    session.pick(11)
    assert (session.walk.stage, session.walk.batch.indices.tolist()) == (0, [11])
    session.pick(None)
    assert session.walk.batch.indices.size == 10


def test_a_diverged_network_cannot_be_walked_through():
    session = Session("a", SessionConfig(), 0.0)
    session.trainer.network.params[0] = np.nan
    with pytest.raises(Refused, match="diverged"):
        session.walk_to("start")
    assert session.walk is None
    session.walk_to("stop")  # leaving is always possible


@pytest.mark.parametrize("end", [
    lambda s: s.apply_config(with_changes(s.config, training={"learning_rate": 0.5})),
    lambda s: s.apply_config(with_changes(s.config, network={"hidden_layers": [3]})),
    lambda s: s.reset(),
    lambda s: s.set_running(True),
    lambda s: s.train(1),
    lambda s: s.edit(ParamEdit(layer=1, param="b", index=0, value=1.0)),
], ids=["learning rate", "network", "reset", "play", "train", "edit"])
def test_changes_to_the_run_end_the_walk(end):
    session = Session("a", SessionConfig(), 0.0)
    session.walk_to("start")
    session.walk_to("next")
    end(session)
    assert session.walk is None
    assert encode_frame_header(session)[9] == -1


def encode_frame_header(session: Session) -> tuple:
    return HEADER.unpack_from(encode_frame(session, 10, 4))


def test_the_diagram_shows_the_updated_weights_at_the_update_stage():
    session = Session("a", SessionConfig(), 0.0)
    session.walk_to("start")
    for _ in range(7):
        session.walk_to("next")
    assert (session.walk.current.phase, session.walk.current.layer) == ("backward", 1)
    net = session.trainer.network
    arrays = layer_arrays(session)
    assert all(np.array_equal(arrays[("W", l + 1)], layer.W) for l, layer in enumerate(net.layers))
    session.walk_to("next")
    assert (session.walk.current.phase, session.walk.current.layer) == ("update", None)
    after = split_flat(session.walk.params_after, net.sizes)
    arrays = layer_arrays(session)
    for l, (W, b) in enumerate(after):
        assert np.array_equal(arrays[("W", l + 1)], W) and np.array_equal(arrays[("b", l + 1)], b)
        assert not np.array_equal(arrays[("W", l + 1)], net.layers[l].W)
        # The gradients and batch means are still the walk's batch.
        assert np.array_equal(arrays[("dW", l + 1)], session.walk.batch.grads.layers[l].dW)
    # The same through the wire: the frame's W fields are the updated weights, in float32.
    frame = encode_frame(session, 10, 4)
    header = HEADER.unpack_from(frame)
    assert (header[1], header[8], header[9], header[12]) == (0, 0, 8, -1)  # example 0 followed
    assert header[10] == np.float32(session.walk.batch.loss)
    for spec in layout_message(session, 10, 4).fields:
        if spec.name == "W":
            shown = np.frombuffer(frame, "<f4", int(np.prod(spec.shape)), spec.offset).reshape(spec.shape)
            assert np.array_equal(shown, after[spec.layer - 1][0].astype(np.float32))
    # Moving on applies exactly what was shown.
    session.walk_to("next")
    assert np.array_equal(net.params, np.concatenate([np.concatenate([W.ravel(), b.ravel()])
                                                      for W, b in after]))
    assert session.trainer.step_count == 1


def test_the_frame_header_names_the_picked_sample_and_its_loss():
    session = Session("a", SessionConfig(), 0.0)
    session.pick(123)
    header = encode_frame_header(session)
    step, column = session.shown_example()
    assert (header[8], header[9], header[12]) == (123, -1, -1)
    assert header[10] == np.float32(step.loss)  # C_x of that one example


def test_going_through_the_batch_shows_one_of_its_examples_and_its_mean_gradient():
    session = Session("a", SessionConfig(), 0.0)
    session.pick(None, 3)
    header = encode_frame_header(session)
    batch = session.shown_batch()
    assert (header[8], header[12]) == (session.trainer.upcoming_indices()[3], 3)
    arrays = layer_arrays(session)
    for l, (trace, grad) in enumerate(zip(batch.traces, batch.grads.layers), start=1):
        assert np.array_equal(arrays[("z", l)], trace.z[:, 3])
        assert np.array_equal(arrays[("delta", l)], grad.delta[:, 3])
        assert np.array_equal(arrays[("dW", l)], grad.dW)  # the mean the update applies
    with pytest.raises(Refused, match="the batch has 10 examples") as refused:
        session.pick(None, 10)
    assert refused.value.code == "position_out_of_range"
