import asyncio
import json
import math
import struct

import anyio
import numpy as np
import pytest

from app.main import create_app
from app.schemas import Limits
from app.settings import Settings

HEADER = struct.Struct("<IIfffffI")  # version, step, epoch, 2 losses, 2 accuracies, flags
DIVERGED = 1
DIVERGING = {"network": {"hidden_layers": [], "output_activation": "linear", "loss": "mse"},
             "training": {"learning_rate": 100}}


def receive(ws) -> dict | bytes:
    """The next message: a frame as bytes, anything else as parsed JSON."""
    message = ws.receive()
    if message.get("bytes") is not None:
        return message["bytes"]
    return json.loads(message["text"])


def receive_until(ws, kind: str, reads: int = 100, **fields) -> dict | bytes:
    """Skip messages until one of this type ("frame" for binary) with these fields arrives."""
    for _ in range(reads):
        message = receive(ws)
        if kind == "frame" and isinstance(message, bytes):
            return message
        if isinstance(message, dict) and message["type"] == kind and fields.items() <= message.items():
            return message
    raise AssertionError(f"no {kind} {fields} in {reads} messages")


def header(frame: bytes) -> tuple:
    return HEADER.unpack_from(frame)


def frame_at(ws, step: int, reads: int = 100) -> bytes:
    """The frame of this step, skipping earlier ones that a multi-step request may show."""
    for _ in range(reads):
        frame = receive_until(ws, "frame")
        if header(frame)[1] >= step:
            assert header(frame)[1] == step
            return frame
    raise AssertionError(f"no frame of step {step} in {reads} frames")


def field(frame: bytes, layout: dict, name: str, layer: int) -> np.ndarray:
    spec = next(f for f in layout["fields"] if (f["name"], f["layer"]) == (name, layer))
    return np.frombuffer(frame, "<f4", int(np.prod(spec["shape"])), spec["offset"]).reshape(spec["shape"])


def opening(ws) -> tuple[dict, dict, bytes]:
    """hello, layout, history, status, frame: the order every connection starts with."""
    hello, layout, history, status, frame = (receive(ws) for _ in range(5))
    assert [hello["type"], layout["type"], history["type"], status["type"]] == [
        "hello", "layout", "history", "status"]
    assert isinstance(frame, bytes)
    return hello, layout, frame


def config_message(**parts) -> dict:
    return {"type": "config", "config": parts}


def test_a_connection_opens_with_hello_layout_history_status_and_a_frame(client):
    with client.websocket_connect("/ws") as ws:
        hello, layout, frame = opening(ws)
    assert hello["limits"] == client.app.state.settings.limits.model_dump()
    assert len(hello["session_id"]) >= 22
    assert (layout["sizes"], layout["header_bytes"], layout["grid_size"]) == ([2, 4, 2, 1], 44, 10)
    assert len(frame) == layout["frame_bytes"]
    version, step, epoch, *_, flags = header(frame)
    assert (version, step, epoch, flags) == (layout["version"], 0, 0.0, 0)


def test_frame_weights_are_the_rest_state_weights(client):
    with client.websocket_connect("/ws") as ws:
        hello, layout, frame = opening(ws)
        state = client.get(f"/api/sessions/{hello['session_id']}/state").json()
    for l, layer in enumerate(state["layers"], start=1):
        assert np.array_equal(field(frame, layout, "W", l), np.float32(layer["W"]))
        assert np.array_equal(field(frame, layout, "b", l), np.float32(layer["b"]))
        assert np.array_equal(field(frame, layout, "dW", l), np.float32(layer["dW"]))


def test_play_streams_frames_of_a_growing_step(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "speed", "steps_per_second": None})
        ws.send_json({"type": "play"})
        assert receive_until(ws, "status", status="running")["steps_per_second"] is None
        steps = [header(receive_until(ws, "frame"))[1] for _ in range(5)]
        ws.send_json({"type": "pause"})
        receive_until(ws, "status", status="paused")
    assert steps == sorted(steps) and steps[-1] > steps[0]


def test_step_while_paused_trains_one_step(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "step"})
        frame_at(ws, 1)
        ws.send_json({"type": "step", "steps": 5})
        frame_at(ws, 6)


def test_a_new_architecture_mid_training_sends_a_new_layout(client):
    with client.websocket_connect("/ws") as ws:
        _, old, _ = opening(ws)
        ws.send_json({"type": "play"})
        receive_until(ws, "frame")
        ws.send_json(config_message(network={"hidden_layers": [3, 3, 3]}))
        layout = receive_until(ws, "layout")
        assert layout["sizes"] == [2, 3, 3, 3, 1] and layout["version"] > old["version"]
        for _ in range(3):
            frame = receive_until(ws, "frame")
            assert (header(frame)[0], len(frame)) == (layout["version"], layout["frame_bytes"])


