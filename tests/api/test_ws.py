import asyncio
import json
import math

import anyio
import numpy as np
import pytest

from app import frames
from app.config import Limits
from app.engine.network import split_flat
from app.main import create_app
from app.protocol import HEADER, HEADER_FIELDS
from app.settings import Settings

DIVERGED, MAPS, GRID = 1, 2, 4
DIVERGING = {"network": {"hidden_layers": [], "output_activation": "linear", "loss": "mse"},
             "training": {"learning_rate": 100}}


# A message that never comes fails the test after this long instead of hanging the run.
RECEIVE_SECONDS = 10.0


async def next_message(ws, seconds: float) -> dict:
    with anyio.fail_after(seconds):
        return await ws._send_rx.receive()  # what ws.receive() awaits, without a bound


def receive(ws) -> dict | bytes:
    """The next message: a frame as bytes, anything else as parsed JSON."""
    message = ws.portal.call(next_message, ws, RECEIVE_SECONDS)
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


def header(frame: bytes) -> dict:
    """The frame's header fields by name, read the way app/protocol.py describes them."""
    return dict(zip((f.name for f in HEADER_FIELDS), HEADER.unpack_from(frame)))


def frame_at(ws, step: int, reads: int = 100) -> bytes:
    """The frame of this step, skipping earlier ones that a multi-step request may show."""
    for _ in range(reads):
        frame = receive_until(ws, "frame")
        if header(frame)["step"] >= step:
            assert header(frame)["step"] == step
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
    assert (layout["sizes"], layout["header_bytes"], layout["grid_size"]) == ([2, 4, 2, 1], 52, 10)
    assert len(frame) == layout["frame_bytes"]
    fields = header(frame)
    assert (fields["version"], fields["step"], fields["epoch"], fields["flags"]) == (
        layout["version"], 0, 0.0, MAPS | GRID)


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
        steps = [header(receive_until(ws, "frame"))["step"] for _ in range(5)]
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
            assert (header(frame)["version"], len(frame)) == (layout["version"], frame_size(frame, layout))


def frame_size(frame: bytes, layout: dict) -> int:
    """The output map and the neuron maps come at their own lower rates; each is in the frames
    flagged with it, after the arrays."""
    flags = header(frame)["flags"]
    return (layout["grid_offset"] + (layout["grid_bytes"] if flags & GRID else 0)
            + (layout["frame_bytes"] - layout["map_offset"] if flags & MAPS else 0))


def test_a_viewer_gets_the_output_map_only_when_it_changed_and_at_once_when_training_stops(
        client, monkeypatch):
    monkeypatch.setattr(frames, "OUTPUT_MAP_SECONDS", 3600.0)  # redone while training: never
    with client.websocket_connect("/ws") as ws:
        hello, layout, first = opening(ws)
        assert header(first)["flags"] & GRID  # a new viewer has no map yet
        ws.send_json({"type": "play"})
        assert header(receive_until(ws, "frame"))["flags"] & GRID  # playing is not training
        playing = [receive_until(ws, "frame") for _ in range(5)]
        assert [header(f)["flags"] & GRID for f in playing] == [0] * 5
        assert all(len(f) == frame_size(f, layout) for f in playing)
        ws.send_json({"type": "pause"})
        frame = receive_until(ws, "frame")
        while not header(frame)["flags"] & GRID:  # frames sent before the pause came
            frame = receive_until(ws, "frame")
        session = client.app.state.registry.sessions[hello["session_id"]]
        assert header(frame)["step"] == session.trainer.step_count and not session.running
        grid = frame[layout["grid_offset"]:layout["grid_offset"] + layout["grid_bytes"]]
        assert grid == frames.output_maps(session, layout["grid_size"])  # the paused weights'
        assert grid != first[layout["grid_offset"]:layout["grid_offset"] + layout["grid_bytes"]]


