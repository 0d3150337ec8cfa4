"""Training and frame delivery on the event loop, never blocking it.

Training runs inline in slices of about a millisecond between awaits (a thread would gain
nothing under the GIL for calls this small, and would add latency). Viewers pull: each sends
at most one frame per frame interval, built from whatever the state is when it is ready to
send, so a slow client gets fewer, newer frames and nothing queues up for it.
"""

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from time import perf_counter

import numpy as np
from pydantic import BaseModel

from app.config import Limits
from app.engine.gradcheck import gradient_check
from app.engine.network import Network
from app.engine.trainer import LossHistory, TracedBatch
from app.errors import Refused
from app.frames import (
    OUTPUT_MAP_SECONDS,
    BuiltFrame,
    built_frame,
    layout_message,
    output_map_made,
    shown_frame,
)
from app.protocol import (
    GradCheckResult,
    HistoryMessage,
    InspectionMessage,
    NeuronTarget,
    StatusMessage,
    WeightTarget,
)
from app.responses import finite, history_rows, inspection
from app.scheduler import Account
from app.sessions import Made, Session

# A gradient check passes when every relative error is below this (float64 central differences).
GRADCHECK_THRESHOLD = 1e-6
SLICE_SECONDS = 0.001
# At a set speed, steps missed while the loop was busy are made up for at most this long.
BURST_SECONDS = 0.1
# Training wakes this often to run the steps due since its last wake (the default frame rate's
# interval; TrainingLoops uses the server's max_frame_rate).
TICK_SECONDS = 1 / 30
# The share of each tick a session's training may take at most, so that "as fast as possible"
# stays below the scheduler's session_cpu_share and the session's own frames still find budget
# in its window: create_app gives TrainingLoops TRAINING_SHARE_OF_BUDGET of session_cpu_share;
# TRAINING_SHARE is the default of loops made without settings.
TRAINING_SHARE = 0.45
TRAINING_SHARE_OF_BUDGET = 0.9
# A train call records about this many points of loss history, however many updates it runs.
HISTORY_POINTS_PER_CALL = 100


class Building:
    """A frame one viewer builds, in its own task and turn at the scheduler, for every viewer
    that asks meanwhile.

    In its own task, not a new one: when the scheduler is free the frame is done before any
    other viewer runs, so a room's followers, woken together, find it built rather than each
    wait for it (a second wake-up each, which cost a 300-follower room a fifth of its frames).
    The others wait on an event, so one that leaves cancels only its own wait; if the builder
    leaves first, ``frame`` stays None and the next viewer builds.
    """

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.finished = asyncio.Event()
        self.frame: BuiltFrame | None = None


# Frames being built now, by (session id, with the neuron maps, with the output map): viewers
# that find one wait for it rather than queue for a turn of their own.
BUILDING: dict[tuple[str, bool, bool], Building] = {}


def beat_phase(session_id: str) -> float:
    """The session's own phase, in beats, so that sessions do not all build their frames at
    the same moment."""
    return (hash(session_id) % 997) / 997


def beat_number(session_id: str, rate: float, when: float) -> float:
    """Where ``when`` falls among the session's beats: the times its frames go out, shared by
    all its viewers, ``rate`` a second at the session's phase."""
    return when * rate - beat_phase(session_id)


def beat_time(session_id: str, rate: float, number: int) -> float:
    return (number + beat_phase(session_id)) / rate


def next_beat(session_id: str, rate: float, when: float) -> float:
    """The first of the session's beats at ``when`` or after it."""
    return beat_time(session_id, rate, math.ceil(beat_number(session_id, rate, when) - 1e-6))


