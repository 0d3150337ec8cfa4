"""The WebSocket limits as uvicorn meets them on a live server (the test client has no frame
size limit and always sends valid UTF-8): between max_message_bytes and the hard cap a message
gets an error reply and the socket carries on; above the hard cap, or not UTF-8, it closes
with the code RFC 6455 gives, and nothing is logged as an error. The log never shows a
steering token."""

import contextlib
import gc
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live import free_port, serving
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from app import __main__ as entry
from app.config import Limits
from app.engine import fast
from app.settings import Settings

LIMITS = Limits(max_message_bytes=2048, max_message_hard_bytes=8192, max_frame_rate=120,
                grid_size=8)
RECEIVE_SECONDS = 10.0
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serving(Settings(limits=LIMITS)) as http_url:
        yield http_url.replace("http://", "ws://") + "/ws"


@pytest.fixture
def server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """What uvicorn logs at ERROR (its logger does not propagate to the root caplog reads)."""
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def next_json(ws: ClientConnection, kind: str) -> dict:
    """The next JSON message of this type, frames and others skipped."""
    for _ in range(1000):
        message = ws.recv(timeout=RECEIVE_SECONDS)
        if isinstance(message, str) and json.loads(message)["type"] == kind:
            return json.loads(message)
    raise AssertionError(f"no {kind} message")


def test_a_message_over_the_soft_limit_is_answered_and_the_socket_carries_on(url, server_errors):
    with connect(url) as ws:
        next_json(ws, "hello")
        ws.send(json.dumps({"type": "step", "pad": "x" * 4000}))
        error = next_json(ws, "error")
        assert (error["code"], error["params"]) == (
            "message_too_large", {"limit": 2048, "setting": "max_message_bytes"})
        ws.send(json.dumps({"type": "play"}))
        assert next_json(ws, "status")["status"] == "running"
    assert not [r for r in server_errors.records if r.levelno >= logging.ERROR]


def test_a_message_over_the_hard_cap_closes_the_socket_with_1009(url):
    with connect(url) as ws:
        next_json(ws, "hello")
        ws.send(json.dumps({"type": "step", "pad": "x" * 9000}))
        with pytest.raises(ConnectionClosedError) as closed:
            next_json(ws, "never")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_invalid_utf8_closes_with_1007_and_logs_no_error(url, server_errors):
    with connect(url) as ws:
        next_json(ws, "hello")
        ws.send(b'{"type": "play\xff"}', text=True)
        with pytest.raises(ConnectionClosedError) as closed:
            next_json(ws, "never")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    assert not [r for r in server_errors.records if r.levelno >= logging.ERROR], server_errors.text


# ---- steering tokens never reach the log ------------------------------------------------

def test_redact_hides_every_spelling_of_the_token_parameter_and_nothing_else():
    from app.serve import redact

    assert redact('GET /ws?session=abc&token=s3cr-et_ HTTP/1.1') == (
        'GET /ws?session=abc&token=[redacted] HTTP/1.1')
    assert redact('"WebSocket /ws?tok%65n=s3cret&session=abc"') == (
        '"WebSocket /ws?tok%65n=[redacted]&session=abc"')
    assert redact("/api/sessions?session=abc&tokens=1") == "/api/sessions?session=abc&tokens=1"


def test_the_served_log_prints_request_lines_with_the_token_redacted(tmp_path):
    """`python -m app` as an operator runs it: the access log's HTTP request line and the
    WebSocket's accepted line both appear, with the session id but never the token."""
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=ROOT,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        base = f"127.0.0.1:{port}"
        wait_for_server(base)
        made = httpx.post(f"http://{base}/api/sessions").json()
        sid, token = made["id"], made["token"]
        assert httpx.get(f"http://{base}/?session={sid}&token={token}").status_code == 200
        with connect(f"ws://{base}/ws?session={sid}&token={token}") as ws:
            next_json(ws, "hello")
    finally:
        server.terminate()
        server.wait(RECEIVE_SECONDS)
    lines = log.read_text().splitlines()
    logged = [line for line in lines if sid in line]
    assert any(f'"GET /?session={sid}&token=[redacted] HTTP/1.1" 200' in line for line in logged)
    assert any(f'"WebSocket /ws?session={sid}&token=[redacted]" [accepted]' in line
               for line in logged)
    assert token not in "\n".join(lines)


def test_the_server_freezes_what_it_starts_with_and_the_kernel_once_loaded(monkeypatch):
    """Objects frozen out of the collector's full passes: with numba's each pass took over
    100 ms of every viewer's frames."""
    seen: list[object] = []

    class Serving:
        started = True

        def run(self) -> None:
            seen.append(gc.get_freeze_count())

    monkeypatch.setattr("app.serve.server", lambda *_: Serving())
    monkeypatch.setattr(fast, "warm_up_in_background", lambda ready, then: seen.append(then))
    monkeypatch.setattr(sys, "argv", ["app"])
    gc.unfreeze()
    try:
        entry.main()
    finally:
        gc.unfreeze()
    assert seen[0] is gc.freeze and isinstance(seen[1], int) and seen[1] > 10_000


def wait_for_server(base: str) -> None:
    for _ in range(200):
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://{base}/api/limits").status_code == 200:
                return
        threading.Event().wait(0.05)
    raise AssertionError("the server did not start")