TAGS = "'play', 'pause', 'step', 'reset', 'config', 'speed', 'pick', 'inspect', 'walk', " \
    "'gradcheck', 'edit'"


def invalid(*errors: dict) -> dict:
    return {"type": "error", "code": "invalid", "message": "invalid request", "params": {},
            "errors": list(errors)}


def limit(field: str, message: str, value: int, setting: str, code: str = "invalid_config",
          title: str = "config refused") -> dict:
    params = {"limit": value, "setting": setting}
    return {"type": "error", "code": code, "message": title,
            "params": params if code == "limit" else {}, "errors": [
                {"field": field, "code": "limit", "message": message, "params": params}]}


@pytest.mark.parametrize("text, error", [
    ("{not json", invalid({"field": "", "code": "json_invalid", "params": {
        "error": "key must be a string at line 1 column 2"},
        "message": "Invalid JSON: key must be a string at line 1 column 2"})),
    ('{"type": "fly"}', invalid({"field": "", "code": "union_tag_invalid", "params": {
        "discriminator": "'type'", "tag": "fly", "expected_tags": TAGS},
        "message": "Input tag 'fly' found using 'type' does not match any of the "
                   f"expected tags: {TAGS}"})),
    ('{"type": "step", "steps": 0}', invalid({
        "field": "steps", "code": "greater_than_equal", "params": {"ge": 1},
        "message": "Input should be greater than or equal to 1"})),
    (json.dumps(config_message(network={"hidden_layers": [2] * 7})), limit(
        "config.network.hidden_layers", "at most 6 hidden layers", 6, "max_hidden_layers")),
    (json.dumps(config_message(network={"hidden_layers": [4, 17]})), limit(
        "config.network.hidden_layers.1", "at most 16 neurons per layer", 16,
        "max_neurons_per_layer")),
    ('{"type": "speed", "steps_per_second": 100001}', limit(
        "steps_per_second", "at most 100000 (max_steps_per_second)", 100000,
        "max_steps_per_second", code="limit", title="at most 100000 (max_steps_per_second)")),
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
        assert receive(ws) == {"type": "error", "code": "message_too_large", "errors": [],
                               "params": {"limit": 16384, "setting": "max_message_bytes"},
                               "message": f"message of {len(text)} bytes; at most 16384 (max_message_bytes)"}
        ws.send_json({"type": "step"})
        frame_at(ws, 1)


def test_a_binary_message_gets_an_error(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_bytes(b'{"type": "step"}')
        assert receive(ws) == {"type": "error", "code": "binary_message", "errors": [], "params": {},
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
        assert header(receive_until(ws, "frame"))["flags"] & DIVERGED
        ws.send_json({"type": "reset"})
        assert receive_until(ws, "status")["status"] == "paused"
        fields = header(receive_until(ws, "frame"))
        assert (fields["step"], fields["flags"] & DIVERGED) == (0, 0)


def test_attaching_to_a_rest_session(client):
    created = client.post("/api/sessions", json={"network": {"hidden_layers": [5]}}).json()
    sid, token = created["id"], created["token"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 30}, headers={"X-Session-Token": token})
    with client.websocket_connect(f"/ws?session={sid}&token={token}") as ws:
        hello, layout, frame = opening(ws)
    assert hello["session_id"] == sid
    assert hello["config"]["network"]["hidden_layers"] == [5]
    assert (layout["sizes"], header(frame)["step"]) == ([2, 5, 1], 30)


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
        assert receive(ws) == {"type": "error", "code": "session_limit",
                               "params": {"limit": 1, "setting": "max_sessions"},
                               "message": "at most 1 sessions at once (max_sessions)", "errors": []}
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


# ---- picked sample, inspector, step-by-step mode, gradient check, edits --------------------

SAMPLE, STAGE, SHOWN_LOSS, POSITION = "sample", "stage", "shown_loss", "position"
NEURON = {"kind": "neuron", "layer": 2, "index": 1}


def messages_until(ws, kind: str, reads: int = 100, **fields) -> list:
    """Every message up to and including the first of this type with these fields."""
    seen = []
    for _ in range(reads):
        seen.append(receive(ws))
        message = seen[-1]
        if isinstance(message, dict) and message["type"] == kind and fields.items() <= message.items():
            return seen
    raise AssertionError(f"no {kind} {fields} in {reads} messages")


def frame_where(ws, holds, reads: int = 30) -> bytes:
    """The first frame for which ``holds(frame)`` is true. A frame sent without neuron maps is
    followed by one that catches them up, of whatever the state is then; so after a change,
    the frame that shows it may come after one more of the state before."""
    for _ in range(reads):
        frame = receive_until(ws, "frame")
        if holds(frame):
            return frame
    raise AssertionError(f"no such frame in {reads} frames")


def at(name: str, value) -> object:
    return lambda frame: header(frame)[name] == value


def test_pick_shows_the_sample_and_its_loss_in_the_header(client):
    with client.websocket_connect("/ws") as ws:
        hello, _, frame = opening(ws)
        assert (header(frame)[SAMPLE], header(frame)[POSITION]) == (0, -1)  # its first example
        ws.send_json({"type": "pick", "sample": 7})
        header_ = header(frame_where(ws, at(SAMPLE, 7)))
        sid = hello["session_id"]
        expected = client.post(f"/api/sessions/{sid}/inspect",
                               json={"target": NEURON, "sample": 7}).json()["loss"]
        assert (header_[SAMPLE], header_[STAGE]) == (7, -1)
        assert header_[SHOWN_LOSS] == np.float32(expected)
        ws.send_json({"type": "pick", "sample": None, "position": 2})
        header_ = header(frame_where(ws, at(POSITION, 2)))
        batch = client.app.state.registry.sessions[sid].shown_batch()
        assert header_[SAMPLE] == batch.indices[2]


def test_a_pick_beyond_the_training_set_is_an_error_and_the_socket_keeps_working(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "pick", "sample": 200})
        message = "at most 199: the training set has 200 examples"
        assert receive(ws) == {"type": "error", "code": "sample_out_of_range", "message": message,
                               "params": {"limit": 199, "examples": 200},
                               "errors": [{"field": "sample", "code": "sample_out_of_range",
                                           "message": message,
                                           "params": {"limit": 199, "examples": 200}}]}
        ws.send_json({"type": "pick", "sample": -1})
        assert receive(ws) == invalid({"field": "sample", "code": "greater_than_equal",
                                       "message": "Input should be greater than or equal to 0",
                                       "params": {"ge": 0}})
        ws.send_json({"type": "step"})
        assert header(frame_at(ws, 1))[SAMPLE] == 0


def test_inspect_sends_the_targets_numbers_after_every_frame(client):
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = opening(ws)
        sid = hello["session_id"]
        ws.send_json({"type": "inspect", "target": NEURON})
        # What the steering page inspects is the session's news (a room's followers open it):
        # its status says so, then comes the frame and the target's numbers.
        assert receive_until(ws, "status")["shown_target"] == NEURON
        assert isinstance(receive(ws), bytes)
        message = receive(ws)
        assert message["type"] == "inspection"
        # The same numbers as REST gives for the example the diagram follows, the first.
        rest = client.post(f"/api/sessions/{sid}/inspect", json={"target": NEURON, "sample": 0}).json()
        assert message == {"type": "inspection", **rest}
        f = message["detail"]["forward"]
        assert abs(sum(f["products"]) + f["bias"] - f["z"]) < 1e-9
        ws.send_json({"type": "pick", "sample": None})
        receive_until(ws, "frame")
        message = receive_until(ws, "inspection")
        f = message["detail"]["forward"]
        state = client.get(f"/api/sessions/{sid}/state").json()
        assert f["z"] == state["layers"][1]["z"][1][0]
        assert message["detail"]["backward"]["delta"] == state["layers"][1]["delta"][1][0]
        # After a step: a frame of step 1, then the numbers of the new batch at the new weights.
        ws.send_json({"type": "step"})
        frame_at(ws, 1)
        after = receive(ws)
        assert after["type"] == "inspection" and after["indices"] != message["indices"]
        assert after["detail"]["forward"]["weights"] == client.get(
            f"/api/sessions/{sid}/state").json()["layers"][1]["W"][1]


def test_inspect_a_weight_of_the_picked_sample(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "pick", "sample": 12})
        frame_where(ws, at(SAMPLE, 12))
        ws.send_json({"type": "inspect", "target": {"kind": "weight", "layer": 3, "index": 0, "source": 1}})
        message = receive_until(ws, "inspection")
    w = message["detail"]
    # The example's own a_in·δ; the update is the next mini-batch's mean, as Step applies it.
    assert (message["sample"], message["indices"], w["kind"], w["examples"]) == (12, [12], "weight", 10)
    assert w["gradient"] == w["a_in"] * w["delta"] != w["batch_gradient"]
    assert w["weight_after"] == pytest.approx(w["weight"] - 0.1 * w["batch_gradient"], rel=1e-12)


def test_inspect_null_stops_the_inspection_messages(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "inspect", "target": NEURON})
        receive_until(ws, "inspection")
        ws.send_json({"type": "inspect", "target": None})
        ws.send_json({"type": "step"})
        frame_at(ws, 1)
        ws.send_json({"type": "speed", "steps_per_second": 50})
        seen = messages_until(ws, "status", steps_per_second=50)
    assert not any(isinstance(m, dict) and m["type"] == "inspection" for m in seen)


