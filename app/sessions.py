"""Sessions: one training run each, owned by a browser tab or a REST client.

A session turns its config into engine objects and keeps version counters that viewers compare
against what they last sent, so that any number of viewers can follow it without a queue.
Nothing here knows about HTTP or asyncio.
"""

import secrets
import time
from collections.abc import Callable

import numpy as np

from app.engine.activations import get_activation
from app.engine.datasets import Dataset, make_dataset
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import GradientDescent
from app.engine.trainer import Trainer
from app.schemas import Limits, SessionConfig, Status


class SessionLimitReached(Exception):
    pass


def build_dataset(config: SessionConfig) -> Dataset:
    data = config.data
    rng = np.random.default_rng(data.seed)
    return make_dataset(data.dataset, data.n_samples, data.noise, data.test_ratio, rng)


def build_trainer(config: SessionConfig, data: Dataset) -> Trainer:
    """Fresh weights and batch order, both drawn from config.seed: same seed, same run."""
    net = config.network
    init_rng, order_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(2))
    sizes = [data.x_train.shape[0], *net.hidden_layers, data.y_train.shape[0]]
    activations = [get_activation(net.activation)] * len(net.hidden_layers)
    network = Network(sizes, [*activations, get_activation(net.output_activation)], init_rng)
    optimizer = GradientDescent(config.training.learning_rate)
    return Trainer(network, get_loss(net.loss), optimizer, data, config.training.batch_size, order_rng)


class Session:
    def __init__(self, session_id: str, config: SessionConfig, now: float) -> None:
        self.id = session_id
        self.config = config
        self.data = build_dataset(config)
        self.trainer = build_trainer(config, self.data)
        self.last_active = now
        self.running = False
        self.steps_per_second: int | None = 100
        # Viewers compare these with what they last sent: layout = shape or data changed,
        # state = anything drawn changed, status = running/paused/diverged/speed/config changed.
        self.layout_version = 0
        self.state_version = 0
        self.status_version = 0
        self.listeners: set[Callable[[], None]] = set()
        # Derived wire data (metrics, frame bytes) keyed by name, valid for one state_version.
        self.cache: dict[str, tuple[int, object]] = {}

    @property
    def diverged(self) -> bool:
        return self.trainer.diverged

    @property
    def status(self) -> Status:
        if self.diverged:
            return "diverged"
        return "running" if self.running else "paused"

    def cached(self, key: str, build: Callable[[], object]) -> object:
        """Build derived data once per state, however many viewers ask for it."""
        hit = self.cache.get(key)
        if hit is None or hit[0] != self.state_version:
            hit = self.cache[key] = (self.state_version, build())
        return hit[1]

    def _changed(self, layout: bool = False, status: bool = False) -> None:
        self.state_version += 1
        self.layout_version += layout
        self.status_version += status
        for listener in list(self.listeners):
            listener()

    def apply_config(self, config: SessionConfig) -> None:
        """Take a new config at once: new data or a new network start over from the seeds,
        while a new learning rate or batch size carries on from the current weights."""
        old, self.config = self.config, config
        if config.data != old.data:
            self.data = build_dataset(config)
        if config.data != old.data or config.network != old.network or config.seed != old.seed:
            self.trainer = build_trainer(config, self.data)
            self._changed(layout=True, status=True)
            return
        self.trainer.optimizer.learning_rate = config.training.learning_rate
        self.trainer.batch_size = config.training.batch_size
        self._changed(status=True)

    def reset(self, seed: int | None = None) -> None:
        """Weights drawn again from the seed, or from a new seed if one is given."""
        if seed is not None:
            self.config = self.config.model_copy(update={"seed": seed})
        self.trainer = build_trainer(self.config, self.data)
        self._changed(layout=True, status=True)

    def set_running(self, running: bool) -> None:
        self.running = running and not self.diverged
        self._changed(status=True)

    def set_speed(self, steps_per_second: int | None) -> None:
        self.steps_per_second = steps_per_second
        self._changed(status=True)

    def train(self, steps: int, budget_seconds: float = float("inf")) -> int:
        """Up to ``steps`` steps within the time budget; returns how many ran. Divergence stops
        training and is reported through the status, never as an exception."""
        done = self.trainer.train(steps, budget_seconds)
        if self.diverged:
            self.running = False
        self._changed(status=self.diverged)
        return done


class SessionRegistry:
    """Creates, finds and expires sessions; ids are unguessable tokens."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.sessions: dict[str, Session] = {}

    def create(self, config: SessionConfig) -> Session:
        self.expire()
        if len(self.sessions) >= self.limits.max_sessions:
            raise SessionLimitReached(f"at most {self.limits.max_sessions} sessions at once")
        session = Session(secrets.token_urlsafe(16), config, self.clock())
        self.sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session with this id, marked as just used."""
        self.expire()
        session = self.sessions.get(session_id)
        if session is not None:
            self.touch(session)
        return session

    def touch(self, session: Session) -> None:
        session.last_active = self.clock()

    def delete(self, session_id: str) -> bool:
        return self.sessions.pop(session_id, None) is not None

    def expire(self) -> None:
        """Drop sessions idle for longer than the TTL; a session being watched is never idle."""
        cutoff = self.clock() - self.limits.session_ttl_seconds
        for sid, session in list(self.sessions.items()):
            if session.last_active < cutoff and not session.listeners:
                del self.sessions[sid]
