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
import heapq
import itertools
import math
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import NamedTuple

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
# Below this log of its recent use (in seconds), a session's decayed use nears the subnormal
# floats, whose rounding is coarse: the waiters down there are all compared by their ranks
# themselves. (Above it rounding is fine, as recent use, in CPU seconds fading over a second,
# stays far below e**18 seconds.)
PRECISE_LOG_USE = -680.0
NOT_USED = (0.0, 0.0)  # the recent use of a key never charged (or forgotten), and when
# How much a bound on an address's ranks may be above the rank it bounds, through rounding:
# the bound is worked out from a log of the use, the rank from the use itself.
BOUND_SLACK = 1e-6


@dataclass(frozen=True)
class Payer:
    """Who a piece of work is charged to: a session and the address of the client asking."""
    session: str
    address: str

    @functools.cached_property
    def keys(self) -> tuple[str, str]:
        """Made once: every choice of the next turn reads them for every waiter."""
        return f"session:{self.session}", f"address:{self.address}"


@dataclass(eq=False)
class Waiter:
    order: int
    payer: Payer
    turn: asyncio.Future[None]


@dataclass(eq=False)
class Group:
    """A payer's waiters, first come first. They all have the payer's rank, so only the first
    can be chosen next: a choice looks at one entry per payer, not one per waiter (a student's
    training, frames and messages wait side by side)."""
    payer: Payer
    waiters: deque[Waiter] = field(default_factory=deque)
    filing: int = 0  # which of its entries in its address's queue is its own (older ones lapse)


class Entry(NamedTuple):
    """A payer's first waiter in its address's queue, filed anew whenever the payer's session's
    recent use changes or another waiter comes first."""
    key: float  # the log of that use carried back to time 0 (-inf: none), then...
    order: int  # ...the first waiter's order: what a heap of entries goes by
    filing: int
    group: Group


def use_key(recent: tuple[float, float]) -> float:
    """A session's recent use ``used * exp(-(now - when) / RECENT_SECONDS)`` with the time it
    is taken at left out: ``log(used) + when / RECENT_SECONDS``. Its order is that of the use
    at any moment (but for rounding), and it changes only when the session is charged."""
    used, when = recent
    return math.log(used) + when / RECENT_SECONDS if used > 0 else -math.inf


def key_margin(now: float) -> float:
    """How far apart two keys may be and the ranks worked out from the two uses still come
    out in either order: rounding, which grows with the clock's reading."""
    return 1e-9 + 64 * math.ulp(abs(now) / RECENT_SECONDS + 1024.0)


@dataclass
class Queue:
    """One address's payers, the least recent use first. Every session of an address has the
    same fair part at one moment, so that order is the order of their ranks: the address's
    first few are all a choice needs to look at, not every waiter."""
    fresh: list[Entry] = field(default_factory=list)  # no recent use, rank 0: by order
    spent: list[Entry] = field(default_factory=list)  # a heap by key, then order
    parked: list[Entry] = field(default_factory=list)  # over their session's budget this window

    def __len__(self) -> int:
        return len(self.fresh) + len(self.spent) + len(self.parked)

    def push(self, entry: Entry) -> None:
        heapq.heappush(self.spent if entry.key > -math.inf else self.fresh, entry)

    def unpark(self) -> None:
        """A new window: their budgets are paid back (some at least), so they may be ready."""
        for entry in self.parked:
            self.push(entry)
        self.parked.clear()


