"""Training and delivery on the event loop: pacing, sharing, and the newest frame winning."""

import asyncio
import json
from time import perf_counter

import pytest

import app.runner as runner
from app.config import Limits, SessionConfig
from app.protocol import HEADER
from app.responses import history_rows
from app.runner import TrainingLoops, Viewer, history_text, train_steps
from app.scheduler import Account, Payer, Scheduler
from app.sessions import Session


class BlockedClient:
    """A client whose socket accepts nothing until released: a stand-in for a slow network."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.texts: list[dict] = []
        self.frames: list[bytes] = []

    async def send_text(self, text: str) -> None:
        self.texts.append(json.loads(text))

    async def send_bytes(self, data: bytes) -> None:
        await self.open.wait()
        self.frames.append(data)


def step_of(frame: bytes) -> int:
    return HEADER.unpack_from(frame)[1]


async def deliver_while_blocked() -> tuple[Session, BlockedClient]:
    session = Session("s", SessionConfig(), 0.0)
    client = BlockedClient()
    viewer = Viewer(session, Limits(max_frame_rate=120), client.send_text, client.send_bytes)
    task = asyncio.create_task(viewer.run())
    await asyncio.sleep(0)  # the first frame is now stuck in the blocked send
    for _ in range(50):
        session.train(1)
        await asyncio.sleep(0)
    client.open.set()
    while not client.frames or step_of(client.frames[-1]) != session.trainer.step_count:
        await asyncio.sleep(0)
    task.cancel()
    return session, client


def test_a_blocked_client_gets_the_newest_frame_not_a_backlog():
    session, client = asyncio.run(deliver_while_blocked())
    steps = [step_of(f) for f in client.frames]
    assert len(steps) == 2, "one frame stuck in the send, then only the newest"
    assert steps[0] < 50 and steps[1] == 50
    assert [m["type"] for m in client.texts[:3]] == ["layout", "history", "status"]


def test_train_steps_records_about_a_hundred_history_rows():
    session = Session("s", SessionConfig(), 0.0)
    asyncio.run(train_steps(session, 1000))
    rows = session.trainer.history.rows
    assert session.trainer.step_count == 1000
    assert len(rows) == 1 + 100  # the new session's own point, then the call's
    assert (rows[0][0], rows[1][0], rows[-1][0]) == (0, 10, 1000)


async def play_with_two_viewers(steps_per_second: int | None) -> tuple[int, bool]:
    """Two viewers share one training task; it ends with the last of them."""
    session = Session("s", SessionConfig(), 0.0)
    session.set_speed(steps_per_second)
    loops = TrainingLoops(100_000)
    async with loops.watching(session):
        async with loops.watching(session):
            shared = len(loops.tasks) == 1
            session.set_running(True)
            while session.trainer.step_count < 200:
                await asyncio.sleep(0.001)
    return len(loops.tasks), shared


def test_one_training_task_per_session_shared_by_viewers():
    assert asyncio.run(play_with_two_viewers(None)) == (0, True)
    assert asyncio.run(play_with_two_viewers(10_000)) == (0, True)


class OpenClient(BlockedClient):
    def __init__(self) -> None:
        super().__init__()
        self.open.set()


async def fan_out_beside_a_stalled_viewer() -> tuple[Session, list[OpenClient], BlockedClient]:
    """Three viewers of one session (a room's followers); one never accepts a frame."""
    session = Session("s", SessionConfig(), 0.0)
    limits = Limits(max_frame_rate=120)
    stalled, readers = BlockedClient(), [OpenClient(), OpenClient()]
    tasks = [asyncio.create_task(Viewer(session, limits, c.send_text, c.send_bytes).run())
             for c in (stalled, *readers)]
    async with asyncio.timeout(10):
        for _ in range(20):
            session.train(1)
            await asyncio.sleep(0.01)
        while any(not c.frames or step_of(c.frames[-1]) != 20 for c in readers):
            await asyncio.sleep(0.001)
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    return session, readers, stalled


def test_a_stalled_viewer_holds_up_nobody_and_frames_are_built_once_for_all():
    session, readers, stalled = asyncio.run(fan_out_beside_a_stalled_viewer())
    assert stalled.frames == []
    assert all(len(c.frames) > 2 for c in readers)
    # A state's frame (with or without the neuron maps) is one bytes object, built once and
    # sent to every viewer that sent it.
    sent = [f for c in readers for f in c.frames]
    assert all(len({id(g) for g in sent if g == f}) == 1 for f in sent)
    assert any(f is g for f in readers[0].frames for g in readers[1].frames)


async def followers_wake_for_a_new_state(count: int) -> tuple[list[OpenClient], int]:
    """``count`` viewers paying at one scheduler (a room's followers) see two states."""
    session = Session("s", SessionConfig(), 0.0)
    scheduler = Scheduler(0.5, 0.5)
    readers = [OpenClient() for _ in range(count)]
    tasks = []
    for client in readers:
        viewer = Viewer(session, Limits(max_frame_rate=120), client.send_text, client.send_bytes)
        viewer.account = Account(scheduler, Payer("s", "10.0.0.1"))
        tasks.append(asyncio.create_task(viewer.run()))
    async with asyncio.timeout(10):
        while any(not c.frames for c in readers):
            await asyncio.sleep(0.001)
        session.train(1)
        while any(step_of(c.frames[-1]) != 1 for c in readers):
            await asyncio.sleep(0.001)
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    return readers, scheduler.slices["session:s"]


def test_viewers_waking_together_share_one_turn_to_build_each_frame():
    readers, turns = asyncio.run(followers_wake_for_a_new_state(30))
    assert all(step_of(c.frames[0]) == 0 and step_of(c.frames[-1]) == 1 for c in readers)
    # Two states, each with or without the neuron maps at most: not one turn per viewer.
    assert turns <= 4


async def count_training_calls(steps_per_second: int | None, tick: float, share: float,
                               steps: int) -> list[int]:
    """Play one session until it has made ``steps`` updates: how many each train call ran."""
    session = Session("s", SessionConfig(), 0.0)
    session.set_speed(steps_per_second)
    calls: list[int] = []
    train = session.train

    def counted(n: int, budget: float = float("inf")) -> int:
        done = train(n, budget)
        calls.append(done)
        return done

    session.train = counted  # type: ignore[method-assign]
    loops = TrainingLoops(100_000, tick_seconds=tick, training_share=share)
    async with asyncio.timeout(30), loops.watching(session):
        session.set_running(True)
        while session.trainer.step_count < steps:
            await asyncio.sleep(0.01)
    return calls


def test_training_wakes_once_a_tick_and_runs_the_due_steps_together():
    # 1,000 steps/s at ticks of 0.1 s: about a hundred steps a call, where waking once per
    # step made it one (a busy machine only makes the calls fewer and larger).
    calls = asyncio.run(count_training_calls(1000, 0.1, 0.5, 400))
    assert sum(calls) >= 400
    assert sum(calls) / len(calls) >= 20



def test_viewers_at_the_same_row_share_one_history_message() -> None:
    """A room's followers all have the same rows: their next history message is encoded once
    (the same text object), the whole curve for a new viewer and only the new rows after."""
    session = Session("s", SessionConfig(), now=0.0)
    whole = history_text(session, 0)
    assert history_text(session, 0) is whole
    assert json.loads(whole) == {"type": "history", "append": False,
                                 "rows": [list(row) for row in history_rows(session)]}
    session.train(5)
    session.record_history()
    new = history_text(session, 1)
    assert history_text(session, 1) is new and json.loads(new)["append"] is True
    assert json.loads(new)["rows"] == [list(row) for row in history_rows(session, 1)] != []


async def wait_for_one_beat(count: int, leader_leaves: bool) -> tuple[list[str], bool]:
    """``count`` viewers of one session waiting for the same beat: the order they go in."""
    order: list[str] = []
    session = Session("s", SessionConfig(), 0.0)
    viewers = [Viewer(session, Limits(max_frame_rate=30), OpenClient().send_text,
                      OpenClient().send_bytes) for _ in range(count)]
    when = runner.next_beat("s", 30, perf_counter() + 0.05)

    async def wait(index: int) -> None:
        viewer = viewers[index]
        await viewer.beat(when)
        order.append(f"{index} leads" if viewer.leading is not None else f"{index} goes")
        if viewer.leading is not None:
            await asyncio.sleep(0.01)  # builds its frame: nobody else goes meanwhile
            order.append(f"{index} built")
            viewer.let_others_go()

    tasks = [asyncio.create_task(wait(i)) for i in range(count)]
    await asyncio.sleep(0)
    if leader_leaves:
        tasks[0].cancel()
    await asyncio.wait(tasks)
    late = Viewer(session, Limits(max_frame_rate=30), OpenClient().send_text, OpenClient().send_bytes)
    async with asyncio.timeout(1):  # after the beat was let go, a late viewer does not wait
        beat = await late.beat(when)
    leads = late.leading is beat
    late.let_others_go()
    return order, leads and beat.key not in runner.BEATS


def test_one_viewer_leads_a_beat_and_the_others_go_when_it_has_its_frame():
    order, late_leads_its_own = asyncio.run(wait_for_one_beat(4, leader_leaves=False))
    assert order == ["0 leads", "0 built", "1 goes", "2 goes", "3 goes"]
    assert late_leads_its_own


def test_a_leader_that_leaves_before_its_beat_hands_it_on():
    order, _ = asyncio.run(wait_for_one_beat(3, leader_leaves=True))
    assert order == ["1 leads", "1 built", "2 goes"]


@pytest.mark.parametrize("missed", [(), (3, 4, 9, 10, 11, 17)])
def test_maps_come_on_the_beats_of_their_share_and_a_viewer_that_missed_one_catches_up(missed):
    """While training streams, viewers sharing beats want the same frames (each map on the
    beats that are multiples of its share); one that missed such a beat still gets the map
    within twice its share, and never more often than its share."""
    session = Session("s", SessionConfig(), 0.0)
    viewer = Viewer(session, Limits(max_frame_rate=30, neuron_map_rate=10), OpenClient().send_text,
                    OpenClient().send_bytes)
    every = viewer.every["maps"]
    carried = []
    for beat in range(30):
        if beat in missed:
            continue
        if viewer.spaced("maps", True, beat):
            carried.append(beat)
            viewer.without["maps"] = 0
        else:
            viewer.without["maps"] += 1
    sent = [b for b in range(30) if b not in missed]
    positions = [sent.index(b) for b in carried]
    assert all(every <= b - a <= 2 * every - 1 for a, b in zip(positions, positions[1:]))
    if not missed:
        assert carried == [b for b in range(30) if b % every == 0]


async def train_between_a_beats_frames() -> tuple[list[OpenClient], int]:
    """Two viewers woken for one beat; the session trains after the first has sent its frame."""
    session = Session("s", SessionConfig(), 0.0)
    clients = [OpenClient(), OpenClient()]
    viewers = [Viewer(session, Limits(max_frame_rate=30), c.send_text, c.send_bytes) for c in clients]
    when = runner.next_beat("s", 30, perf_counter() + 0.05)

    async def go(viewer: Viewer) -> None:
        viewer.woken = await viewer.beat(when)
        await viewer.flush()
        if viewer is viewers[0]:
            session.train(1)

    await asyncio.gather(*(go(v) for v in viewers))
    return clients, session.trainer.step_count


def test_viewers_of_a_beat_send_its_frame_though_training_has_moved_on():
    clients, steps = asyncio.run(train_between_a_beats_frames())
    assert steps == 1
    assert clients[1].frames[0] is clients[0].frames[0] and step_of(clients[0].frames[0]) == 0


def test_a_beat_of_another_loop_is_not_waited_for():
    """Test clients run each socket on a loop of its own: a viewer never waits for a beat
    another loop made (its timer would fire on that loop's thread, or never)."""
    session = Session("s", SessionConfig(), 0.0)
    viewers = [Viewer(session, Limits(max_frame_rate=30), OpenClient().send_text,
                      OpenClient().send_bytes) for _ in range(2)]
    when = runner.next_beat("s", 30, perf_counter() + 10.0)  # the first loop's never comes

    async def first() -> None:  # a socket's loop that stops while its viewer waits
        task = asyncio.create_task(viewers[0].beat(when))
        await asyncio.sleep(0)
        task.cancel()

    asyncio.run(first())
    stale = runner.BEATS[("s", round(runner.beat_number("s", 30, when)))]

    async def in_time() -> bool:
        task = asyncio.create_task(viewers[1].beat(when))
        await asyncio.sleep(0)
        fresh = runner.BEATS[stale.key]
        task.cancel()
        return fresh is not stale and fresh.loop is asyncio.get_running_loop()

    assert asyncio.run(in_time())
    del runner.BEATS[stale.key]  # its loop is gone: nothing else would take it out


@pytest.mark.parametrize("behind", [1, 2])
def test_a_viewer_that_began_after_its_next_beat_sends_that_beats_frame_at_once(behind):
    """A room's last followers, held up a few ms past the next beat, send its frame at once
    rather than miss it; a viewer two whole intervals behind (an idle one a change woke)
    starts afresh on a beat to come."""
    session = Session("s", SessionConfig(), 0.0)
    viewer = Viewer(session, Limits(max_frame_rate=30), OpenClient().send_text, OpenClient().send_bytes)
    # Half an interval from either edge: building the frame takes a little of it.
    beat = round(runner.beat_number("s", 30, perf_counter()) - behind - 0.5)
    viewer.next_frame = runner.beat_time("s", 30, beat)
    assert asyncio.run(viewer.frame()) is not None
    if behind == 1:
        assert viewer.next_frame == runner.beat_time("s", 30, beat + 1) < perf_counter()
    else:
        assert viewer.next_frame > perf_counter()
