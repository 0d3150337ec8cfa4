"""Sessions: one training run each, owned by a browser tab or a REST client.

A session turns its config into engine objects (app/build.py) and keeps version counters that viewers compare
against what they last sent, so that any number of viewers can follow it without a queue.
Nothing here knows about HTTP or asyncio.
"""

import secrets
import time
from collections.abc import Callable
from typing import TypeVar, cast

import numpy as np
from pydantic import BaseModel

from app.build import build_inputs, build_optimizer, build_raw_dataset, build_regularizer, build_trainer
from app.config import Limits, SessionConfig
from app.engine.csvdata import Table
from app.engine.trainer import Evaluation, Metrics, TracedBatch, TrainerState
from app.engine.walkthrough import Walkthrough
from app.errors import Refused
from app.protocol import ParamEdit, Status, Target

T = TypeVar("T")
# The example a new session's diagram follows; any other is a click away.
FIRST_EXAMPLE = 0
# Losses and accuracies over every training and test example cost as much as the rest of a
# frame together: while only training changes the weights, frames show the last evaluation for
# up to this long (a point of the loss curve is recorded with each new one); any other change
# (reset, config, edit, pause, a walkthrough's step, divergence) evaluates them anew at once.
METRICS_SECONDS = 0.2
# (settled_version, weights_version, clock()) when derived data was made: see Session.outdated.
Made = tuple[int, int, float]