def test_the_inspector_closes_when_its_neuron_disappears(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "inspect", "target": NEURON})
        receive_until(ws, "inspection")
        ws.send_json(config_message(network={"hidden_layers": [3]}))  # layer 2 has one neuron now
        receive_until(ws, "layout")
        ws.send_json({"type": "step"})
        frame_at(ws, 1)
        ws.send_json({"type": "speed", "steps_per_second": 50})
        seen = messages_until(ws, "status", steps_per_second=50)
    assert not any(isinstance(m, dict) and m["type"] in ("inspection", "error") for m in seen)


def test_walk_moves_the_headers_stage(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)

        def walk(action: str, stage: int) -> tuple:
            ws.send_json({"type": "walk", "action": action})
            return header(frame_where(ws, at(STAGE, stage)))

        walk("start", 0)
        walk("next", 1)
        walk("next", 2)
        walk("previous", 1)
        walk("previous", 0)
        ws.send_json({"type": "walk", "action": "previous"})
        ws.send_json({"type": "walk", "action": "previous"})
        walk("next", 1)  # from 0, not from below it
        header_ = walk("stop", -1)
        assert header_["step"] == 0


def test_walking_past_the_update_trains_one_step_and_starts_over(client):
    with client.websocket_connect("/ws") as ws:
        hello, layout, _ = opening(ws)
        ws.send_json({"type": "speed", "steps_per_second": 1})
        ws.send_json({"type": "play"})
        receive_until(ws, "status", status="running")
        ws.send_json({"type": "walk", "action": "start"})
        assert receive_until(ws, "status")["status"] == "paused"
        start = header(frame_where(ws, at(STAGE, 0)))
        for stage in range(1, 9):
            ws.send_json({"type": "walk", "action": "next"})
            frame = frame_where(ws, at(STAGE, stage))
        # At the update stage the frame shows the weights the update will leave.
        state = client.get(f"/api/sessions/{hello['session_id']}/state").json()
        session = client.app.state.registry.sessions[hello["session_id"]]
        after = session.walk.params_after
        shown = field(frame, layout, "W", 1)
        assert np.array_equal(shown, np.float32(split_flat(after, layout["sizes"])[0][0]))
        assert not np.array_equal(shown, np.float32(state["layers"][0]["W"]))
        ws.send_json({"type": "walk", "action": "next"})
        header_ = header(frame_where(ws, at(STAGE, 0)))
        assert header_["step"] - start["step"] == 1
        assert np.array_equal(session.trainer.network.params, after)
        assert client.get(f"/api/sessions/{hello['session_id']}").json()["status"] == "paused"


