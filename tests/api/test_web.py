"""Web basics: every page, the docs, the schema, static files and errors carry the security
headers; HEAD answers wherever GET does; the WebSocket checks the page's Origin."""

import warnings

import pytest
from conftest import LIMITS

from app.main import create_app
from app.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy",
                    "x-frame-options")
PATHS = ["/", "/docs", "/redoc", "/openapi.json", "/static/css/app.css", "/static/vendor/README.md",
         "/api/limits", "/api/sessions/{sid}", "/api/sessions/{sid}/state", "/nope",
         "/static/nope.js", "/api/sessions/nope"]


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_like_get_with_no_body(client, path):
    sid = client.post("/api/sessions").json()["id"]
    got, head = (client.request(method, path.format(sid=sid)) for method in ("GET", "HEAD"))
    assert head.status_code == got.status_code
    assert head.content == b""
    for name in ("content-type", "content-length"):
        assert head.headers.get(name) == got.headers.get(name), name


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(client, path, method):
    sid = client.post("/api/sessions").json()["id"]
    response = client.request(method, path.format(sid=sid))
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert not missing
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_refused_body_carries_the_security_headers_too(make_client):
    client = make_client(max_body_bytes=1024)
    response = client.post("/api/sessions", content=b"x" * 2000)
    assert response.status_code == 413
    assert all(name in response.headers for name in SECURITY_HEADERS)


def test_a_page_of_the_same_host_may_open_the_socket(client):
    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "hello"


def test_a_client_without_origin_may_open_the_socket(client):
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_json()["type"] == "hello"


def test_a_page_of_another_site_is_refused_with_1008(client):
    with client.websocket_connect("/ws", headers={"origin": "https://evil.example"}) as ws:
        assert ws.receive_json() == {
            "type": "error", "code": "origin_refused", "errors": [],
            "message": "this page's origin may not open a socket here (allowed_origins)",
            "params": {"setting": "allowed_origins"}}
        assert ws.receive()["code"] == 1008
    assert not client.app.state.registry.sessions  # refused before any session was made


def test_allowed_origins_replace_the_same_host_rule():
    settings = Settings(limits=LIMITS, allowed_origins=("https://school.example",))
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/ws", headers={"origin": "https://school.example"}) as ws:
            assert ws.receive_json()["type"] == "hello"
        with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
            assert ws.receive_json()["code"] == "origin_refused"


def test_allowed_origins_come_from_the_environment():
    settings = Settings.from_env({"BPP_ALLOWED_ORIGINS": "https://a.example/, https://b.example"})
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