class Session:
    def __init__(self, session_id: str, config: SessionConfig, now: float) -> None:
        self.id = session_id
        # Steers the session (REST changes, WebSocket control); the id alone only watches, so
        # that a projected or shared viewing link cannot steer, reset or delete it.
        self.token = secrets.token_urlsafe(16)
        self.config = config
        self.upload: Table | None = None  # a CSV file sent to this session, kept nowhere else
        self.address: str | None = None  # the client that made it, for max_sessions_per_address
        self.load_data()
        self.trainer = build_trainer(config, self.data)
        self.last_active = now
        self.running = False
        self.steps_per_second: int | None = 100
        # Whose z, a and δ the diagram shows: one training example, followed while training
        # (so that its numbers change only because the weights learn), or None: the examples
        # of the next mini-batch, the one at ``position``.
        self.sample: int | None = FIRST_EXAMPLE
        self.position = 0
        self.walk: Walkthrough | None = None
        # The neuron or weight the steering page inspects, which a room's followers see too.
        self.shown_target: Target | None = None
        # Viewers compare these with what they last sent: layout = shape or data changed,
        # state = anything drawn changed, status = running/paused/diverged/speed/config changed.
        self.layout_version = 0
        self.state_version = 0
        self.status_version = 0
        self.listeners: set[Callable[[], None]] = set()
        # Each viewer's outbox, for a message to every page showing the session (a recall).
        self.inboxes: set[Callable[[BaseModel], None]] = set()
        # A student's own copy of a room's network, as the class dashboard names it.
        self.name: str | None = None
        # Set once, when the registry deletes or expires the session: whatever trains it or
        # shows it (woken through the listeners) ends instead of carrying on unseen.
        self.closed = False
        # How its sockets close when it ends; None: "session ended". A worker handing the
        # session to another one closes them with "moved", and the pages reconnect.
        self.close_reason: tuple[int, str] | None = None
        # Derived wire data (traces, frame bytes) keyed by name, with what it was made for: a
        # state_version (``cached``), a layout_version (frames.per_layout) or see ``lagging``.
        self.cache: dict[str, tuple[object, object]] = {}
        # Counts the changes of what the metrics are computed from (weights, data, config):
        # following another example, inspecting or a new speed leave them as they are.
        self.weights_version = 0
        # Counts those changes other than training steps, and pausing: shown metrics older
        # than one are redone.
        self.settled_version = 0
        self.clock: Callable[[], float] = time.monotonic
        # The newest exact evaluation: (settled_version, weights_version, clock() when made, it).
        self.evaluated: tuple[int, int, float, Evaluation] | None = None
        self.record_history()

    @property
    def diverged(self) -> bool:
        return self.trainer.diverged

    @property
    def status(self) -> Status:
        if self.diverged:
            return "diverged"
        return "running" if self.running else "paused"

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """Build derived data once per state, however many viewers ask for it."""
        hit = self.cache.get(key)
        if hit is None or hit[0] != self.state_version:
            hit = self.cache[key] = (self.state_version, build())
        return cast(T, hit[1])

    def cached_now(self, key: str) -> object | None:
        """What ``cached`` holds for ``key`` if it was built for the current state, else None."""
        hit = self.cache.get(key)
        return hit[1] if hit is not None and hit[0] == self.state_version else None

    def evaluation(self) -> Evaluation:
        """Losses, accuracies and confusion of the current weights, computed once for them."""
        last = self.evaluated
        if last is None or last[1] != self.weights_version:
            last = self.evaluated = (self.settled_version, self.weights_version, self.clock(),
                                     self.trainer.evaluation())
        return last[3]

    def metrics(self) -> Metrics:
        return self.evaluation().metrics

    def metrics_due(self) -> bool:
        """Whether the shown metrics are out of date (see ``outdated``)."""
        last = self.evaluated
        return last is None or self.outdated(last[:3], METRICS_SECONDS)

    def outdated(self, made: Made, seconds: float) -> bool:
        """Whether what was made at (settled_version, weights_version, clock()) is of other
        weights than the current ones, and older than ``seconds`` or than a change other than
        training: what training changes at every step may lag it by a few frames."""
        settled, weights, when = made
        return weights != self.weights_version and (
            settled != self.settled_version or self.clock() - when >= seconds)

    def lagging(self, key: str, seconds: float, build: Callable[[], T]) -> tuple[Made, T]:
        """Build derived data at most once per ``seconds`` of training, and at once after any
        other change (see ``outdated``); with when it was made, which tells one build from
        another."""
        if self.lagging_made(key, seconds) is None:
            made = (self.settled_version, self.weights_version, self.clock())
            self.cache[key] = (made, build())
        return cast(tuple[Made, T], self.cache[key])

    def lagging_made(self, key: str, seconds: float) -> Made | None:
        """When what ``lagging`` holds was made; None when the next call builds it again."""
        hit = self.cache.get(key)
        if hit is None or self.outdated(cast(Made, hit[0]), seconds):
            return None
        return cast(Made, hit[0])

    def shown_evaluation(self) -> Evaluation:
        """What frames show: the exact evaluation of the current state when due, else the last
        one, made at most METRICS_SECONDS of training ago."""
        if self.metrics_due():
            return self.evaluation()
        assert self.evaluated is not None
        return self.evaluated[3]

    def record_history(self) -> None:
        """A point of the loss curve at the current update; training decides when."""
        self.trainer.history.record(self.trainer.step_count, self.metrics())

    def shown_batch(self) -> TracedBatch:
        """The examples the next update averages over, traced at the weights on screen: the
        walkthrough's while one is open, else the next mini-batch. Its ∂C/∂W and ∂C/∂b are
        what Step applies."""
        if self.walk is not None:
            return self.walk.batch
        return self.cached("batch", lambda: self.trace_examples(None))

    def shown_example(self) -> tuple[TracedBatch, int]:
        """The one example whose z, a and δ the diagram shows, as a column of traced examples:
        numbers of one example satisfy every equation with each other, where means would not
        (the mean of tanh(z) is not tanh of the mean z)."""
        if self.walk is not None:
            walk = self.walk.batch
            return walk, self.column(walk.indices.size) if self.walk.upcoming else 0
        if self.sample is None:
            batch = self.shown_batch()
            return batch, self.column(batch.indices.size)
        return self.cached("example", lambda: self.trace_examples(self.sample)), 0

    def column(self, batch_size: int) -> int:
        """``position`` within a batch of this size (a smaller batch size may have cut it short)."""
        return min(self.position, batch_size - 1)

    def _changed(self, layout: bool = False, status: bool = False, trained: bool = False,
                 viewed: bool = False) -> None:
        """trained: training steps changed the weights (the metrics may lag them by
        METRICS_SECONDS); viewed: only what is shown of them changed (the followed example, the
        inspected target, the speed), so the metrics stand."""
        self.state_version += 1
        self.weights_version += not viewed
        self.settled_version += not (trained or viewed)
        self.layout_version += layout
        self.status_version += status
        for listener in list(self.listeners):
            listener()

    def tell(self, message: BaseModel) -> int:
        """Send a message to every page showing this session now; how many there are."""
        inboxes = list(self.inboxes)
        for inbox in inboxes:
            inbox(message)
        return len(inboxes)

    def close(self) -> None:
        self.closed = True
        self.running = False
        self._changed(status=True)

    def load_data(self) -> None:
        """raw: the examples as made, for drawing; data: what the network is trained on."""
        self.raw = build_raw_dataset(self.config, self.upload)
        self.inputs, self.data = build_inputs(self.config, self.raw)

    def apply_config(self, config: SessionConfig) -> None:
        """Take a new config at once: new data or a new network start over from the seeds,
        while the training settings carry on from the current weights (a new optimizer or
        penalty starts its own state afresh; the learning rate and batch size just change)."""
        old, self.config = self.config, config
        try:
            if config.data != old.data:
                self.load_data()
        except Refused:
            self.config = old
            raise
        self.walk = None
        if config.data != old.data:
            self.sample, self.position = FIRST_EXAMPLE, 0
        if config.data != old.data or config.network != old.network or config.seed != old.seed:
            self.trainer = build_trainer(config, self.data)
            self._changed(layout=True, status=True)
            self.record_history()
            return
        self.apply_training(old)
        self._changed(status=True)

    def apply_training(self, old: SessionConfig) -> None:
        new_training, old_training = self.config.training, old.training
        trainer = self.trainer
        trainer.batch_size = new_training.batch_size
        trainer.regularizer = build_regularizer(self.config)
        keep = {"learning_rate", "batch_size", "regularization", "regularization_rate"}
        if new_training.model_dump(exclude=keep) != old_training.model_dump(exclude=keep):
            trainer.optimizer = build_optimizer(self.config)
        trainer.optimizer.learning_rate = new_training.learning_rate

    def upload_csv(self, table: Table, config: SessionConfig) -> None:
        """A new table, trained on at once under ``config`` (whose dataset is "csv")."""
        old_upload, old_config = self.upload, self.config
        self.upload, self.config = table, config
        try:
            self.load_data()
        except Refused:
            self.upload, self.config = old_upload, old_config
            raise
        self.walk, self.sample, self.position = None, FIRST_EXAMPLE, 0
        self.trainer = build_trainer(config, self.data)
        self._changed(layout=True, status=True)
        self.record_history()

    def reset(self, seed: int | None = None) -> None:
        """Weights drawn again from the seed, or from a new seed if one is given."""
        if seed is not None:
            self.config = self.config.model_copy(update={"seed": seed})
        self.walk = None
        self.trainer = build_trainer(self.config, self.data)
        self._changed(layout=True, status=True)
        self.record_history()

    def show_target(self, target: Target | None) -> None:
        """What the steering page has open in its inspector: a room's followers open it too."""
        if target != self.shown_target:
            self.shown_target = target
            self._changed(status=True, viewed=True)

    def copy_from(self, other: "Session") -> None:
        """Become a copy of another session as it is now: its config, data (an uploaded table
        included), weights, optimizer state, batch order and history. Training each on from
        here gives the same numbers."""
        if other.upload is not None:
            self.upload_csv(other.upload, other.config)
        self.restore(other.trainer.export_state())
        self.sample, self.position = other.sample, other.position

    def restore(self, state: TrainerState) -> None:
        """Continue a saved run of this session's config: its weights, optimizer, batch order
        and history, as if it had never stopped."""
        self.walk = None
        self.trainer.load_state(state)
        if not self.trainer.history.rows:
            self.record_history()
        self._changed(layout=True, status=True)

    def set_running(self, running: bool) -> None:
        if running and self.diverged:
            raise Refused("diverged", "the network has diverged: reset it (or lower the learning "
                          "rate) before training on", field="type")
        self.running = running
        if self.running:
            self.walk = None
        self._changed(status=True)

    def set_speed(self, steps_per_second: int | None) -> None:
        self.steps_per_second = steps_per_second
        self._changed(status=True, viewed=True)

    def train(self, steps: int, budget_seconds: float = float("inf")) -> int:
        """Up to ``steps`` updates within the time budget; returns how many ran. Divergence
        stops training and is reported through the status, never as an exception. The caller
        records the loss history when it sees fit (a few times a second, or per REST chunk)."""
        self.walk = None
        done = self.trainer.train(steps, budget_seconds)
        diverged = self.diverged
        if diverged:
            self.running = False
        self._changed(status=diverged, trained=not diverged)
        return done

    def check_sample(self, sample: int | None) -> None:
        n_train = self.data.x_train.shape[1]
        if sample is not None and not 0 <= sample < n_train:
            raise Refused("sample_out_of_range",
                          f"at most {n_train - 1}: the training set has {n_train} examples",
                          field="sample", params={"limit": n_train - 1, "examples": n_train})

    def trace_examples(self, sample: int | None) -> TracedBatch:
        """A training example (None: the next mini-batch) traced at the current weights."""
        self.check_sample(sample)
        indices = self.trainer.upcoming_indices() if sample is None else np.array([sample])
        return self.trainer.shown_trace(indices)

    def pick(self, sample: int | None, position: int = 0) -> None:
        """Follow one training example in the diagram and inspector, or (None) the examples of
        the next mini-batch, showing the one at ``position``."""
        self.check_sample(sample)
        if sample is None and position >= self.trainer.batch_size:
            raise Refused("position_out_of_range",
                          f"at most {self.trainer.batch_size - 1}: the batch has "
                          f"{self.trainer.batch_size} examples", field="position",
                          params={"limit": self.trainer.batch_size - 1})
        same_batch = sample is None and self.walk is not None and self.walk.upcoming
        self.sample, self.position = sample, position if sample is None else 0
        if self.walk is not None and not same_batch:  # another example: its own walk
            self.walk = Walkthrough.begin(self.trainer, sample)
        # The frame's header says which example is shown; the status has nothing new, and
        # sent anyway it cost a room a second message to every follower on that beat.
        self._changed(viewed=True)

    def walk_to(self, action: str) -> None:
        """Step-by-step mode: start it (training pauses), move a stage, or leave it."""
        if action == "stop":
            self.walk = None
        elif self.diverged:
            raise Refused("diverged", "the network has diverged; reset it first", field="action")
        elif action == "start" or self.walk is None:
            self.running = False
            self.walk = Walkthrough.begin(self.trainer, self.sample)
        elif action == "next":
            self.walk = self.walk.forward(self.trainer)
        else:
            self.walk.back()
        self._changed(status=True)

    def edit(self, edit: ParamEdit) -> None:
        """Set one weight or bias by hand, to see what it does; only while paused, so that the
        value is not overwritten by the next step before anyone sees its effect."""
        if self.running:
            raise Refused("not_paused", "pause training to edit a weight or bias", field="value")
        net = self.trainer.network
        if not 1 <= edit.layer <= net.depth:
            raise Refused("no_such_layer", f"layers are numbered 1 to {net.depth}",
                          field="layer", params={"limit": net.depth})
        n_in, n_out = net.sizes[edit.layer - 1], net.sizes[edit.layer]
        if edit.index >= n_out:
            raise Refused("no_such_neuron",
                          f"layer {edit.layer} has {n_out} neurons, numbered from 0",
                          field="index", params={"layer": edit.layer, "neurons": n_out})
        layer = net.layers[edit.layer - 1]
        if edit.param == "b":
            layer.b[edit.index, 0] = edit.value
        elif edit.source is None or edit.source >= n_in:
            raise Refused("no_such_source",
                          f"a weight of layer {edit.layer} needs a source below {n_in}",
                          field="source", params={"layer": edit.layer, "limit": n_in})
        else:
            layer.W[edit.index, edit.source] = edit.value
        self.walk = None
        self._changed()