def test_play_ends_the_walk(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "walk", "action": "start"})
        frame_where(ws, at(STAGE, 0))
        ws.send_json({"type": "play"})
        receive_until(ws, "status", status="running")
        # The frame of the same change follows its status.
        assert header(receive_until(ws, "frame"))[STAGE] == -1
        ws.send_json({"type": "pause"})
        receive_until(ws, "status", status="paused")


def test_gradcheck_replies_with_a_pass(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "pick", "sample": None})  # the batch's examples
        ws.send_json({"type": "gradcheck"})
        reply = receive_until(ws, "gradcheck")
    assert set(reply) == {"type", "layers", "threshold", "passed", "examples", "sample"}
    assert (reply["passed"], reply["threshold"], reply["examples"], reply["sample"]) == (True, 1e-6, 10, None)
    assert len(reply["layers"]) == 3 and all(0 <= e < 1e-6 for e in reply["layers"])


def test_gradcheck_on_the_picked_sample(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "pick", "sample": 4})
        ws.send_json({"type": "gradcheck"})
        reply = receive_until(ws, "gradcheck")
    assert (reply["passed"], reply["examples"], reply["sample"]) == (True, 1, 4)


def test_edit_while_paused_changes_the_next_frame(client):
    with client.websocket_connect("/ws") as ws:
        _, layout, frame = opening(ws)
        old = field(frame, layout, "W", 1).copy()
        ws.send_json({"type": "edit", "layer": 1, "param": "W", "index": 2, "source": 1, "value": 3.25})
        new = field(frame_where(ws, lambda f: field(f, layout, "W", 1)[2, 1] == 3.25), layout, "W", 1)
        ws.send_json({"type": "edit", "layer": 2, "param": "b", "index": 0, "value": -0.5})
        frame_where(ws, lambda f: field(f, layout, "b", 2)[0] == -0.5)
    old[2, 1] = 3.25
    assert np.array_equal(new, old)  # nothing else moved


