"""A session's id only watches; its steering token (given only to its creator) steers. Every
REST route that changes a session and every WebSocket message that changes it is tried here
without the token and with a wrong one."""

import json

import anyio
import pytest

from app.protocol import ClientMessage

CSV = "a,b\n" + "".join(f"{k},{k % 2}\n" for k in range(20))
# Every route that changes a session, with a body it would accept from the token's holder.
STEERING = [
    ("put", "/config", {"json": {"training": {"learning_rate": 0.5}}}),
    ("post", "/train", {"json": {"steps": 3}}),
    ("post", "/reset", {"json": {"seed": 5}}),
    ("put", "/csv", {"content": CSV, "headers": {"content-type": "text/csv"}}),
    ("patch", "/params", {"json": {"layer": 1, "param": "b", "index": 0, "value": 0.5}}),
    ("delete", "", {}),
]
# Reads: they change nothing in the session, so the id is enough.
READING = [
    ("get", "", {}), ("get", "/state", {}),
    ("post", "/predict", {"json": {"inputs": [[1.0, 2.0]]}}),
    ("post", "/inspect", {"json": {"target": {"kind": "neuron", "layer": 1, "index": 0}}}),
    ("post", "/gradcheck", {"json": {}}),
]
WRONG = [{}, {"X-Session-Token": "not-it"}, {"Authorization": "Bearer not-it"},
         {"Authorization": "Basic not-it"}, {"X-Session-Token": ""}]
READ_ONLY = {"code": "read_only", "params": {}, "errors": [],
             "message": "changing this session needs its steering token (Authorization: Bearer "
                        "<token> or X-Session-Token)"}


def created(client) -> tuple[str, str]:
    body = client.post("/api/sessions").json()
    return body["id"], body["token"]


def call(client, sid: str, method: str, path: str, options: dict, headers: dict):
    options = {**options, "headers": {**options.get("headers", {}), **headers}}
    return client.request(method, f"/api/sessions/{sid}{path}", **options)


@pytest.mark.parametrize("headers", WRONG)
@pytest.mark.parametrize(("method", "path", "options"), STEERING)
def test_changing_a_session_without_its_token_is_403(client, method, path, options, headers):
    sid, _ = created(client)
    before = client.get(f"/api/sessions/{sid}/state").json()
    response = call(client, sid, method, path, options, headers)
    assert response.status_code == 403
    assert response.json() == READ_ONLY
    assert client.get(f"/api/sessions/{sid}/state").json() == before


@pytest.mark.parametrize("header", ["X-Session-Token", "Authorization"])
@pytest.mark.parametrize(("method", "path", "options"), STEERING)
def test_the_token_steers_in_either_header(client, method, path, options, header):
    sid, token = created(client)
    value = token if header == "X-Session-Token" else f"Bearer {token}"
    response = call(client, sid, method, path, options, {header: value})
    assert response.status_code in (200, 204), response.text


@pytest.mark.parametrize(("method", "path", "options"), READING)
def test_reading_needs_only_the_id(client, method, path, options):
    sid, _ = created(client)
    assert call(client, sid, method, path, options, {}).status_code == 200


def test_one_sessions_token_does_not_steer_another(client):
    sid, _ = created(client)
    _, other = created(client)
    response = client.post(f"/api/sessions/{sid}/train", json={"steps": 1},
                           headers={"X-Session-Token": other})
    assert response.status_code == 403


def test_only_the_creation_answer_carries_the_token(client):
    sid, token = created(client)
    for path in ("", "/state"):
        assert token not in client.get(f"/api/sessions/{sid}{path}").text


RECEIVE_SECONDS = 10.0


async def _next(ws) -> dict:
    with anyio.fail_after(RECEIVE_SECONDS):
        return await ws._send_rx.receive()  # what ws.receive() awaits, without a bound


def json_until(ws, done) -> list[dict]:
    """The JSON messages (frames skipped) up to and including the first that ``done`` takes."""
    found = []
    for _ in range(1000):
        message = ws.portal.call(_next, ws)
        if message.get("text") is None:
            continue
        found.append(json.loads(message["text"]))
        if done(found[-1]):
            return found
    raise AssertionError("the awaited message never came")


def first_json(ws) -> dict:
    return json_until(ws, lambda message: True)[0]


def next_reply(ws) -> list[dict]:
    """The JSON messages before the reply to a binary sentinel (always an error of its own)."""
    ws.send_bytes(b"sentinel")
    return json_until(ws, lambda m: m["type"] == "error" and m["code"] == "binary_message")[:-1]


CONTROL = {  # every message type, with a body the steering socket would have applied
    "play": {}, "pause": {}, "step": {"steps": 1}, "reset": {"seed": 3},
    "config": {"config": {"training": {"learning_rate": 0.5}}}, "speed": {"steps_per_second": 5},
    "pick": {"sample": 0}, "walk": {"action": "start"},
    "edit": {"layer": 1, "param": "b", "index": 0, "value": 0.5},
}
ALLOWED_TO_WATCHERS = {
    "inspect": {"target": {"kind": "neuron", "layer": 1, "index": 0}}, "gradcheck": {},
}


def test_every_message_type_is_decided():
    names = {model.model_fields["type"].annotation.__args__[0]
             for model in ClientMessage.__origin__.__args__}  # type: ignore[attr-defined]
    assert names == set(CONTROL) | set(ALLOWED_TO_WATCHERS)


@pytest.mark.parametrize("query", ["", "&token=not-it", "&token="])
@pytest.mark.parametrize("kind", sorted(CONTROL))
def test_a_watcher_cannot_steer_over_the_socket(client, kind, query):
    sid, _ = created(client)
    before = client.get(f"/api/sessions/{sid}/state").json()
    with client.websocket_connect(f"/ws?session={sid}{query}") as ws:
        hello = first_json(ws)
        assert (hello["session_id"], hello["token"]) == (sid, None)
        ws.send_json({"type": kind, **CONTROL[kind]})
        errors = [m for m in next_reply(ws) if m["type"] == "error"]
    assert [e["code"] for e in errors] == ["read_only"]
    assert client.get(f"/api/sessions/{sid}/state").json() == before


@pytest.mark.parametrize("kind", sorted(ALLOWED_TO_WATCHERS))
def test_a_watcher_may_inspect_and_check_gradients_for_itself(client, kind):
    sid, _ = created(client)
    with client.websocket_connect(f"/ws?session={sid}") as ws:
        first_json(ws)
        ws.send_json({"type": kind, **ALLOWED_TO_WATCHERS[kind]})
        answer = {"inspect": "inspection", "gradcheck": "gradcheck"}[kind]
        replies = json_until(ws, lambda m: m["type"] in (answer, "error"))
    assert replies[-1]["type"] == answer


def test_the_token_steers_over_the_socket(client):
    sid, token = created(client)
    with client.websocket_connect(f"/ws?session={sid}&token={token}") as ws:
        assert first_json(ws)["token"] == token
        ws.send_json({"type": "step", "steps": 2})
        assert not [m for m in next_reply(ws) if m["type"] == "error"]
    assert client.get(f"/api/sessions/{sid}").json()["step"] == 2


def test_a_socket_that_creates_a_session_gets_its_token(client):
    with client.websocket_connect("/ws") as ws:
        hello = first_json(ws)
    response = client.post(f"/api/sessions/{hello['session_id']}/train", json={"steps": 1},
                           headers={"Authorization": f"Bearer {hello['token']}"})
    assert response.status_code == 200