class Beat:
    """One frame time of a session, shared by all its viewers whose next frame falls on it.

    One timer wakes the first of them, which leads: it builds the frame in its turn at the
    scheduler, then lets the others go, and they find the frame built. A timer of each
    viewer's own, and each then waiting for the first one's frame, were two wake-ups per
    follower per frame: with 300 followers, most of a room's cost.
    """

    def __init__(self, key: tuple[str, int], delay: float) -> None:
        self.key = key
        self.loop = asyncio.get_running_loop()
        self.waiters: deque[asyncio.Future[bool]] = deque()
        # The frames sent on this beat, by (with the neuron maps, with the output map), with
        # the state each shows: the followers that begin theirs after training has made a
        # newer state send the beat's rather than build another (a room's last followers
        # begin theirs tens of milliseconds after the beat).
        self.frames: dict[tuple[bool, bool], tuple[int, BuiltFrame]] = {}
        self.loop.call_later(delay, self._lead)

    def _lead(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        self.release()

    def release(self) -> None:
        """The leader has its frame (or needs none): the others go, and later viewers of this
        beat do not wait."""
        if BEATS.get(self.key) is self:
            del BEATS[self.key]
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(False)

    async def wait(self) -> bool:
        """Until this beat; True for the viewer that leads it, which then calls ``release``."""
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.release()  # chosen to lead, and gone before it could
            raise


# Beats waited for now, by (session id, beat number).
BEATS: dict[tuple[str, int], Beat] = {}


async def train_steps(session: Session, steps: int, hung_up: Callable[[], bool] = lambda: False,
                      account: Account | None = None) -> None:
    """Run ``steps`` updates in slices, recording the loss along the way; each slice waits for
    its turn at the scheduler when an account pays for it.

    It stops early when the session diverges or is closed (deleted, expired), or when
    ``hung_up`` says the client that asked has gone: nobody would read the result.
    """
    record_every = math.ceil(steps / HISTORY_POINTS_PER_CALL)
    remaining = steps

    def going() -> bool:
        return not (session.diverged or session.closed or hung_up())

    while remaining > 0 and going():
        chunk = min(record_every, remaining)
        while chunk > 0 and going():
            async with turn(account):
                done = session.train(chunk, SLICE_SECONDS) if going() else 0
            chunk -= done
            remaining -= done
            await asyncio.sleep(0)
        async with turn(account):
            session.record_history()


def turn(account: Account | None) -> contextlib.AbstractAsyncContextManager[None]:
    return contextlib.nullcontext() if account is None else account.turn()


async def check_gradients(session: Session, batch: TracedBatch) -> GradCheckResult:
    """Finite differences on a copy of the network, in a thread: two forward passes per
    parameter can take a while on a big batch, and training carries on meanwhile."""
    net = session.trainer.network
    copy = Network(net.sizes, [layer.activation for layer in net.layers], np.random.default_rng(0))
    copy.params[:] = net.params
    errors = await asyncio.to_thread(gradient_check, copy, batch.x.copy(), batch.y.copy(),
                                     session.trainer.loss, session.trainer.regularizer)
    return GradCheckResult(layers=finite(np.array(errors)), threshold=GRADCHECK_THRESHOLD,
                           passed=bool(max(errors) < GRADCHECK_THRESHOLD),
                           examples=batch.indices.size, sample=session.sample)


async def _wait(event: asyncio.Event, timeout: float) -> None:
    """Until the event is set or the time is up. Never swallows a cancellation: on Python
    3.11, ``asyncio.wait_for`` returns normally when the cancel arrives as the event fires,
    which once left a training task running forever after its last viewer left."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


class TrainingLoop:
    """One watched session's training task, shared by all its viewers.

    It ends in two independent ways, so that neither a lost cancellation nor a wake-up that
    arrives at the wrong moment can keep it alive: ``stop`` cancels the task, and the loop
    itself checks ``stopped`` and ``session.closed`` every time it wakes.
    """

    def __init__(self, session: Session, top_speed: int, account: Account | None = None,
                 tick_seconds: float = TICK_SECONDS, training_share: float = TRAINING_SHARE) -> None:
        self.session, self.top_speed, self.account = session, top_speed, account
        self.tick_seconds, self.training_share = tick_seconds, training_share
        self.viewers = 0
        self.stopped = False
        self.wake = asyncio.Event()
        self.task = asyncio.create_task(self.run())

    @property
    def over(self) -> bool:
        return self.stopped or self.session.closed

    async def run(self) -> None:
        """Train at the session's speed for as long as it has viewers.

        The loop wakes once per tick (a frame interval) and runs the steps due since the last
        in one go, through the compiled kernel where it applies: waking once per step cost
        more than the steps at a few hundred a second. Steps that one slice cannot finish go
        on in further slices, each a turn at the scheduler, so that other sessions' turns come
        between. "As fast as possible" is the operator's top speed, which on most machines is
        more than they can do: training then runs in back-to-back slices for ``training_share``
        of each tick, which leaves the rest of the session's CPU budget to its frames.
        """
        session, wake = self.session, self.wake
        session.listeners.add(wake.set)
        try:
            credit, spent = 1.0, 0.0  # spent: seconds trained in this tick
            last = next_tick = perf_counter()
            allowed = self.training_share * self.tick_seconds
            while not self.over:
                wake.clear()
                if not session.running:
                    session.record_history()
                    await wake.wait()
                    credit = 1.0
                    last = next_tick = perf_counter()
                    continue
                rate = min(session.steps_per_second or self.top_speed, self.top_speed)
                now = perf_counter()
                credit = min(credit + (now - last) * rate, max(1.0, rate * BURST_SECONDS))
                last = now
                if credit >= 1.0 and spent < allowed:
                    # The loss curve's points evaluate every example (a few times a second, as
                    # the frames' metrics): part of the turn they cost.
                    async with turn(self.account):
                        if not self.over and session.running:
                            started = perf_counter()
                            credit -= session.train(int(credit), SLICE_SECONDS)
                            spent += perf_counter() - started
                        if session.metrics_due():
                            session.record_history()
                    if credit >= 1.0 and spent < allowed:  # more than one slice: on after others
                        await asyncio.sleep(0)
                        continue
                # Ticks follow their own deadlines, so that the time spent training does not
                # stretch them; a slow speed waits for its next whole step instead.
                next_tick, spent = max(next_tick + self.tick_seconds, now), 0.0
                wake.clear()  # set by the steps just run; a pause or new speed sets it anew
                await _wait(wake, max(next_tick - perf_counter(), (1.0 - credit) / rate))
        finally:
            session.listeners.discard(wake.set)

    async def stop(self) -> None:
        """End the task and wait for it; the caller's own cancellation still gets through."""
        self.stopped = True
        self.wake.set()
        self.task.cancel()
        await asyncio.wait([self.task])
        if not self.task.cancelled() and (error := self.task.exception()) is not None:
            raise error


class TrainingLoops:
    """One training task per watched session; it ends when the last viewer leaves."""

    def __init__(self, top_speed: int, tick_seconds: float = TICK_SECONDS,
                 training_share: float = TRAINING_SHARE) -> None:
        self.top_speed, self.tick_seconds = top_speed, tick_seconds
        self.training_share = training_share
        self.tasks: dict[str, TrainingLoop] = {}
        # Every task not yet finished, including those being stopped: what /health counts.
        self.live: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def watching(self, session: Session, account: Account | None = None) -> AsyncIterator[None]:
        """While a viewer watches; the first viewer's account pays for the training."""
        loop = self.tasks.get(session.id)
        if loop is None:
            loop = TrainingLoop(session, self.top_speed, account, self.tick_seconds,
                                self.training_share)
            self.tasks[session.id] = loop
            self.live.add(loop.task)
            loop.task.add_done_callback(self.live.discard)
        loop.viewers += 1
        try:
            yield
        finally:
            loop.viewers -= 1
            if loop.viewers == 0:
                # Forgotten before the await, so a viewer arriving meanwhile starts afresh.
                if self.tasks.get(session.id) is loop:
                    del self.tasks[session.id]
                await loop.stop()

    async def stop_all(self) -> None:
        """Every training task, at once: the server is stopping."""
        loops = list(self.tasks.values())
        self.tasks.clear()
        await asyncio.gather(*(loop.stop() for loop in loops), return_exceptions=True)


def encoded_once(session: Session, kind: str, key: Hashable, message: Callable[[], BaseModel]) -> str:
    """A message encoded once per state for every viewer that asks with the same ``key``: a
    room's followers all do."""
    texts: dict[Hashable, str] = session.cached(kind, dict)
    text = texts.get(key)
    if text is None:
        text = texts[key] = message().model_dump_json()
    return text


def history_text(session: Session, start: int) -> str:
    """The history message from row ``start`` on (0: the whole curve, replacing the page's)."""
    history = session.trainer.history
    return encoded_once(session, "history", (id(history), history.generation, start, len(history.rows)),
                        lambda: HistoryMessage(rows=history_rows(session, start), append=start > 0))


def status_text(session: Session, ref: int | None) -> str:
    """The status message for a viewer whose last applied config message was ``ref`` (a
    room's followers have none)."""
    return encoded_once(session, "status", (session.status_version, ref), lambda: StatusMessage(
        status=session.status, steps_per_second=session.steps_per_second, config=session.config,
        ref=ref, shown_target=session.shown_target))


class Viewer:
    """One socket's view of a session: replies, then layout, status and the newest frame."""

    def __init__(
        self,
        session: Session,
        limits: Limits,
        send_text: Callable[[str], Awaitable[None]],
        send_bytes: Callable[[bytes], Awaitable[None]],
    ) -> None:
        self.session, self.limits = session, limits
        self.send_text, self.send_bytes = send_text, send_bytes
        self.changed = asyncio.Event()
        self.changed.set()
        # Replies are few (errors, acknowledgements); a client flooding bad messages loses
        # the oldest replies rather than growing the server's memory.
        self.outbox: deque[BaseModel] = deque(maxlen=32)
        self.sent = {"layout": -1, "status": -1, "state": -1}
        # The loss history as this viewer has it: which history, its generation, how many rows.
        self.history_sent: tuple[LossHistory | None, int, int] = (None, 0, 0)
        # The last config message of this socket that was applied (see ConfigMessage.ref).
        self.config_ref: int | None = None
        # When the next frame may go: one of the session's beats (see ``Beat``), which this
        # viewer leads (``leading``) when it is the first to wake for it.
        self.next_frame = 0.0
        self.woken: Beat | None = None
        self.leading: Beat | None = None
        # Neuron maps go out at their own, lower rate; a frame sent without them leaves the
        # maps behind, and a later frame (even of the same state) catches them up.
        self.next_maps = 0.0
        self.maps_behind = False
        # When the output map this viewer has was made: a frame carries the map only when the
        # session's is another (it is redone at most every other frame while training).
        self.grid_had: Made | None = None
        # While training makes a new state for every frame, each map keeps to its share of the
        # frames at the full frame rate (the neuron maps one in three, the output map one in
        # two), also when fewer frames get through (a busy server, a slow client): otherwise
        # every one of those would carry both maps, cost three times as much, and let still
        # fewer through.
        rate = limits.max_frame_rate
        self.every = {"maps": math.ceil(rate / limits.neuron_map_rate - 1e-9),
                      "grid": math.ceil(rate * OUTPUT_MAP_SECONDS - 1e-9)}
        # Frames sent since the last that carried each; a new layout's first frame has both.
        self.without = dict(self.every)
        # What this viewer's inspector shows; its numbers follow every frame.
        self.target: NeuronTarget | WeightTarget | None = None
        # Pays for the frames this viewer builds (a frame is built once per state, for all),
        # each in a turn at the scheduler.
        self.account: Account | None = None

    def reply(self, message: BaseModel) -> None:
        self.outbox.append(message)
        self.changed.set()

    def applied(self, ref: int | None) -> None:
        """A config message of this socket was applied: its status will say so."""
        self.config_ref = ref
        self.sent["status"] = -1
        self.changed.set()

    def inspect(self, target: NeuronTarget | WeightTarget | None) -> None:
        self.target = target
        self.sent["state"] = -1
        self.changed.set()

    async def run(self) -> None:
        """Send until the session closes (deleted or expired); the caller cancels otherwise."""
        self.session.listeners.add(self.changed.set)
        self.session.inboxes.add(self.reply)
        try:
            while not self.session.closed:
                # The frame's beat first, then a change: while training streams new states one
                # has come by then, and a frame costs one wake-up instead of two.
                self.woken = await self.beat(self.next_frame) if self.next_frame > perf_counter() else None
                try:
                    if not self.changed.is_set():
                        self.let_others_go()
                        self.woken = None  # the frame, if any, comes after the beat
                        # Neuron maps left behind catch up when they are due, unless new states
                        # keep coming anyway (a timeout on every wait costs more than the wait).
                        if self.maps_behind and not self.streaming():
                            await _wait(self.changed, self.next_maps - perf_counter())
                        else:
                            await self.changed.wait()
                    if self.session.closed:
                        return
                    self.changed.clear()
                    await self.flush()
                finally:
                    self.let_others_go()
        finally:
            self.session.listeners.discard(self.changed.set)
            self.session.inboxes.discard(self.reply)

    async def flush(self) -> None:
        """Send what changed. The messages are made first and the frame obtained, and only
        then sent: a viewer leading its beat lets the others go before any send, which would
        wait while its own socket is full."""
        texts = self.texts()
        framed = await self.frame()
        self.let_others_go()
        for text in texts:
            await self.send_text(text)
        if framed is not None:
            await self.send_frame(*framed)

    def texts(self) -> list[str]:
        """The messages due before the next frame, in order; the replies first."""
        session, sent = self.session, self.sent
        texts = [self.outbox.popleft().model_dump_json() for _ in range(len(self.outbox))]
        if session.layout_version != sent["layout"]:
            sent["layout"] = session.layout_version
            self.without = dict(self.every)
            layout = layout_message(session, self.limits.grid_size, self.limits.neuron_map_size)
            texts.append(layout.model_dump_json())
        if (history := self.history_due()) is not None:
            texts.append(history)
        if session.status_version != sent["status"]:
            sent["status"] = session.status_version
            texts.append(status_text(session, self.config_ref))
        return texts

    async def frame(self) -> tuple[bytes, bool, bool] | None:
        """The newest state's frame, when this viewer lacks it or its neuron maps are due:
        its bytes and whether it carries the neuron maps and the output map."""
        session, sent = self.session, self.sent
        now = perf_counter()
        rate = self.limits.max_frame_rate
        interval = 1.0 / rate
        beat = self.woken.key[1] if self.woken is not None else round(beat_number(session.id, rate, now))
        maps_due = now >= self.next_maps
        streaming = self.streaming()
        if session.state_version == sent["state"] and not (self.maps_behind and maps_due and not streaming):
            return None
        had, sent["state"] = sent["state"], session.state_version
        self.maps_behind = not maps_due
        maps_due = maps_due and self.spaced("maps", streaming, beat)
        if maps_due:  # half a beat early: a beat's wake-up a little late does not miss it
            self.next_maps = now + 1.0 / self.limits.neuron_map_rate - interval / 2
        # Built in a turn at the scheduler: a big network's frame costs as much as several
        # training steps, and many viewers building at once would stall the loop. The beat's
        # frame, or one already built for this state, is sent as it is, and one being built
        # is waited for, without a turn each: a room's followers, each queueing at the
        # scheduler, had half their frame rate at 60 and 1/s at 300.
        with_grid = self.grid_due() and self.spaced("grid", streaming, beat)
        frame, made = await self.beat_frame(had, maps_due, with_grid)
        self.grid_had = made or self.grid_had
        # Counted from this frame's beat, not from when it was sent or even begun: the wait
        # for a turn, the building and sending and the loop's lateness in waking do not
        # stretch the interval (from sending, 30 frames/s were 25; from beginning, 28.5; a
        # room's last followers begin theirs well after the beat). One that began after the
        # next beat (a room's last followers when something held the loop up a few ms) sends
        # that beat's frame at once rather than miss it: that lost a 300-follower room one
        # frame in 60. Two whole intervals late (an idle viewer that a change woke, or a server
        # behind on every beat), it starts afresh, half an interval on at least.
        due = self.next_frame + interval
        if now >= due + interval:
            due = now + interval / 2
        self.next_frame = next_beat(session.id, rate, due)
        return frame, maps_due, with_grid

    async def send_frame(self, frame: bytes, with_maps: bool, with_grid: bool) -> None:
        await self.send_bytes(frame)
        for kind, carried in (("maps", with_maps), ("grid", with_grid)):
            self.without[kind] = 0 if carried else self.without[kind] + 1
        if self.target is not None:
            await self.send_inspection(self.target)

    def streaming(self) -> bool:
        """Whether training makes a new state for every frame: then a map left out of one
        frame comes in one of the next few."""
        session = self.session
        speed = session.steps_per_second
        return session.running and (speed is None or speed >= self.limits.max_frame_rate)

    def spaced(self, kind: str, streaming: bool, beat: int) -> bool:
        """Whether the next frame may carry the neuron maps or the output map, as far as its
        share of the frames goes: always, unless training streams new states. Then on the
        session's beats that are a multiple of the share, so that viewers sharing beats (a
        room's followers) want the same frame, built once; a viewer that missed such a beat
        (a slow one) catches up within twice its share."""
        if not streaming:
            return True
        every, frames = self.every[kind], self.without[kind] + 1
        return frames >= every and (beat % every == 0 or frames >= 2 * every - 1)

    async def beat(self, when: float) -> Beat:
        """Wait for the session's beat at ``when`` (see ``Beat``)."""
        key = (self.session.id, round(beat_number(self.session.id, self.limits.max_frame_rate, when)))
        beat = BEATS.get(key)
        # Not one of another loop (test clients' sockets run on loops of their own).
        if beat is None or beat.loop is not asyncio.get_running_loop():
            beat = BEATS[key] = Beat(key, when - perf_counter())
        if await beat.wait():
            self.leading = beat
        return beat

    def let_others_go(self) -> None:
        """Once this viewer, leading its beat, has its frame or needs none."""
        if self.leading is not None:
            self.leading.release()
            self.leading = None

    def grid_due(self) -> bool:
        """Whether the next frame is to carry the output map: this viewer lacks the current one."""
        had = self.grid_had
        return had is None or output_map_made(self.session, self.limits.grid_size) != had

    async def beat_frame(self, had: int, with_maps: bool, with_grid: bool) -> BuiltFrame:
        """The frame sent on this viewer's beat, if it shows a newer state than this viewer
        had; else the newest state's, which is then the beat's."""
        beat, variant = self.woken, (with_maps, with_grid)
        if beat is not None and (shared := beat.frames.get(variant)) is not None and shared[0] > had:
            self.sent["state"] = shared[0]
            return shared[1]
        version = self.sent["state"]
        built = built_frame(self.session, with_maps, with_grid)
        frame = built if built is not None else await self.build(with_maps, with_grid)
        if beat is not None:
            beat.frames[variant] = (version, frame)
        return frame

    async def build(self, with_maps: bool, with_grid: bool) -> BuiltFrame:
        """The newest state's frame, built in one turn at the scheduler (paid by the viewer that
        asked first) for every viewer that asks meanwhile."""
        key = (self.session.id, with_maps, with_grid)
        # One left by a loop that stopped (a test client's) is never finished here.
        while (building := BUILDING.get(key)) is not None and building.loop is asyncio.get_running_loop():
            await building.finished.wait()
            if building.frame is not None:
                return building.frame
        building = BUILDING[key] = Building()
        try:
            building.frame = await self._build(with_maps, with_grid)
            return building.frame
        finally:
            building.finished.set()
            if BUILDING.get(key) is building:
                del BUILDING[key]

    async def _build(self, with_maps: bool, with_grid: bool) -> BuiltFrame:
        async with turn(self.account):
            return shown_frame(self.session, self.limits.grid_size, self.limits.neuron_map_size,
                               with_maps, with_grid)

    def history_due(self) -> str | None:
        """New rows of the loss curve; all of them when it is a new history or was thinned."""
        history = self.session.trainer.history
        sent, generation, count = self.history_sent
        if sent is history and generation == history.generation and count == len(history.rows):
            return None
        start = count if sent is history and generation == history.generation else 0
        self.history_sent = (history, history.generation, len(history.rows))
        return history_text(self.session, start)

    async def send_inspection(self, target: NeuronTarget | WeightTarget) -> None:
        session = self.session
        try:
            batch, column = session.shown_example()
            found = inspection(session, target, batch, column, session.sample)
        except Refused:  # the network changed shape under the inspector
            self.target = None
            return
        await self.send_text(InspectionMessage(**found.model_dump()).model_dump_json())
