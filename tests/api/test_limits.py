"""Limits a hostile or careless client meets before the server does any work for it: body
size (counted before parsing), list lengths (refused while validated, never echoed) and
sessions per client address."""

import warnings

import pytest
from conftest import LIMITS
from pydantic import ValidationError

from app.bodies import MAX_PREDICT_CAP, PredictRequest
from app.config import MAX_LIST_CAP, Limits
from app.main import create_app
from app.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

JSON = {"content-type": "application/json"}


def steered(client) -> str:
    """A new session whose token the client sends from now on."""
    created = client.post("/api/sessions").json()
    client.headers["X-Session-Token"] = created["token"]
    return created["id"]


def too_large(limit: int, setting: str) -> dict:
    return {"code": "too_large", "message": f"request body over {limit} bytes ({setting})",
            "params": {"limit": limit, "setting": setting}, "errors": []}


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/sessions"), ("put", "/api/sessions/{sid}/config"),
    ("post", "/api/sessions/{sid}/predict"), ("post", "/api/sessions/{sid}/train"),
    ("patch", "/api/sessions/{sid}/params"), ("post", "/api/sessions/{sid}/inspect"),
])
def test_a_body_over_the_limit_is_413_naming_the_setting(make_client, method, path):
    client = make_client(max_body_bytes=2000)
    sid = steered(client)
    response = client.request(method, path.format(sid=sid), content=b"[" * 5000, headers=JSON)
    assert response.status_code == 413
    assert response.json() == too_large(2000, "max_body_bytes")


def test_a_body_without_a_length_is_counted_as_it_comes(make_client):
    client = make_client(max_body_bytes=2000)
    chunks = (b"[" * 1000 for _ in range(5))
    response = client.post("/api/sessions", content=chunks, headers=JSON)
    assert response.status_code == 413
    assert response.json() == too_large(2000, "max_body_bytes")


def test_the_csv_upload_has_its_own_larger_limit(make_client):
    client = make_client(max_body_bytes=1024, max_csv_bytes=5000)
    sid = steered(client)
    rows = "a,b\n" + "".join(f"{k},{k % 2}\n" for k in range(300))
    assert 1024 < len(rows) < 5000
    assert client.put(f"/api/sessions/{sid}/csv", content=rows).status_code == 200
    response = client.put(f"/api/sessions/{sid}/csv", content=rows * 3)
    assert response.status_code == 413
    assert response.json() == too_large(5000, "max_csv_bytes")


def test_a_long_hidden_layers_list_is_refused_unechoed(client):
    layers = [1] * (MAX_LIST_CAP + 1)
    response = client.post("/api/sessions", json={"network": {"hidden_layers": layers}})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("network.hidden_layers", "too_long")
    assert len(response.content) < 1000


def test_predict_inputs_past_the_static_cap_are_refused_while_validated():
    with pytest.raises(ValidationError) as caught:
        PredictRequest.model_validate({"inputs": [[0.0]] * (MAX_PREDICT_CAP + 1)})
    assert [e["type"] for e in caught.value.errors()] == ["too_long"]


def proxied_client(**limits: object) -> TestClient:
    settings = Settings(limits=LIMITS.model_copy(update=limits),
                        trusted_proxy_header="X-Forwarded-For")
    return TestClient(create_app(settings))


def from_address(address: str) -> dict:
    return {"X-Forwarded-For": f"10.9.9.9, {address}"}  # the proxy appended the last one


def test_one_address_cannot_take_every_session():
    with proxied_client(max_sessions_per_address=2) as client:
        for _ in range(2):
            assert client.post("/api/sessions", headers=from_address("10.0.0.1")).status_code == 201
        response = client.post("/api/sessions", headers=from_address("10.0.0.1"))
        assert response.status_code == 429
        assert response.json() == {
            "code": "address_limit", "errors": [],
            "message": "at most 2 sessions at once from one address (max_sessions_per_address)",
            "params": {"limit": 2, "setting": "max_sessions_per_address"}}
        assert client.post("/api/sessions", headers=from_address("10.0.0.2")).status_code == 201


def test_a_class_behind_one_address_fits_the_default_limit():
    """A class of 40 behind one NAT address, each student with a session, and a few spare
    tabs; past the default of 50 the address is refused, and another address is not."""
    assert LIMITS.max_sessions_per_address == Limits().max_sessions_per_address == 50
    with proxied_client() as client:
        school = from_address("10.0.0.1")
        made = [client.post("/api/sessions", headers=school).status_code for _ in range(50)]
        assert made == [201] * 50
        assert client.post("/api/sessions", headers=school).status_code == 429
        assert client.post("/api/sessions", headers=from_address("10.0.0.2")).status_code == 201


def test_a_socket_counts_against_its_address_too():
    with proxied_client(max_sessions_per_address=1) as client:
        client.post("/api/sessions", headers=from_address("10.0.0.1"))
        with client.websocket_connect("/ws", headers=from_address("10.0.0.1")) as ws:
            assert ws.receive_json()["code"] == "address_limit"
            assert ws.receive()["code"] == 1013


def test_without_a_trusted_proxy_the_header_is_ignored(make_client):
    client = make_client(max_sessions_per_address=1)
    assert client.post("/api/sessions", headers=from_address("10.0.0.1")).status_code == 201
    response = client.post("/api/sessions", headers=from_address("10.0.0.2"))
    assert response.status_code == 429
