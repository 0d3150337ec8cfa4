"""Property-based messages over every WebSocket client message type: random JSON in every
field (NaN and Infinity tokens, huge numbers, deep nesting, wrong types). Whatever arrives, the
socket answers or carries on, the next message is still read (no hang: every receive is
bounded), and nothing is logged at ERROR level: a client's mistake is not the server's."""

import json
import logging
import warnings
from collections.abc import Iterator
from typing import Any, get_args

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import Limits, SessionConfig
from app.main import create_app
from app.protocol import ClientMessage
from app.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

# Rate limits are tested on their own: here every message must reach the code behind it.
FUZZ_LIMITS = Limits(max_samples=200, max_hidden_layers=2, max_neurons_per_layer=8, grid_size=8,
                     max_frame_rate=120, max_steps_per_second=2000, ws_messages_per_second=1e6)
RECEIVE_SECONDS = 10.0
# A binary message always gets this one error reply, and the fuzzer sends only text: once it
# arrives, every reply to the fuzzed message has come before it.
SENTINEL = b"sentinel"
MESSAGE_TYPES = {model.model_fields["type"].annotation.__args__[0]: model  # Literal["play"] -> "play"
                 for model in get_args(get_args(ClientMessage)[0])}
DEFAULT_CONFIG = SessionConfig().model_dump(mode="json")

numbers = (st.integers() | st.integers(min_value=-10**400, max_value=10**400)
           | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e308, -0.0, 2**64]))
leaves = st.none() | st.booleans() | numbers | st.text(max_size=20)
json_values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@st.composite
def configs(draw: st.DrawFn) -> Any:
    """The default config with some leaves (or whole parts) replaced: deep enough to reach the
    server's own checks, not only the schema's."""
    config = json.loads(json.dumps(DEFAULT_CONFIG))
    for _ in range(draw(st.integers(0, 3))):
        part = draw(st.sampled_from(sorted(config)))
        if isinstance(config[part], dict) and config[part] and draw(st.booleans()):
            config[part][draw(st.sampled_from(sorted(config[part])))] = draw(numbers | json_values)
        else:
            config[part] = draw(json_values)
    return config


@st.composite
def messages(draw: st.DrawFn) -> str:
    """A message of a real type whose fields (its own, sometimes one more) hold random values."""
    kind = draw(st.sampled_from(sorted(MESSAGE_TYPES)))
    names = [name for name in MESSAGE_TYPES[kind].model_fields if name != "type"]
    fields = draw(st.lists(st.sampled_from([*names, "extra"]), unique=True)) if names else []
    message: dict[str, Any] = {"type": kind}
    for name in fields:
        message[name] = draw(configs() if name == "config" else json_values)
    return json.dumps(message)


nested = st.integers(1, 5000).map(lambda depth: '{"type": "config", "config": ' + "[" * depth
                                  + "]" * depth + "}")
raw_texts = st.sampled_from(['{"type": "step", "steps": NaN}', '{"type": "speed", '
                             '"steps_per_second": Infinity}', '{"type": "pick", "sample": -Infinity}',
                             '{"type": "edit", "layer": 1, "param": "W", "index": 0, "source": 0, '
                             '"value": NaN}', "", "null", "[]", "{", '"play"', "1e400"])


@pytest.fixture(scope="module")
def socket() -> Iterator[Any]:
    """One socket for every example, as a hostile client keeps its socket: what one message does
    to the session must not break the next."""
    with TestClient(create_app(Settings(limits=FUZZ_LIMITS))) as client:
        with client.websocket_connect("/ws") as ws:
            yield ws


async def _next(ws: Any) -> dict:
    with anyio.fail_after(RECEIVE_SECONDS):
        return await ws._send_rx.receive()  # what ws.receive() awaits, without a bound


def replies_until_sentinel(ws: Any) -> list[dict]:
    """The JSON messages that arrive before the sentinel's error (frames skipped)."""
    ws.send_bytes(SENTINEL)
    found: list[dict] = []
    for _ in range(10_000):
        event = ws.portal.call(_next, ws)
        assert event["type"] == "websocket.send", event  # not a close
        if event.get("text") is None:
            continue
        message = json.loads(event["text"])
        if message["type"] == "error" and message["code"] == "binary_message":
            return found
        found.append(message)
    raise AssertionError("the sentinel's reply never came")


def check_survives(socket: Any, text: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    socket.send_text(text)
    replies = replies_until_sentinel(socket)
    assert all(reply["type"] != "error" or reply["code"] for reply in replies)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(text=messages() | nested | raw_texts)
def test_no_message_breaks_the_socket_or_logs_an_error(socket: Any, text: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    check_survives(socket, text, caplog)


# A valid message of every type: the field-by-field test below varies one field at a time, so
# that everything else passes and the random value reaches the code behind it.
VALID: dict[str, dict[str, Any]] = {
    "play": {}, "pause": {}, "step": {"steps": 1}, "reset": {"seed": 1},
    "config": {"config": DEFAULT_CONFIG, "ref": 1}, "speed": {"steps_per_second": 100},
    "pick": {"sample": 0}, "inspect": {"target": {"kind": "neuron", "layer": 1, "index": 0}},
    "walk": {"action": "start"}, "gradcheck": {},
    "edit": {"layer": 1, "param": "W", "index": 0, "source": 0, "value": 0.5},
}


def paths(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every field's path in a message, nested ones (config.data.n_samples) included."""
    for key, inner in value.items():
        yield (*prefix, key)
        if isinstance(inner, dict):
            yield from paths(inner, (*prefix, key))


SLOTS = [(kind, path) for kind, fields in VALID.items() for path in [*paths(fields), ("extra",)]]


def with_value(message: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(message))
    place = copy
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return copy


def test_every_message_type_is_fuzzed() -> None:
    assert set(VALID) == set(MESSAGE_TYPES)


@pytest.mark.parametrize(("kind", "path"), SLOTS, ids=[f"{k}:{'.'.join(p)}" for k, p in SLOTS])
@settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(value=numbers | json_values)
def test_any_value_in_any_field_is_answered(socket: Any, kind: str, path: tuple[str, ...],
                                            value: Any, caplog: pytest.LogCaptureFixture) -> None:
    message = with_value({"type": kind, **VALID[kind]}, path, value)
    check_survives(socket, json.dumps(message), caplog)
