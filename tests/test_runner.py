"""Training and delivery on the event loop: pacing, sharing, and the newest frame winning."""

import asyncio
import json

from app.config import Limits, SessionConfig
from app.protocol import HEADER
from app.runner import TrainingLoops, Viewer, train_steps
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