class SessionRegistry:
    """Creates, finds and expires sessions; ids are unguessable tokens."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.sessions: dict[str, Session] = {}
        # Called with the id of every session that ends (deleted, expired, server stopping).
        self.on_close: list[Callable[[str], None]] = []
        # Called with every session made here (a worker puts it in the directory at once).
        self.on_create: list[Callable[[Session], None]] = []

    def create(self, config: SessionConfig, address: str | None = None,
               session_id: str | None = None) -> Session:
        """A new session for a client at ``address`` (None: not counted against any), with a
        fresh unguessable id unless the caller drew one already."""
        self.expire()
        self.check_room()
        self.check_address(address)
        session = Session(session_id or secrets.token_urlsafe(16), config, self.clock())
        session.address = address
        self.sessions[session.id] = session
        for callback in self.on_create:
            callback(session)
        return session

    def check_room(self) -> None:
        if len(self.sessions) >= self.limits.max_sessions:
            raise Refused("session_limit", f"at most {self.limits.max_sessions} sessions at once "
                          "(max_sessions)", params={"limit": self.limits.max_sessions,
                                                    "setting": "max_sessions"}, status=503)

    def adopt(self, session: Session) -> None:
        """Hold a session made elsewhere: restored from a checkpoint by a worker (app/cluster/)."""
        self.expire()
        self.check_room()
        session.last_active = self.clock()
        self.sessions[session.id] = session

    def check_address(self, address: str | None) -> None:
        """One client (one student, one script) cannot take every session: past its share it
        is refused, while other addresses still get theirs."""
        limit = self.limits.max_sessions_per_address
        if address is None or sum(s.address == address for s in self.sessions.values()) < limit:
            return
        raise Refused("address_limit", f"at most {limit} sessions at once from one address "
                      "(max_sessions_per_address)",
                      params={"limit": limit, "setting": "max_sessions_per_address"}, status=429)

    def get(self, session_id: str) -> Session | None:
        """The live session with this id, marked as just used."""
        self.expire()
        session = self.sessions.get(session_id)
        if session is not None:
            self.touch(session)
        return session

    @staticmethod
    def steers(session: Session, token: str | None) -> bool:
        """Whether ``token`` is the session's steering token (compared in constant time)."""
        return token is not None and secrets.compare_digest(token.encode(), session.token.encode())

    def touch(self, session: Session) -> None:
        session.last_active = self.clock()

    def delete(self, session_id: str) -> bool:
        session = self.sessions.pop(session_id, None)
        if session is not None:
            self._close(session)
        return session is not None

    def _close(self, session: Session) -> None:
        session.close()
        for callback in self.on_close:
            callback(session.id)

    def close_all(self) -> None:
        """The server is stopping: every session ends, and whatever trains it stops."""
        sessions, self.sessions = list(self.sessions.values()), {}
        for session in sessions:
            self._close(session)

    def expire(self) -> None:
        """Drop sessions idle for longer than the TTL; a session being watched is never idle."""
        cutoff = self.clock() - self.limits.session_ttl_seconds
        for sid, session in list(self.sessions.items()):
            if session.last_active < cutoff and not session.listeners:
                del self.sessions[sid]
                self._close(session)