class ActiveSessions:
    """The sessions that used the CPU within ACTIVE_SECONDS, counted by address: kept as they
    come and go, since every choice reads the count (counting afresh walked every session)."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[str, float]] = {}  # session key: its address key, last use
        self.counted: dict[str, str] = {}  # the sessions counted now: their address
        self.count: Counter[str] = Counter()  # by address
        self.expiry: list[tuple[float, str]] = []  # a heap of (last use, session) of the counted
        self.now = -math.inf  # as of when they are counted

    def used(self, session: str, address: str, when: float) -> None:
        self.last[session] = (address, when)
        self._uncount(session)
        self.counted[session] = address
        self.count[address] += 1
        heapq.heappush(self.expiry, (when, session))

    def forget(self, session: str) -> None:
        self.last.pop(session, None)
        self._uncount(session)

    def at(self, now: float) -> Counter[str]:
        """By address, the sessions whose last use was less than ACTIVE_SECONDS before now."""
        if now < self.now:  # a clock that went back: those gone may be active again
            self._recount()
        self.now = now
        while self.expiry and now - self.expiry[0][0] >= ACTIVE_SECONDS:
            when, session = heapq.heappop(self.expiry)
            if session in self.counted and self.last[session][1] == when:
                self._uncount(session)
        return self.count.copy()

    def _uncount(self, session: str) -> None:
        address = self.counted.pop(session, None)
        if address is not None:
            self.count[address] -= 1
            if not self.count[address]:  # addresses come and go: none kept at zero
                del self.count[address]

    def _recount(self) -> None:
        self.counted = {session: address for session, (address, _) in self.last.items()}
        self.count = Counter(self.counted.values())
        self.expiry = [(when, session) for session, (_, when) in self.last.items()]
        heapq.heapify(self.expiry)


@dataclass(frozen=True)
class Moment:
    """What the budgets depend on besides the payer itself."""
    now: float
    sessions: Counter[str]  # by address: its sessions that used the CPU lately
    addresses: dict[str, float]  # the recent use of each address that used it lately
    # Each address's share as of this moment, worked out once for all the waiters that share
    # the address (a class behind one NAT address: dozens at each choice).
    shares: dict[str, float] = field(default_factory=dict)
    # The sum of ``addresses``, taken once: each address's share reads it (students at home,
    # each from an address of their own, made that a sum over every address per address).
    total: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(self.addresses.values()))


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
        self.recent: dict[str, tuple[float, float]] = {}  # by session key: (used, when)
        self.recent_addresses: dict[str, tuple[float, float]] = {}  # by address key: the same
        self.active = ActiveSessions()
        self.long_turns: dict[str, tuple[float, float]] = {}  # by address: as ``recent``, the max
        self.waiting: OrderedDict[int, Waiter] = OrderedDict()  # by order
        self.groups: dict[Payer, Group] = {}  # the waiters again, by payer (some gone since)
        self.groups_of: dict[str, list[Group]] = {}  # and by session key
        self.queues: dict[str, Queue] = {}  # the groups' entries, by address key
        self.filed = 0  # entries filed since the queues were last counted
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
        return self._fair_rank(payer, moment)

    def _fair_rank(self, payer: Payer, moment: Moment) -> float | None:
        """``rank`` of a payer already found within both budgets."""
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
        """Who used the CPU lately, taken once per choice (not once per waiter): the sessions
        counted as they come and go, the few addresses worked out afresh."""
        now = self.clock()
        addresses = {key: used * math.exp(-(now - when) / RECENT_SECONDS)
                     for key, (used, when) in self.recent_addresses.items()
                     if now - when < ACTIVE_SECONDS}
        return Moment(now, self.active.at(now), addresses)

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
        active = moment.addresses
        if not active or (len(active) == 1 and key in active):  # no other address is active
            return 1.0
        if self.longest_lately(key, moment.now) > LONG_TURN_SECONDS:
            return self.share["address"]
        others = moment.total - active.get(key, 0.0)
        return max(self.share["address"], 1.0 - others / RECENT_SECONDS - ADDRESS_HEADROOM)

    def charge(self, payer: Payer, seconds: float) -> None:
        """Work done outside a turn (a frame built, a message applied) counts all the same."""
        self._roll()
        for key in payer.keys:
            self.used[key] += seconds
            self.total[key] += seconds
            self._recent_of(key)[key] = (self.recently_used(key) + seconds, self.clock())
        session, address = payer.keys
        self.active.used(session, address, self.recent[session][1])
        self._refile(session)
        self.long_turns[address] = (max(seconds, self.longest_lately(address)), self.clock())

    def longest_lately(self, address: str, now: float | None = None) -> float:
        """The address's longest piece of work lately, fading with RECENT_SECONDS."""
        longest, when = self.long_turns.get(address, (0.0, 0.0))
        return longest * math.exp(-((self.clock() if now is None else now) - when) / RECENT_SECONDS)

    def recently_used(self, key: str, now: float | None = None) -> float:
        """Decayed use as of ``now`` (by default the clock's): one choice compares every
        waiter as of one moment, or the one looked at last would seem to have used the least."""
        used, when = self._recent_of(key).get(key, NOT_USED)
        return used * math.exp(-((self.clock() if now is None else now) - when) / RECENT_SECONDS)

    def _recent_of(self, key: str) -> dict[str, tuple[float, float]]:
        return self.recent_addresses if key.startswith("address:") else self.recent

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
        self.waiting[waiter.order] = waiter
        group = self._group(payer)
        group.waiters.append(waiter)
        if self._first(group) is waiter:
            self._file(group)
        self._dispatch()
        try:
            await waiter.turn
        except asyncio.CancelledError:
            if self.waiting.pop(waiter.order, None) is not None:
                self._file(group)  # it may have been the first
                self._compact()
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
        if self.busy or self.choice_pending() or not self._still_waiting():
            return
        self._roll()
        moment = self.moment()
        margin = key_margin(moment.now)
        taken: list[Entry] = []
        best: tuple[float, int, Entry] | None = None
        # The session furthest below its fair part goes first. Addresses are looked at from
        # the lowest bound on their ranks up, until the next bound is above the best rank:
        # students at home are an address each, and looking at all of them was a third of
        # the server's time.
        for bound, address in self._bounds(moment):
            if best is not None and bound * (1.0 - BOUND_SLACK) > best[0]:
                break
            for entry in self._candidates(address, self.queues[address], moment, margin):
                taken.append(entry)
                # Its budgets were looked at as it was taken: only the fair part is left.
                # Each payer comes once (a session's viewers at other addresses are payers of
                # their own).
                rank = self._fair_rank(entry.group.payer, moment)
                if rank is not None and (best is None or (rank, entry.order) < best[:2]):
                    best = (rank, entry.order, entry)
        chosen = best[2] if best is not None else None
        for entry in taken:
            if entry is not chosen:
                self.queues[entry.group.payer.keys[1]].push(entry)
        if chosen is None:
            self._wake_at_next_window()
            return
        waiter = chosen.group.waiters.popleft()  # the first: _next made sure of it
        del self.waiting[waiter.order]
        self._file(chosen.group)  # its next waiter, if any
        address = chosen.group.payer.keys[1]
        if not self.queues[address]:
            del self.queues[address]
        self.busy = True
        waiter.turn.set_result(None)

    def _still_waiting(self) -> bool:
        """Whether anyone waits still: a waiter cancelled meanwhile, not yet gone itself, goes
        (from the front of the queue: those behind are dropped as their turn comes up)."""
        while self.waiting:
            order, waiter = next(iter(self.waiting.items()))
            if not waiter.turn.done():
                return True
            del self.waiting[order]
        return False

    def _bounds(self, moment: Moment) -> list[tuple[float, str]]:
        """Each address with a payer in its queue, with a bound its payers' ranks are not
        below, lowest first: the least recent use in its queue (an entry lapsed since was
        filed with less), over the largest fair part any of its sessions may have now."""
        top = self._top_share(moment) * RECENT_SECONDS
        start = moment.now / RECENT_SECONDS
        bounds = []
        for address, queue in self.queues.items():
            if queue.fresh:
                bounds.append((0.0, address))
            elif queue.spent:
                used = math.exp(min(queue.spent[0].key - start, 700.0))  # (no overflow)
                bounds.append((used * max(1, moment.sessions[address]) / top, address))
        bounds.sort()
        return bounds

    def _top_share(self, moment: Moment) -> float:
        """No address's share (``address_share``) is above this now: it grows as the others'
        use falls, so it is largest for the address that used the most."""
        active = moment.addresses
        if len(active) <= 1:
            return 1.0
        others = moment.total - max(active.values())
        return max(self.share["address"], 1.0 - others / RECENT_SECONDS - ADDRESS_HEADROOM)

    def _candidates(self, address: str, queue: Queue, moment: Moment, margin: float) -> list[Entry]:
        """The address's payers that may go first, taken out of its queue: its first without
        recent use, and its first with, with any whose rank may come out as low or lower
        (rounding within ``margin``, or a use faded near zero); none when the address is over
        its budget."""
        if self.used.get(address, 0.0) >= self.address_share(address, moment) * WINDOW_SECONDS:
            return []
        taken = []
        if queue.fresh and (entry := self._next(queue, queue.fresh, math.inf)) is not None:
            taken.append(entry)
        if not queue.spent or (first := self._next(queue, queue.spent, math.inf)) is None:
            return taken
        taken.append(first)
        limit = max(first.key, moment.now / RECENT_SECONDS + PRECISE_LOG_USE) + margin
        spent = queue.spent
        while spent and spent[0].key <= limit and (entry := self._next(queue, spent, limit)):
            taken.append(entry)
        return taken

    def _next(self, queue: Queue, heap: list[Entry], limit: float) -> Entry | None:
        """The heap's first entry (with a key up to limit) of a payer still waiting and within
        its session's budget. On the way, entries lapsed or of payers gone are dropped, one
        whose first waiter has gone is filed again behind the next, and those over their
        session's budget parked until the next window (only it pays back)."""
        while heap and heap[0].key <= limit:
            entry = heapq.heappop(heap)
            group = entry.group
            if entry.filing != group.filing:
                continue
            first = self._first(group)
            if first is None:
                continue
            if first.order != entry.order:
                self._file(group)
                continue
            if self.used.get(group.payer.keys[0], 0.0) < self.share["session"] * WINDOW_SECONDS:
                return entry
            queue.parked.append(entry)
        return None

    def _waits(self, waiter: Waiter) -> bool:
        """Still in the queue; one cancelled meanwhile (not yet gone itself) leaves it."""
        if waiter.order not in self.waiting:
            return False
        if waiter.turn.done():
            del self.waiting[waiter.order]
            return False
        return True

    def _group(self, payer: Payer) -> Group:
        group = self.groups.get(payer)
        if group is None:
            group = self.groups[payer] = Group(payer)
            self.groups_of.setdefault(payer.keys[0], []).append(group)
        return group

    def _first(self, group: Group) -> Waiter | None:
        """The group's first waiter still waiting; a group left with none is dropped."""
        waiters = group.waiters
        while waiters and not self._waits(waiters[0]):
            waiters.popleft()
        if waiters:
            return waiters[0]
        if self.groups.get(group.payer) is group:
            del self.groups[group.payer]
            session = group.payer.keys[0]
            self.groups_of[session].remove(group)
            if not self.groups_of[session]:
                del self.groups_of[session]
        return None

    def _file(self, group: Group) -> None:
        """Its first waiter into its address's queue as its session's recent use is now (an
        entry filed before lapses)."""
        group.filing += 1
        if (first := self._first(group)) is None:
            return
        self.filed += 1
        session, address = group.payer.keys
        key = use_key(self.recent.get(session, NOT_USED))
        self.queues.setdefault(address, Queue()).push(Entry(key, first.order, group.filing, group))

    def _refile(self, session: str) -> None:
        """The session's use has changed: its payers' places in their queues too."""
        for group in list(self.groups_of.get(session, ())):
            self._file(group)
        self._compact()

    def _compact(self) -> None:
        """Entries lapsed or of payers gone are dropped only as they come up: when they are
        more than the payers waiting, the queues are made anew. They are counted only once
        enough have been filed since the last time (counting looks at every address)."""
        if self.filed <= len(self.groups) + 64:
            return
        if sum(map(len, self.queues.values())) > 2 * len(self.groups) + 64:
            self.queues = {}
            for group in list(self.groups.values()):
                self._file(group)
        self.filed = 0

    def _wake_at_next_window(self) -> None:
        loop = asyncio.get_running_loop()
        # A timer of another loop (an app served by one loop, then another) never fires here.
        if self.timer is None or self.timer_loop is not loop:
            delay = max(0.0, self.window_start + WINDOW_SECONDS - self.clock())
            self.timer, self.timer_loop = loop.call_later(delay, self._next_window), loop

    def _next_window(self) -> None:
        self.timer = None
        self._dispatch()

    def _windows_behind(self, start: float) -> int:
        """Whole windows from ``start`` to now. (From 1.9000000000000001 at 2.1 it is one, to
        2.0, and from there one more: ``_roll`` goes on until none is left.)"""
        return int((self.clock() - start) / WINDOW_SECONDS)

    def _roll(self) -> None:
        """A new window: each key's budget is paid back, so a slice that overran (one step of
        a big network can take longer than a window) keeps its payer waiting for longer."""
        windows = self._windows_behind(self.window_start)
        if windows == 0:
            return
        start = self.window_start + windows * WINDOW_SECONDS
        while (behind := self._windows_behind(start)) > 0:  # rounding left a window out
            windows, start = windows + behind, start + behind * WINDOW_SECONDS
        self.window_start = start
        moment = self.moment()
        for key, used in list(self.used.items()):
            left = used - windows * self.window_share(key, moment) * WINDOW_SECONDS
            if left > 0:
                self.used[key] = left
            else:
                del self.used[key]
        now = self.clock()
        for key, (_, when) in list(self.recent_addresses.items()):
            if now - when > FORGET_ADDRESS_SECONDS:
                del self.recent_addresses[key]
                self.long_turns.pop(key, None)
        for queue in self.queues.values():
            queue.unpark()

    def forget(self, session: str) -> None:
        """A session has ended: its counts go (addresses stay, they are few)."""
        key = f"session:{session}"
        for counts in (self.used, self.total, self.slices, self.recent):
            counts.pop(key, None)
        self.active.forget(key)
        self._refile(key)  # its waiters, if any, now rank first


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
