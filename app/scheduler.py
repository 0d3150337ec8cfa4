"""CPU time shared fairly: between sessions, and between the client addresses that drive them.

Everything runs on one event loop, so one slow thing delays all. Each piece of work a client
causes (a training slice, building a frame, applying a message) is charged to its session and
to its client's address. Time is cut into windows; in each window a session may use at most
``session_cpu_share`` of it and an address at most its share (below), and each session has a fair
part of the recent time: its address's share split among the address's active sessions.
Training slices go one at a time through ``turn``: among the waiters still within budget, the
session furthest below its fair part goes first; one over budget waits for the next window.
So a heavy or flooding client slows itself, and the rest of the class keeps its frames.

An address's share is ``address_cpu_share`` of the time, or more: what the other addresses
active lately have left unused, less a headroom for them to grow into, as long as its own turns
are short; alone on the server, all of it. A whole class behind one NAT address is one address,
so a fixed share would hold forty students to what one flooder gets; this way the class has the
server when nobody else needs it, while a flooder (long turns of a big network) beside anyone
who wants time is held to ``address_cpu_share``.
"""

import asyncio
import contextlib
import functools
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from time import perf_counter

# Budgets are counted over windows this long: short enough that a throttled session still
# moves smoothly, long enough to hold a few slices of the heaviest network.
WINDOW_SECONDS = 0.1
# How long the scheduler remembers who used the CPU, when it picks who goes next.
RECENT_SECONDS = 1.0
# A session that used the CPU this recently is still one of those sharing it (one step of a
# big network, on a busy machine, can hold the loop for longer than a window).
ACTIVE_SECONDS = 0.5
# While other addresses are active, an address leaves them this share of the time on top of
# what they used lately: room to grow into at once (a student who presses Play, a bigger
# network), so that their next turns find the loop free rather than wait for a heavy one.
ADDRESS_HEADROOM = 0.2
# An address whose turns lately took longer than this (a big network's step or frame) keeps
# to address_cpu_share while others are active, unused time or not: each of its turns holds up
# everyone else's frames and REST calls for that long, and only idle time keeps them moving.
# A class's turns (slices of a millisecond, frames of a small network) are far shorter.
LONG_TURN_SECONDS = 0.01
# An address's use is forgotten this long after its last (many come and go on a public server).
FORGET_ADDRESS_SECONDS = 10 * RECENT_SECONDS


@dataclass(frozen=True)
class Payer:
    """Who a piece of work is charged to: a session and the address of the client asking."""
    session: str
    address: str

    @functools.cached_property
    def keys(self) -> tuple[str, str]:
        """Made once: every choice of the next turn reads them for every waiter."""
        return f"session:{self.session}", f"address:{self.address}"


@dataclass
class Waiter:
    order: int
    payer: Payer
    turn: asyncio.Future[None]


@dataclass(frozen=True)
class Moment:
    """What the budgets depend on besides the payer itself."""
    now: float
    sessions: Counter[str]  # by address: its sessions that used the CPU lately
    addresses: dict[str, float]  # the recent use of each address that used it lately
    # Each address's share as of this moment, worked out once for all the waiters that share
    # the address (a class behind one NAT address: dozens at each choice).
    shares: dict[str, float] = field(default_factory=dict)


