"""The WebSocket limits as uvicorn meets them on a live server (the test client has no frame
size limit and always sends valid UTF-8): between max_message_bytes and the hard cap a message
gets an error reply and the socket carries on; above the hard cap, or not UTF-8, it closes
with the code RFC 6455 gives, and nothing is logged as an error."""

import json
import logging
from collections.abc import Iterator

import pytest
from live import serving
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from app.config import Limits
from app.settings import Settings

LIMITS = Limits(max_message_bytes=2048, max_message_hard_bytes=8192, max_frame_rate=120,
                grid_size=8)
RECEIVE_SECONDS = 10.0


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