@pytest.mark.parametrize("text, error", [
    ("{not json", {"type": "error", "message": "invalid message", "errors": [
        {"field": "", "message": "Invalid JSON: key must be a string at line 1 column 2"}]}),
    ('{"type": "fly"}', {"type": "error", "message": "invalid message", "errors": [
        {"field": "", "message": "Input tag 'fly' found using 'type' does not match any of the "
                                 "expected tags: 'play', 'pause', 'step', 'reset', 'config', 'speed', 'pick', "
                                 "'inspect', 'walk', 'gradcheck', 'edit'"}]}),
    ('{"type": "step", "steps": 0}', {"type": "error", "message": "invalid message", "errors": [
        {"field": "steps", "message": "Input should be greater than or equal to 1"}]}),
    (json.dumps(config_message(network={"hidden_layers": [2] * 7})), {
        "type": "error", "message": "config refused", "errors": [
            {"field": "config.network.hidden_layers", "message": "at most 6 hidden layers"}]}),
    (json.dumps(config_message(network={"hidden_layers": [4, 17]})), {
        "type": "error", "message": "config refused", "errors": [
            {"field": "config.network.hidden_layers.1", "message": "at most 16 neurons per layer"}]}),
    ('{"type": "speed", "steps_per_second": 100001}', {
        "type": "error", "message": "speed refused", "errors": [
            {"field": "steps_per_second", "message": "at most 100000 (max_steps_per_second)"}]}),
], ids=["json", "type", "field", "layers", "neurons", "speed"])
def test_a_bad_message_gets_an_error_and_the_socket_keeps_working(client, text, error):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_text(text)
        assert receive(ws) == error
        ws.send_json({"type": "step"})
        frame_at(ws, 1)


def test_a_message_over_the_size_limit_gets_an_error(client):
    text = json.dumps({"type": "step", "pad": "x" * 16_384})
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_text(text)
        assert receive(ws) == {"type": "error", "errors": [],
                               "message": f"message of {len(text)} bytes; at most 16384 (max_message_bytes)"}
        ws.send_json({"type": "step"})
        frame_at(ws, 1)


def test_a_binary_message_gets_an_error(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_bytes(b'{"type": "step"}')
        assert receive(ws) == {"type": "error", "errors": [],
                               "message": "binary messages are not accepted; send JSON text"}
        ws.send_json({"type": "step"})
        frame_at(ws, 1)


def test_divergence_is_a_status_and_a_frame_flag_until_reset(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json(config_message(**DIVERGING))
        receive_until(ws, "layout")
        ws.send_json({"type": "step", "steps": 1000})
        receive_until(ws, "status", status="diverged")
        assert header(receive_until(ws, "frame"))[-1] & DIVERGED
        ws.send_json({"type": "reset"})
        assert receive_until(ws, "status")["status"] == "paused"
        _, step, *_, flags = header(receive_until(ws, "frame"))
        assert (step, flags & DIVERGED) == (0, 0)


def test_attaching_to_a_rest_session(client):
    sid = client.post("/api/sessions", json={"network": {"hidden_layers": [5]}}).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 30})
    with client.websocket_connect(f"/ws?session={sid}") as ws:
        hello, layout, frame = opening(ws)
    assert hello["session_id"] == sid
    assert hello["config"]["network"]["hidden_layers"] == [5]
    assert (layout["sizes"], header(frame)[1]) == ([2, 5, 1], 30)


def test_an_unknown_session_id_starts_a_new_session(client):
    with client.websocket_connect("/ws?session=gone") as ws:
        hello, _, _ = opening(ws)
    assert hello["session_id"] != "gone"
    assert client.get(f"/api/sessions/{hello['session_id']}").status_code == 200


def test_steps_through_the_socket_show_in_rest(client):
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = opening(ws)
        ws.send_json({"type": "step", "steps": 3})
        frame_at(ws, 3)
        assert client.get(f"/api/sessions/{hello['session_id']}").json()["step"] == 3


def test_a_full_server_says_so_and_closes(make_client):
    client = make_client(max_sessions=1)
    client.post("/api/sessions")
    with client.websocket_connect("/ws") as ws:
        assert receive(ws) == {"type": "error", "message": "at most 1 sessions at once", "errors": []}
        assert ws.receive() == {"type": "websocket.close", "code": 1013, "reason": ""}


def test_a_session_watched_longer_than_the_ttl_survives_a_reconnect(client):
    registry = client.app.state.registry
    now = [0.0]
    registry.clock = lambda: now[0]
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = opening(ws)
        now[0] += 2 * registry.limits.session_ttl_seconds
    with client.websocket_connect(f"/ws?session={hello['session_id']}") as ws:
        assert receive(ws)["session_id"] == hello["session_id"]


SCOPE = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": "/ws",
         "raw_path": b"/ws", "query_string": b"", "root_path": "", "headers": [],
         "client": ("test", 1), "server": ("test", 80), "subprotocols": [], "state": {}}


async def disconnect_then_cancel(app, checkpoints: int) -> str:
    """What TestClient and a server shutting down do: the disconnect, then a cancel scope's
    cancel after a few turns of the loop. The handler must end the way its scope expects."""
    to_app, inbox = anyio.create_memory_object_stream(math.inf)
    outbox, from_app = anyio.create_memory_object_stream(math.inf)
    outcome = []

    async def handle(*, task_status) -> None:
        try:
            with anyio.CancelScope() as scope:
                task_status.started(scope)
                await app(SCOPE, inbox.receive, outbox.send)
            outcome.append("absorbed by its scope")
        except asyncio.CancelledError:
            outcome.append("escaped its scope")

    async with to_app, inbox, outbox, from_app, anyio.create_task_group() as tasks:
        await to_app.send({"type": "websocket.connect"})
        scope = await tasks.start(handle)
        for _ in range(6):  # accept, hello, layout, history, status, frame
            await from_app.receive()
        await to_app.send({"type": "websocket.disconnect", "code": 1000})
        for _ in range(checkpoints):
            await anyio.lowlevel.checkpoint()
        scope.cancel()
    return outcome[0]


def test_a_handler_cancelled_while_closing_ends_by_its_cancel_scope():
    app = create_app(Settings(limits=Limits(grid_size=8)))
    outcomes = [anyio.run(disconnect_then_cancel, app, n) for n in range(8)]
    assert outcomes == ["absorbed by its scope"] * 8
