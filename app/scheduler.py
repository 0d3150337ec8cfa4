"""CPU time shared fairly: between sessions, and between the client addresses that drive them.

Everything runs on one event loop, so one slow thing delays all. Each piece of work a client
causes (a training slice, building a frame, applying a message) is charged to its session and
to its client's address. Time is cut into windows; in each window a session may use at most
``session_cpu_share`` of it and an address at most ``address_cpu_share`` (named limits).
Training slices go one at a time through ``turn``: among the waiters still within budget, the
session that has used the least lately goes first; one over budget waits for the next
window. So a heavy or flooding client slows itself, and the rest of the class keeps its frames.
"""

import asyncio
import contextlib
import itertools
import math
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from time import perf_counter

# Budgets are counted over windows this long: short enough that a throttled session still
# moves smoothly, long enough to hold a few slices of the heaviest network.
WINDOW_SECONDS = 0.1
# How long the scheduler remembers who used the CPU, when it picks who goes next.
RECENT_SECONDS = 1.0
# A session that used the CPU this recently is still one of those sharing it (one step of a
# big network, on a busy machine, can hold the loop for longer than a window).
ACTIVE_SECONDS = 0.5


@dataclass(frozen=True)
class Payer:
    """Who a piece of work is charged to: a session and the address of the client asking."""
    session: str
    address: str

    @property
    def keys(self) -> tuple[str, str]:
        return f"session:{self.session}", f"address:{self.address}"


@dataclass
class Waiter:
    order: int
    payer: Payer
    turn: asyncio.Future[None]


