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
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets.sync.client

from app.config import Limits, SessionConfig
from app.main import create_app
from app.runner import TrainingLoops, train_steps
from app.serve import server as app_server
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


def steer(token: str) -> dict[str, str]:
    """The header that lets a call change the session (the creator's token)."""
    return {"X-Session-Token": token}


def post_in_thread(client, url: str, body: dict, token: str) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(
        client.post(url, json=body, headers=steer(token))))
    thread.start()
    return thread, answers


def test_rest_training_as_the_socket_closes_leaves_no_task_and_no_training(client):
    loops: TrainingLoops = client.app.state.training_loops
    sessions = client.app.state.registry.sessions
    for i in range(50):
        with client.websocket_connect("/ws") as ws:
            hello = json.loads(ws.receive_text())
            sid, token = hello["session_id"], hello["token"]
            ws.send_json({"type": "play"})
            thread, _ = post_in_thread(client, f"/api/sessions/{sid}/train", {"steps": 30_000}, token)
            wait_until(lambda sid=sid: sessions[sid].trainer.step_count > 0)
            time.sleep(0.002 * (i % 10))
        wait_until(lambda: not loops.live)
        assert client.delete(f"/api/sessions/{sid}", headers=steer(token)).status_code == 204
        thread.join(BOUND_SECONDS)
        assert not thread.is_alive()
    assert not loops.live and not loops.tasks and not sessions


# ---- deleting or expiring a session ---------------------------------------------------------

def test_deleting_a_session_stops_its_rest_training_with_a_404(make_client):
    client = make_client()
    made = client.post("/api/sessions", json=HEAVY).json()
    sid, token = made["id"], made["token"]
    session = client.app.state.registry.sessions[sid]
    thread, answers = post_in_thread(client, f"/api/sessions/{sid}/train", {"steps": 100_000}, token)
    wait_until(lambda: session.trainer.step_count > 0)
    assert client.delete(f"/api/sessions/{sid}", headers=steer(token)).status_code == 204
    thread.join(BOUND_SECONDS)
    assert not thread.is_alive()
    assert answers[0].status_code == 404
    assert answers[0].json()["code"] == "session_not_found"
    assert session.trainer.step_count < 100_000 and stays(lambda: session.trainer.step_count)


def test_deleting_a_watched_session_closes_its_sockets_and_ends_its_training(client):
    loops: TrainingLoops = client.app.state.training_loops
    with client.websocket_connect("/ws") as ws, client.websocket_connect("/ws") as other:
        hello = json.loads(ws.receive_text())
        sid = hello["session_id"]
        ws.send_json({"type": "play"})
        assert len(loops.live) == 2
        assert client.delete(f"/api/sessions/{sid}", headers=steer(hello["token"])).status_code == 204
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


def serve(**limits: object) -> tuple[uvicorn.Server, threading.Thread]:
    """The app served by uvicorn as `python -m app` serves it, in a thread, on loopback."""
    settings = Settings(limits=Limits.model_validate(limits))
    server = app_server(create_app(settings), settings, "127.0.0.1", free_port())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    return server, thread


def address(server: uvicorn.Server) -> str:
    return f"{server.config.host}:{server.config.port}"


@pytest.fixture
def served() -> Iterator[str]:
    server, thread = serve()
    yield address(server)
    server.should_exit = True
    thread.join(BOUND_SECONDS)


def test_rest_training_stops_when_its_client_hangs_up(served):
    base = f"http://{served}/api/sessions"
    made = httpx.post(base, json=HEAVY).json()
    sid = made["id"]

    def step() -> int:
        return httpx.get(f"{base}/{sid}").json()["step"]

    with pytest.raises(httpx.ReadTimeout):  # the client gives up and closes its connection
        httpx.post(f"{base}/{sid}/train", json={"steps": 100_000}, timeout=0.5,
                   headers=steer(made["token"]))
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
        made = httpx.post(base, json=HEAVY).json()
        sid, token = made["id"], made["token"]
        # A long REST call in flight as well: the server must not wait for it to finish.
        training = threading.Thread(target=lambda: hang_on(f"{base}/{sid}/train", token), daemon=True)
        training.start()
        with websockets.sync.client.connect(
                f"ws://127.0.0.1:{port}/ws?session={sid}&token={token}") as ws:
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


def hang_on(url: str, token: str) -> None:
    try:
        httpx.post(url, json={"steps": 100_000}, timeout=BOUND_SECONDS * 3, headers=steer(token))
    except httpx.TransportError:
        pass


# ---- keepalive: a dead connection is dropped, a silent live one stays -----------------------

PINGS = {"ws_ping_interval_seconds": 0.1, "ws_ping_timeout_seconds": 1.0}


def dead_client(host: str, port: int, session: str, token: str) -> socket.socket:
    """A WebSocket handshake and a play message, then nothing: no pong will ever come, as
    from a laptop that vanished from the network."""
    sock = socket.create_connection((host, port))
    sock.sendall((f"GET /ws?session={session}&token={token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    assert sock.recv(1024).startswith(b"HTTP/1.1 101")
    play = b'{"type": "play"}'
    sock.sendall(bytes([0x81, 0x80 | len(play)]) + bytes(4) + play)  # masked with a zero key
    return sock


def test_a_connection_that_stops_answering_pings_is_dropped_and_its_session_can_expire():
    server, thread = serve(**PINGS)
    app = server.config.app
    base = f"http://{address(server)}/api/sessions"
    try:
        made = httpx.post(base).json()
        sid = made["id"]
        httpx.put(f"{base}/{sid}/config", json=HEAVY, headers=steer(made["token"]))
        sock = dead_client(server.config.host, server.config.port, sid, made["token"])
        with websockets.sync.client.connect(f"ws://{address(server)}/ws") as silent:
            wait_until(lambda: len(app.state.connections) == 2)
            session = app.state.registry.sessions[sid]
            wait_until(lambda: session.trainer.step_count > 0)
            wait_until(lambda: len(app.state.connections) == 1)  # the dead one, after its timeout
            assert not session.listeners and len(app.state.training_loops.live) == 1
            assert stays(lambda: session.trainer.step_count)
            # The silent client answered every ping meanwhile and is still being served.
            assert json.loads(silent.recv(BOUND_SECONDS))["type"] == "hello"
        sock.close()
        ttl = app.state.registry.limits.session_ttl_seconds
        app.state.registry.clock = lambda: time.monotonic() + 2 * ttl
        assert httpx.get(f"{base}/{sid}").status_code == 404
    finally:
        server.should_exit = True
        thread.join(BOUND_SECONDS)
