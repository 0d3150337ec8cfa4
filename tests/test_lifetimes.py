"""Every training task and every socket ends: when the last viewer leaves (whatever races
with it), when the session is deleted or expires, when a REST client hangs up, and when the
server stops. No wall-clock thresholds: every wait is bounded and only outcomes are asserted."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets.sync.client

from app.config import Limits, SessionConfig
from app.main import create_app
from app.runner import TrainingLoops, train_steps
from app.sessions import Session, SessionRegistry
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# The largest network on the largest dataset: a REST call of many steps lasts long enough to
# be interrupted on any machine.
HEAVY = {"network": {"hidden_layers": [16] * 6},
         "data": {"dataset": "digits", "n_samples": 2000, "test_ratio": 0.1},
         "training": {"batch_size": 1617}}
BOUND_SECONDS = 10.0


def wait_until(holds: Callable[[], bool], seconds: float = BOUND_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not holds():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def stays(read: Callable[[], int], pause: float = 0.1) -> bool:
    """Whether the value is the same after a pause (a training session's step never is)."""
    before = read()
    time.sleep(pause)
    return read() == before


# ---- the race of issue 12: the session changes as its last viewer leaves -------------------

async def leave_as_the_session_changes() -> tuple[int, int, list[asyncio.Task]]:
    session = Session("s", SessionConfig(), 0.0)  # at the page's default 100 steps/s
    loops = TrainingLoops(100_000)
    async with asyncio.timeout(BOUND_SECONDS):
        async with loops.watching(session):
            session.set_running(True)
            while session.trainer.step_count < 2:
                await asyncio.sleep(0.001)
            # The training task waits for its next step; this wakes it in the same turn of the
            # loop as the cancel that leaving sends it, as a REST call's slice did.
            session.train(1)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    return len(loops.live), len(session.listeners), others


def test_the_training_task_ends_when_woken_as_its_last_viewer_leaves():
    for _ in range(50):
        assert asyncio.run(leave_as_the_session_changes()) == (0, 0, [])


def post_in_thread(client, url: str, body: dict) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(client.post(url, json=body)))
    thread.start()
    return thread, answers


def test_rest_training_as_the_socket_closes_leaves_no_task_and_no_training(client):
    loops: TrainingLoops = client.app.state.training_loops
    sessions = client.app.state.registry.sessions
    for i in range(50):
        with client.websocket_connect("/ws") as ws:
            sid = json.loads(ws.receive_text())["session_id"]
            ws.send_json({"type": "play"})
            thread, _ = post_in_thread(client, f"/api/sessions/{sid}/train", {"steps": 30_000})
            wait_until(lambda sid=sid: sessions[sid].trainer.step_count > 0)
            time.sleep(0.002 * (i % 10))
        wait_until(lambda: not loops.live)
        assert client.delete(f"/api/sessions/{sid}").status_code == 204  # ends the REST call
        thread.join(BOUND_SECONDS)
        assert not thread.is_alive()
    assert not loops.live and not loops.tasks and not sessions


# ---- deleting or expiring a session ---------------------------------------------------------

def test_deleting_a_session_stops_its_rest_training_with_a_404(make_client):
    client = make_client()
    sid = client.post("/api/sessions", json=HEAVY).json()["id"]
    session = client.app.state.registry.sessions[sid]
    thread, answers = post_in_thread(client, f"/api/sessions/{sid}/train", {"steps": 100_000})
    wait_until(lambda: session.trainer.step_count > 0)
    assert client.delete(f"/api/sessions/{sid}").status_code == 204
    thread.join(BOUND_SECONDS)
    assert not thread.is_alive()
    assert answers[0].status_code == 404
    assert answers[0].json()["code"] == "session_not_found"
    assert session.trainer.step_count < 100_000 and stays(lambda: session.trainer.step_count)


def test_deleting_a_watched_session_closes_its_sockets_and_ends_its_training(client):
    loops: TrainingLoops = client.app.state.training_loops
    with client.websocket_connect("/ws") as ws, client.websocket_connect("/ws") as other:
        sid = json.loads(ws.receive_text())["session_id"]
        ws.send_json({"type": "play"})
        assert len(loops.live) == 2
        assert client.delete(f"/api/sessions/{sid}").status_code == 204
        while (message := ws.receive())["type"] != "websocket.close":
            pass
        assert message == {"type": "websocket.close", "code": 1000, "reason": "session ended"}
        other.send_json({"type": "play"})  # the other session's socket is untouched
        assert json.loads(other.receive_text())["type"] == "hello"
        wait_until(lambda: len(loops.live) == 1)


async def expire_during_training() -> tuple[bool, int]:
    now = [0.0]
    registry = SessionRegistry(Limits(), clock=lambda: now[0])
    session = registry.create(SessionConfig.model_validate(HEAVY))
    training = asyncio.create_task(train_steps(session, 100_000))
    while session.trainer.step_count == 0:
        await asyncio.sleep(0)
    now[0] += 2 * registry.limits.session_ttl_seconds
    registry.expire()
    async with asyncio.timeout(BOUND_SECONDS):
        await training
    return session.closed, session.trainer.step_count


def test_an_expiring_session_stops_its_rest_training():
    closed, steps = asyncio.run(expire_during_training())
    assert closed and 0 < steps < 100_000


# ---- a REST client that hangs up, and a server that stops: a real uvicorn ------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served() -> str:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings()), port=port, log_level="warning",
                                           ws_per_message_deflate=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(BOUND_SECONDS)


def test_rest_training_stops_when_its_client_hangs_up(served):
    base = f"http://{served}/api/sessions"
    sid = httpx.post(base, json=HEAVY).json()["id"]

    def step() -> int:
        return httpx.get(f"{base}/{sid}").json()["step"]

    with pytest.raises(httpx.ReadTimeout):  # the client gives up and closes its connection
        httpx.post(f"{base}/{sid}/train", json={"steps": 100_000}, timeout=0.5)
    wait_until(lambda: stays(step))
    assert 0 < step() < 100_000


def test_sigterm_closes_sockets_with_a_reason_and_exits(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: up(port))
        base = f"http://127.0.0.1:{port}/api/sessions"
        sid = httpx.post(base, json=HEAVY).json()["id"]
        # A long REST call in flight as well: the server must not wait for it to finish.
        training = threading.Thread(target=lambda: hang_on(f"{base}/{sid}/train"), daemon=True)
        training.start()
        with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/ws?session={sid}") as ws:
            ws.send(json.dumps({"type": "play"}))
            ws.recv(BOUND_SECONDS)
            server.send_signal(signal.SIGTERM)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    ws.recv(BOUND_SECONDS)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1001, "server shutting down")
        # uvicorn ends by raising the signal it caught again, once shut down.
        assert server.wait(BOUND_SECONDS) in (0, -signal.SIGTERM)
        output = log.read_text()
        assert "Application shutdown complete" in output and "timeout graceful" not in output
    finally:
        server.kill()
        server.wait()


def up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/limits").status_code == 200
    except httpx.TransportError:
        return False


def hang_on(url: str) -> None:
    try:
        httpx.post(url, json={"steps": 100_000}, timeout=BOUND_SECONDS * 3)
    except httpx.TransportError:
        pass