class Scheduler:
    def __init__(self, session_share: float, address_share: float,
                 clock: Callable[[], float] = perf_counter) -> None:
        self.budget = {"session": session_share * WINDOW_SECONDS,
                       "address": address_share * WINDOW_SECONDS}
        self.clock = clock
        self.window_start = clock()
        self.used: defaultdict[str, float] = defaultdict(float)  # this window, by key
        # Since the start, by key: what tests and operators can read.
        self.total: defaultdict[str, float] = defaultdict(float)
        self.slices: defaultdict[str, int] = defaultdict(int)
        self.longest = 0.0  # the longest turn yet: how far a payer can overrun its budget
        # CPU used lately by each session, fading with RECENT_SECONDS: who goes first. It
        # remembers longer than a window, so one long step is not forgotten at the next.
        self.recent: dict[str, tuple[float, float]] = {}
        self.waiting: list[Waiter] = []
        self.busy = False
        self.timer: asyncio.TimerHandle | None = None
        self.timer_loop: asyncio.AbstractEventLoop | None = None
        self.order = itertools.count()

    def within_budget(self, payer: Payer) -> bool:
        """Under both budgets this window, and not past an equal part of the time among the
        sessions that trained lately (a light session between two of its slices is still
        counted, so a heavy one cannot slip in every time it pauses)."""
        self._roll()
        if any(self.used[key] >= self.budget[key.split(":")[0]] for key in payer.keys):
            return False
        now = self.clock()
        active = sum(now - when < ACTIVE_SECONDS for _, when in self.recent.values())
        return self.recently_used(payer.keys[0]) <= RECENT_SECONDS / max(1, active)

    def charge(self, payer: Payer, seconds: float) -> None:
        """Work done outside a turn (a frame built, a message applied) counts all the same."""
        self._roll()
        for key in payer.keys:
            self.used[key] += seconds
            self.total[key] += seconds
        key = payer.keys[0]
        self.recent[key] = (self.recently_used(key) + seconds, self.clock())

    def recently_used(self, key: str) -> float:
        used, when = self.recent.get(key, (0.0, 0.0))
        return used * math.exp(-(self.clock() - when) / RECENT_SECONDS)

    @contextlib.asynccontextmanager
    async def turn(self, payer: Payer) -> AsyncIterator[None]:
        """Wait for a turn within budget, run the (synchronous) body, and charge its time."""
        await self._acquire(payer)
        start = self.clock()
        try:
            yield
        finally:
            self.longest = max(self.longest, self.clock() - start)
            self.charge(payer, self.clock() - start)
            self.slices[payer.keys[0]] += 1
            self._release()

    async def admit(self, payer: Payer) -> None:
        """Wait until the payer is within budget and it is its turn, then let the next go: for
        work that awaits inside (a message), charged afterwards with ``charge``."""
        async with self.turn(payer):
            pass

    async def _acquire(self, payer: Payer) -> None:
        if not self.busy and not self.waiting and self.within_budget(payer):
            self.busy = True
            return
        waiter = Waiter(next(self.order), payer, asyncio.get_running_loop().create_future())
        self.waiting.append(waiter)
        self._dispatch()
        try:
            await waiter.turn
        except asyncio.CancelledError:
            if waiter in self.waiting:
                self.waiting.remove(waiter)
            elif waiter.turn.done() and not waiter.turn.cancelled():
                self._release()  # the turn was handed over just as the waiter was cancelled
            raise

    def _release(self) -> None:
        self.busy = False
        # Not now but after one full turn of the loop: whatever else is ready (frames, REST)
        # runs in between, and the payer that just went can queue again, so that the choice
        # is made among everyone who wants a turn (else turns would simply alternate).
        loop = asyncio.get_running_loop()
        loop.call_soon(loop.call_soon, self._dispatch)

    def _dispatch(self) -> None:
        # A waiter cancelled meanwhile has not yet left the queue itself.
        self.waiting = [w for w in self.waiting if not w.turn.done()]
        if self.busy or not self.waiting:
            return
        ready = [w for w in self.waiting if self.within_budget(w.payer)]
        if not ready:
            self._wake_at_next_window()
            return
        chosen = min(ready, key=lambda w: (self.recently_used(w.payer.keys[0]), w.order))
        self.waiting.remove(chosen)
        self.busy = True
        chosen.turn.set_result(None)

    def _wake_at_next_window(self) -> None:
        loop = asyncio.get_running_loop()
        # A timer of another loop (an app served by one loop, then another) never fires here.
        if self.timer is None or self.timer_loop is not loop:
            delay = max(0.0, self.window_start + WINDOW_SECONDS - self.clock())
            self.timer, self.timer_loop = loop.call_later(delay, self._next_window), loop

    def _next_window(self) -> None:
        self.timer = None
        self._dispatch()

    def _roll(self) -> None:
        """A new window: each key's budget is paid back, so a slice that overran (one step of
        a big network can take longer than a window) keeps its payer waiting for longer."""
        windows = int((self.clock() - self.window_start) / WINDOW_SECONDS)
        if windows == 0:
            return
        self.window_start += windows * WINDOW_SECONDS
        for key, used in list(self.used.items()):
            left = used - windows * self.budget[key.split(":")[0]]
            if left > 0:
                self.used[key] = left
            else:
                del self.used[key]

    def forget(self, session: str) -> None:
        """A session has ended: its counts go (addresses stay, they are few)."""
        key = f"session:{session}"
        for counts in (self.used, self.total, self.slices, self.recent):
            counts.pop(key, None)


class Account:
    """A payer at a scheduler: what a training loop, a train call or a socket holds."""

    def __init__(self, scheduler: Scheduler, payer: Payer) -> None:
        self.scheduler, self.payer = scheduler, payer

    def turn(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self.scheduler.turn(self.payer)

    async def admit(self) -> None:
        await self.scheduler.admit(self.payer)

    def charge(self, seconds: float) -> None:
        self.scheduler.charge(self.payer, seconds)


class TokenBucket:
    """At most ``rate`` events a second on average, ``rate`` at once (a second's worth)."""

    def __init__(self, rate: float, clock: Callable[[], float] = perf_counter) -> None:
        self.rate, self.clock = rate, clock
        self.tokens, self.last = rate, clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
