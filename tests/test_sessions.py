import itertools
import re

import numpy as np
import pytest

from app.schemas import Limits, SessionConfig
from app.sessions import Session, SessionLimitReached, SessionRegistry


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
    with pytest.raises(SessionLimitReached, match="at most 3 sessions at once"):
        registry.create(SessionConfig())


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
    session.set_running(True)
    assert session.running is False


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