class Scheduler:
    def __init__(self, session_share: float, address_share: float,
                 clock: Callable[[], float] = perf_counter) -> None:
        self.share = {"session": session_share, "address": address_share}
        self.clock = clock
        self.window_start = clock()
        self.used: defaultdict[str, float] = defaultdict(float)  # this window, by key
        # Since the start, by key: what tests and operators can read.
        self.total: defaultdict[str, float] = defaultdict(float)
        self.slices: defaultdict[str, int] = defaultdict(int)
        self.longest = 0.0  # the longest turn yet: how far a payer can overrun its budget
        # CPU used lately by each session and each address, fading with RECENT_SECONDS: which
        # session goes first, and what the other addresses leave. It remembers longer than a
        # window, so one long step is not forgotten at the next.
        self.recent: dict[str, tuple[float, float]] = {}
        self.address_of: dict[str, str] = {}  # session key: its address key
        self.long_turns: dict[str, tuple[float, float]] = {}  # by address: as ``recent``, the max
        self.waiting: list[Waiter] = []
        self.busy = False
        self.released = 0  # releases whose choice of the next payer is still to come
        self.released_loop: asyncio.AbstractEventLoop | None = None  # the loop they are on
        self.timer: asyncio.TimerHandle | None = None
        self.timer_loop: asyncio.AbstractEventLoop | None = None
        self.order = itertools.count()

    def within_budget(self, payer: Payer, moment: Moment | None = None) -> bool:
        """Under both budgets this window, and not past its fair part of the recent time (a
        light session between two of its slices is still counted, so a heavy one cannot slip
        in every time it pauses)."""
        self._roll()
        return self.rank(payer, moment or self.moment()) is not None

    def rank(self, payer: Payer, moment: Moment) -> float | None:
        """How much of its fair part of the recent time the payer used (the lowest goes
        first), or None when it is past a budget: both from one look at its use."""
        if any(self.used[key] >= self.window_share(key, moment) * WINDOW_SECONDS
               for key in payer.keys):
            return None
        used, fair = self.recently_used(payer.keys[0], moment.now), self.fair_part(payer, moment)
        return used / fair if used <= fair else None

    def fair_part(self, payer: Payer, moment: Moment) -> float:
        """A session's part of the recent time: its address's share, split equally among the
        address's sessions active lately. Forty students behind one NAT split one address's
        share; a flooder's twelve sessions split theirs, and a student beside them keeps its."""
        address = payer.keys[1]
        share = self.address_share(address, moment) * RECENT_SECONDS
        return share / max(1, moment.sessions[address])

    def moment(self) -> Moment:
        """Who used the CPU lately, taken once per choice (not once per waiter)."""
        now = self.clock()
        sessions: Counter[str] = Counter()
        addresses = {}
        for key, (used, when) in self.recent.items():
            if now - when >= ACTIVE_SECONDS:
                continue
            if key.startswith("session:"):
                sessions[self.address_of[key]] += 1
            else:
                addresses[key] = used * math.exp(-(now - when) / RECENT_SECONDS)
        return Moment(now, sessions, addresses)

    def window_share(self, key: str, moment: Moment) -> float:
        """The share of each window a session or an address may use."""
        if key.startswith("session:"):
            return self.share["session"]
        return self.address_share(key, moment)

    def address_share(self, key: str, moment: Moment) -> float:
        """All of the time when no other address is active; else ``address_cpu_share``, or,
        for an address whose turns are short, what the others leave (their recent use and the
        headroom) when that is more."""
        share = moment.shares.get(key)
        if share is None:
            share = moment.shares[key] = self._address_share(key, moment)
        return share

    def _address_share(self, key: str, moment: Moment) -> float:
        if not moment.addresses.keys() - {key}:
            return 1.0
        if self.longest_lately(key, moment.now) > LONG_TURN_SECONDS:
            return self.share["address"]
        others = sum(moment.addresses.values()) - moment.addresses.get(key, 0.0)
        return max(self.share["address"], 1.0 - others / RECENT_SECONDS - ADDRESS_HEADROOM)

    def charge(self, payer: Payer, seconds: float) -> None:
        """Work done outside a turn (a frame built, a message applied) counts all the same."""
        self._roll()
        for key in payer.keys:
            self.used[key] += seconds
            self.total[key] += seconds
            self.recent[key] = (self.recently_used(key) + seconds, self.clock())
        session, address = payer.keys
        self.address_of[session] = address
        self.long_turns[address] = (max(seconds, self.longest_lately(address)), self.clock())

    def longest_lately(self, address: str, now: float | None = None) -> float:
        """The address's longest piece of work lately, fading with RECENT_SECONDS."""
        longest, when = self.long_turns.get(address, (0.0, 0.0))
        return longest * math.exp(-((self.clock() if now is None else now) - when) / RECENT_SECONDS)

    def recently_used(self, key: str, now: float | None = None) -> float:
        """Decayed use as of ``now`` (by default the clock's): one choice compares every
        waiter as of one moment, or the one looked at last would seem to have used the least."""
        used, when = self.recent.get(key, (0.0, 0.0))
        return used * math.exp(-((self.clock() if now is None else now) - when) / RECENT_SECONDS)

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
        free = not (self.busy or self.choice_pending() or self.waiting)
        if free and self.within_budget(payer):
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
        # is made among everyone who wants a turn (else turns would simply alternate). Until
        # then nobody is chosen: a payer asking meanwhile (or a window's timer) would otherwise
        # choose before the one that just went is back, and a light session whose slice ends
        # within one turn of the loop would lose every such race to a heavy one.
        loop = asyncio.get_running_loop()
        self.released = 1 + (self.released if self.released_loop is loop else 0)
        self.released_loop = loop
        loop.call_soon(loop.call_soon, self._dispatch_released)

    def choice_pending(self) -> bool:
        """Whether a release's choice is still to come: on this loop only (a loop that stopped
        just after a release, as a test client's per-request loop may, never makes it)."""
        return self.released > 0 and self.released_loop is asyncio.get_running_loop()

    def _dispatch_released(self) -> None:
        self.released = max(0, self.released - 1)
        self._dispatch()

    def _dispatch(self) -> None:
        # A waiter cancelled meanwhile has not yet left the queue itself.
        self.waiting = [w for w in self.waiting if not w.turn.done()]
        if self.busy or self.choice_pending() or not self.waiting:
            return
        self._roll()
        moment = self.moment()
        # One rank per payer: a session's training loop and its viewers wait as one payer.
        ranks: dict[Payer, float | None] = {}
        for waiter in self.waiting:
            if waiter.payer not in ranks:
                ranks[waiter.payer] = self.rank(waiter.payer, moment)
        ready = [(rank, w.order, w) for w in self.waiting if (rank := ranks[w.payer]) is not None]
        if not ready:
            self._wake_at_next_window()
            return
        # The session furthest below its fair part goes first.
        chosen = min(ready, key=lambda r: r[:2])[2]
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
        moment = self.moment()
        for key, used in list(self.used.items()):
            left = used - windows * self.window_share(key, moment) * WINDOW_SECONDS
            if left > 0:
                self.used[key] = left
            else:
                del self.used[key]
        now = self.clock()
        for key, (_, when) in list(self.recent.items()):
            if key.startswith("address:") and now - when > FORGET_ADDRESS_SECONDS:
                del self.recent[key]
                self.long_turns.pop(key, None)

    def forget(self, session: str) -> None:
        """A session has ended: its counts go (addresses stay, they are few)."""
        key = f"session:{session}"
        for counts in (self.used, self.total, self.slices, self.recent, self.address_of):
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