def test_edit_while_running_is_an_error_and_the_socket_keeps_working(client):
    with client.websocket_connect("/ws") as ws:
        _, layout, _ = opening(ws)
        ws.send_json({"type": "speed", "steps_per_second": 200})
        ws.send_json({"type": "play"})
        receive_until(ws, "status", status="running")
        ws.send_json({"type": "edit", "layer": 1, "param": "W", "index": 0, "source": 0, "value": 9})
        message = "pause training to edit a weight or bias"
        assert receive_until(ws, "error") == {"type": "error", "code": "not_paused",
                                              "message": message, "params": {}, "errors": [
            {"field": "value", "code": "not_paused", "message": message, "params": {}}]}
        ws.send_json({"type": "pause"})
        receive_until(ws, "status", status="paused")
        step = header(receive_until(ws, "frame"))["step"]
        ws.send_json({"type": "step"})
        frame_at(ws, step + 1)
        ws.send_json({"type": "edit", "layer": 1, "param": "b", "index": 0, "value": 1.5})
        frame_where(ws, lambda f: field(f, layout, "b", 1)[0] == 1.5)


def test_a_weight_inspected_during_a_walk_shows_the_walks_update(client):
    target = {"kind": "weight", "layer": 2, "index": 1, "source": 2}
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = opening(ws)
        session = client.app.state.registry.sessions[hello["session_id"]]
        ws.send_json({"type": "pick", "sample": None})  # walk through the batch's update
        ws.send_json({"type": "walk", "action": "start"})
        ws.send_json({"type": "inspect", "target": target})
        w = receive_until(ws, "inspection")["detail"]
        assert w["examples"] == 10
        assert w["weight_after"] == split_flat(session.walk.params_after, session.trainer.network.sizes)[1][0][1, 2]
        assert w["weight_after"] == pytest.approx(w["weight"] - 0.1 * w["batch_gradient"], rel=1e-12)
        for _ in range(9):
            ws.send_json({"type": "walk", "action": "next"})
        frame_at(ws, 1)
        assert session.trainer.network.layers[1].W[1, 2] == w["weight_after"]


