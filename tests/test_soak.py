"""A soak: a thousand connect/train/disconnect cycles with REST calls between them, after which
sessions (once expired), training tasks, sockets, the scheduler's books and memory are back
where they started. Only outcomes are asserted: counts of live objects, and resident memory.

Memory is read as the process's resident size, not with tracemalloc, which slows NumPy's many
small allocations about tenfold here; the objects a leak would keep (sessions, their training
loops and viewers, tasks) are counted exactly as well."""

import asyncio
import gc
import json
import time
from typing import Any, cast

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.health import rss_bytes
from app.runner import TrainingLoop, Viewer
from app.sessions import Session

CYCLES = 1000
# Sessions left to expire between two forced expiries: below max_sessions_per_address (all
# cycles come from one address, the test client's).
EXPIRE_EVERY = 20
# Resident memory after the soak above what it was after the warm-up. A default session left
# behind costs about 50 kB (its data, network, optimizer and cached frames), so the 500 that
# are left to expire here would come to 25 MB; allocator noise stays well below the bound.
MEMORY_BOUND_BYTES = 12_000_000


class Clock:
    """The registry's clock, which the test moves on to expire idle sessions."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def train_and_pause(ws) -> None:
    """Play until a frame has come, then pause (so that no more frames are built meanwhile)
    and read until the pause is confirmed: training, frames and messages all ran."""
    ws.send_json({"type": "play"})
    for _ in range(200):
        if ws.receive().get("bytes") is not None:
            break
    ws.send_json({"type": "pause"})
    for _ in range(200):
        message = ws.receive()
        if message.get("text") and json.loads(message["text"]).get("status") == "paused":
            return
    raise AssertionError("no pause")


def cycle(client: TestClient, i: int) -> None:
    """One visitor: a socket that plays and leaves, with REST reads and steering between."""
    with client.websocket_connect("/ws") as ws:
        hello = json.loads(ws.receive_text())
        sid, token = hello["session_id"], hello["token"]
        train_and_pause(ws)
        assert client.get(f"/api/sessions/{sid}").status_code == 200
        if i % 3 == 0:
            answer = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[1.0, 2.0]]})
            assert answer.status_code == 200
    steer = {"X-Session-Token": token}
    if i % 5 == 0:  # a REST client trains the session after the socket left
        answer = client.post(f"/api/sessions/{sid}/train", json={"steps": 20}, headers=steer)
        assert answer.status_code == 200
    if i % 2 == 0:  # half are deleted, the others left to expire
        assert client.delete(f"/api/sessions/{sid}", headers=steer).status_code == 204


def state(client: TestClient) -> Any:
    """The app's state (the test client types its app as any ASGI app)."""
    return cast(FastAPI, client.app).state


def expire(client: TestClient, clock: Clock) -> None:
    """Every idle session's TTL passes; the next registry call drops them."""
    clock.offset += 2 * state(client).registry.limits.session_ttl_seconds
    client.get("/health")  # any request; the registry expires on its next look-up
    state(client).registry.expire()


def counts(client: TestClient) -> dict[str, int]:
    app = state(client)
    scheduler = app.scheduler
    return {"sessions": len(app.registry.sessions), "sockets": len(app.connections),
            "tasks": len(app.training_loops.live) + len(app.training_loops.tasks),
            "scheduled sessions": sum(key.startswith("session:") for key in
                                      (*scheduler.recent, *scheduler.total, *scheduler.used)),
            "waiting": len(scheduler.waiting)}


def settle(client: TestClient) -> None:
    """Until the last socket's handler has finished (it ends just after the client closes)."""
    deadline = time.monotonic() + 10
    while counts(client)["sockets"] or counts(client)["tasks"]:
        assert time.monotonic() < deadline, counts(client)
        time.sleep(0.01)


LEAKABLE = (Session, TrainingLoop, Viewer, asyncio.Task)


def live_objects() -> dict[str, int]:
    """Objects of the kinds a leak would keep, alive now (after a full collection)."""
    gc.collect()
    found = dict.fromkeys((kind.__name__ for kind in LEAKABLE), 0)
    for thing in gc.get_objects():
        for kind in LEAKABLE:
            if isinstance(thing, kind):
                found[kind.__name__] += 1
    return found


def test_a_thousand_visits_leave_nothing_behind(make_client):
    client = make_client()
    clock = Clock()
    state(client).registry.clock = clock
    for i in range(2 * EXPIRE_EVERY):  # warm-up: caches, imports and pools reach their size
        cycle(client, i)
    settle(client)
    expire(client, clock)
    baseline, objects, memory = counts(client), live_objects(), rss_bytes()
    assert baseline == {"sessions": 0, "sockets": 0, "tasks": 0, "scheduled sessions": 0,
                        "waiting": 0}
    for i in range(CYCLES):
        cycle(client, i)
        if i % EXPIRE_EVERY == EXPIRE_EVERY - 1:
            settle(client)
            expire(client, clock)
    settle(client)
    expire(client, clock)
    assert counts(client) == baseline
    assert client.get("/health").json()["sessions"] == 0
    assert live_objects() == objects
    grown = rss_bytes() - memory
    assert grown < MEMORY_BOUND_BYTES, f"{grown} bytes more after {CYCLES} cycles"
