"""/health and /metrics follow sessions, sockets and training tasks as they come and go, and
count frames and refusals."""

import json
import time

from prometheus_client.parser import text_string_to_metric_families


def health(client) -> dict:
    return client.get("/health").json()


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics by (name, labels)."""
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def wait_for(read, expected, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while (value := read()) != expected:
        assert time.monotonic() < deadline, f"{value} never became {expected}"
        time.sleep(0.01)


COUNTS = ("sessions", "sockets", "training_tasks")


def counts(found: dict) -> tuple:
    return tuple(found[name] for name in COUNTS)


def test_health_follows_sessions_sockets_and_tasks(client):
    first = health(client)
    assert counts(first) == (0, 0, 0)
    assert first["memory_rss_bytes"] > 10_000_000 and first["event_loop_lag_ms"] >= 0
    made = client.post("/api/sessions").json()
    sid = made["id"]
    assert counts(health(client)) == (1, 0, 0)
    with client.websocket_connect(f"/ws?session={sid}"), client.websocket_connect("/ws"):
        assert counts(health(client)) == (2, 2, 2)
    wait_for(lambda: counts(health(client)), (2, 0, 0))
    client.delete(f"/api/sessions/{sid}", headers={"X-Session-Token": made["token"]})
    assert counts(health(client)) == (1, 0, 0)


def test_health_counts_are_json_integers_equal_to_the_metrics(client):
    made = client.post("/api/sessions").json()
    with client.websocket_connect(f"/ws?session={made['id']}"):
        found = health(client)
        scraped = scrape(client)
    for name in (*COUNTS, "memory_rss_bytes"):
        assert type(found[name]) is int, (name, found[name])
    assert counts(found) == (1, 1, 1)
    assert [scraped[(f"bpp_{name}", ())] for name in COUNTS] == list(counts(found))
    assert type(found["event_loop_lag_ms"]) is float


def test_health_reports_the_event_loop_lag(client):
    client.portal.call(time.sleep, 0.3)  # a callback that holds the loop for 0.3 s
    deadline = time.monotonic() + 10
    while health(client)["event_loop_lag_ms"] < 150:  # the probe woke at least 0.2 s late
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_metrics_carry_the_same_gauges(client):
    with client.websocket_connect("/ws"):
        found = scrape(client)
        assert [found[(f"bpp_{name}", ())] for name in COUNTS] == [1, 1, 1]
        assert found[("bpp_memory_rss_bytes", ())] > 10_000_000
        assert ("bpp_event_loop_lag_seconds", ()) in found
    wait_for(lambda: [scrape(client)[(f"bpp_{name}", ())] for name in COUNTS], [1, 0, 0])


def test_metrics_count_frames_sent(client):
    assert scrape(client)[("bpp_frames_sent_total", ())] == 0
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "play"})
        frames = 0
        while frames < 3:
            frames += ws.receive().get("bytes") is not None
    assert scrape(client)[("bpp_frames_sent_total", ())] >= 3


def test_metrics_count_refusals_by_code_rest_and_socket(client):
    client.get("/api/sessions/gone")
    client.get("/api/sessions/gone")
    client.post("/api/sessions", json={"network": {"hidden_layers": [99]}})
    with client.websocket_connect("/ws") as ws:
        ws.send_text("{not json")
        while (message := ws.receive()).get("text") is None or json.loads(
                message["text"])["type"] != "error":
            pass
    found = scrape(client)
    refusals = {labels[0][1]: value for (name, labels), value in found.items()
                if name == "bpp_refusals_total"}
    assert refusals == {"session_not_found": 2, "invalid_config": 1, "invalid": 1}


def test_every_app_has_its_own_registry(make_client):
    one, two = make_client(), make_client()
    one.get("/api/sessions/gone")
    assert ("bpp_refusals_total", (("code", "session_not_found"),)) in scrape(one)
    assert ("bpp_refusals_total", (("code", "session_not_found"),)) not in scrape(two)