# ---- the server decides, the page shows -------------------------------------------------


def test_a_config_is_confirmed_to_its_sender_by_ref_with_the_batch_fitted_to_the_data(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({**config_message(data={"n_samples": 100},
                                       training={"batch_size": 90}), "ref": 7})
        seen = messages_until(ws, "status", ref=7)
        # 100 examples with half held out leave 50 to train on: the largest batch there is.
        assert seen[-1]["config"]["training"]["batch_size"] == 50
        layout = next(m for m in seen if isinstance(m, dict) and m["type"] == "layout")
        assert layout["train_size"] == 50


def test_the_layout_states_the_stages_the_training_set_and_the_ranges(client):
    with client.websocket_connect("/ws") as ws:
        _, layout, _ = opening(ws)
    assert (layout["train_size"], layout["activation_ranges"]) == (200, [[-1, 1], [-1, 1], [0, 1]])
    stages = layout["stages"]
    assert len(stages) == 2 * 3 + 3
    assert stages[0] == {"phase": "input", "layer": 0, "forward": 0, "backward": 4, "loss": False}
    assert stages[4] == {"phase": "loss", "layer": None, "forward": 3, "backward": 4, "loss": True}
    assert stages[5] == {"phase": "backward", "layer": 3, "forward": 3, "backward": 3, "loss": True}
    assert stages[-1] == {"phase": "update", "layer": None, "forward": 3, "backward": 1,
                          "loss": True}


def test_the_history_arrives_whole_then_row_by_row(client):
    with client.websocket_connect("/ws") as ws:
        hello, layout, history, status, _ = (receive(ws) for _ in range(5))
        assert (history["append"], [row[0] for row in history["rows"]]) == (False, [0])
        ws.send_json({"type": "step", "steps": 5})
        # The viewer may flush between the step's slices: the rows can come in several parts.
        steps: list[int] = []
        while steps[-1:] != [5]:
            added = receive_until(ws, "history")
            assert added["append"] is True
            steps += [row[0] for row in added["rows"]]
        assert steps == [1, 2, 3, 4, 5]
        ws.send_json({"type": "reset"})
        fresh = receive_until(ws, "history")
        assert (fresh["append"], [row[0] for row in fresh["rows"]]) == (False, [0])


def test_while_training_streams_each_map_keeps_to_its_share_of_the_frames(client):
    """However few frames get through, at most one in every (frame rate / neuron map rate)
    carries the neuron maps and one in every (frame rate × OUTPUT_MAP_SECONDS) the output map,
    as at the full frame rate: a busy server's frames do not all grow to carry both."""
    limits = client.app.state.settings.limits
    maps_every = math.ceil(limits.max_frame_rate / limits.neuron_map_rate - 1e-9)
    grid_every = math.ceil(limits.max_frame_rate * frames.OUTPUT_MAP_SECONDS - 1e-9)
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_json({"type": "speed", "steps_per_second": 1000})
        ws.send_json({"type": "play"})
        flags = [header(receive_until(ws, "frame"))["flags"] for _ in range(4 * maps_every)]
    for flag, every in ((MAPS, maps_every), (GRID, grid_every)):
        carried = [i for i, f in enumerate(flags[2:]) if f & flag]  # past the change to playing
        assert carried, "each map still comes"
        assert all(b - a >= every for a, b in zip(carried, carried[1:])), (flag, carried)
