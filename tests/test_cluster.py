"""Worker mode end to end: redis-server, two workers and HAProxy from deploy/haproxy.cfg, all
started here as child processes on loopback (app/cluster/launch.py) and always stopped.

They need Debian's redis-server and haproxy: without them the tests skip, except under CI=true,
where they fail (.ci/run installs both)."""

import concurrent.futures
import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from app.cluster.launch import Topology, free_port, missing_programs, running
from app.connections import MOVED

redis = pytest.importorskip("redis") if os.environ.get("CI") != "true" else __import__("redis")

# Checkpoints twice a second: a test waits for one instead of the default three seconds.
ENV = {"BPP_KERNEL": "numpy", "BPP_CHECKPOINT_SECONDS": "0.5"}
TIMEOUT = 10.0


def need_programs() -> None:
    missing = missing_programs()
    if missing:
        message = f"needs {' and '.join(missing)} (apt-get install -y redis-server haproxy)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Topology]:
    need_programs()
    topology = Topology(workers=2, proxy_bind=f"127.0.0.1:{free_port()}", first_worker_port=None,
                       redis_port=None, env=ENV, quiet=True)
    with running(topology):
        yield topology


@pytest.fixture(scope="module")
def directory(cluster: Topology) -> Iterator["redis.Redis"]:
    client = redis.Redis.from_url(cluster.redis_url, decode_responses=True)
    yield client
    client.close()


def ws_url(base: str, query: str) -> str:
    return base.replace("http://", "ws://") + "/ws?" + query


def messages(socket: ClientConnection, seconds: float) -> Iterator[str | bytes]:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            yield socket.recv(timeout=left)
        except TimeoutError:
            return


def trained_session(url: str, steps: int) -> tuple[str, str]:
    """(id, token) of a new session on the worker at ``url``, trained ``steps`` updates."""
    made = httpx.post(f"{url}/api/sessions", json={}, timeout=TIMEOUT).json()
    sid, token = made["id"], made["token"]
    httpx.post(f"{url}/api/sessions/{sid}/train", json={"steps": steps},
               headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    return sid, token


def hello(socket: ClientConnection) -> dict:
    message = json.loads(socket.recv(timeout=TIMEOUT))
    assert message["type"] == "hello", message
    return message


def frames_within(socket: ClientConnection, seconds: float) -> tuple[int, set[str]]:
    """Binary frames received in ``seconds``, and the types of the text messages."""
    count, kinds = 0, set()
    for message in messages(socket, seconds):
        if isinstance(message, bytes):
            count += 1
        else:
            kinds.add(json.loads(message)["type"])
    return count, kinds


def checkpoint(directory: "redis.Redis", session_id: str, at_least_step: int) -> dict[str, str]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        fields = directory.hgetall(f"bpp:session:{session_id}")
        if fields and int(fields["step"]) >= at_least_step:
            return fields
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of {session_id} at step {at_least_step}")


def name_of(owner: str) -> str:
    """The worker's name in an owner ("worker1:<nonce>": its process under that name)."""
    name, _, nonce = owner.partition(":")
    assert len(nonce) == 8, owner
    return name


def holder(directory: "redis.Redis", session_id: str) -> str:
    """The name of the worker the directory says owns a session."""
    return name_of(directory.hget(f"bpp:session:{session_id}", "owner") or "")


def identity(directory: "redis.Redis", name: str) -> str:
    """The owner identity of the live process running as worker ``name``."""
    deadline = time.monotonic() + TIMEOUT
    while len(keys := directory.keys(f"bpp:worker:{name}:*")) != 1:  # a predecessor's beat expiring
        assert time.monotonic() < deadline, keys
        time.sleep(0.1)
    return keys[0].removeprefix("bpp:worker:")


def closed_with(socket: ClientConnection) -> tuple[int, str]:
    """The close code and reason of a socket the server closes within TIMEOUT."""
    with pytest.raises(Exception) as closed:
        for _ in messages(socket, TIMEOUT):
            pass
        socket.recv(timeout=0.1)
    return closed.value.rcvd.code, closed.value.rcvd.reason


@contextlib.contextmanager
def live_workers(directory: "redis.Redis", *owners: str) -> Iterator[None]:
    """Owners that look alive (their heartbeat keys) without any worker behind them."""
    for owner in owners:
        directory.set(f"bpp:worker:{owner}", "{}", px=60_000)
    try:
        yield
    finally:
        directory.delete(*(f"bpp:worker:{owner}" for owner in owners))


def test_a_session_made_through_the_proxy_is_reachable_over_rest_and_websocket(cluster, directory):
    with httpx.Client(base_url=cluster.proxy_url, timeout=TIMEOUT) as client:
        made = client.post("/api/sessions", json={})
        assert made.status_code == 201
        sid, token = made.json()["id"], made.json()["token"]
        assert made.headers["x-bpp-session"] == sid
        owner = made.headers["x-bpp-worker"]
        for _ in range(6):  # every later request reaches the worker that made it
            read = client.get(f"/api/sessions/{sid}")
            assert read.status_code == 200 and read.headers["x-bpp-worker"] == owner
        trained = client.post(f"/api/sessions/{sid}/train", json={"steps": 50},
                              headers={"Authorization": f"Bearer {token}"})
        assert trained.json()["step"] == 50
    with connect(ws_url(cluster.proxy_url, f"session={sid}&token={token}")) as socket:
        greeting = hello(socket)
        assert greeting["session_id"] == sid and greeting["token"] == token
        socket.send(json.dumps({"type": "play"}))
        frames, kinds = frames_within(socket, 1.5)
        assert frames >= 5 and {"layout", "status", "history"} <= kinds
    assert holder(directory, sid) == owner


def test_new_sessions_are_spread_over_the_workers(cluster):
    with httpx.Client(base_url=cluster.proxy_url, timeout=TIMEOUT) as client:
        workers = [client.post("/api/sessions", json={}).headers["x-bpp-worker"] for _ in range(6)]
    assert set(workers) == {w.name for w in cluster.members}


def test_garbage_on_the_workers_channels_is_ignored(cluster, directory):
    made = httpx.post(f"{cluster.members[0].url}/api/sessions", json={}, timeout=TIMEOUT).json()
    sid, token = made["id"], made["token"]
    code = httpx.post(f"{cluster.members[0].url}/api/sessions/{sid}/room",
                      headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT).json()["code"]
    with connect(ws_url(cluster.members[1].url, f"room={code}")) as follower:
        hello(follower)
        for worker in cluster.members:
            for junk in ["", "{", "[]", "null", '{"op": "handover", "session": 7}', '{"op": "feed", "room": null}',
                         '{"op": "handover", "session": "nope"}', b"\xff"]:
                directory.publish(f"bpp:control:{worker.name}", junk)
        for junk in [b"", b"T", b"T{", b'T{"type": "history", "rows": 5}', b"C{}", b"Cnull", b"X", b"T\xff", b"B"]:
            directory.publish(f"bpp:feed:{code}", junk)
        frames_within(follower, 0.5)  # still open: no exception
    directory.hset(f"bpp:session:{sid}", "model", "{broken")
    directory.hset(f"bpp:session:{sid}", "owner", "a-dead-worker")
    for worker in cluster.members:
        assert httpx.get(f"{worker.url}/health", timeout=TIMEOUT).status_code == 200
    # A damaged checkpoint of a dead owner is refused: not found, and no worker falls over.
    assert httpx.get(f"{cluster.members[1].url}/api/sessions/{sid}", timeout=TIMEOUT).status_code == 404


def test_a_session_a_socket_made_through_the_proxy_is_found_again_over_rest(cluster):
    with connect(ws_url(cluster.proxy_url, "")) as socket:
        greeting = hello(socket)
        sid, token = greeting["session_id"], greeting["token"]
        assert token
    with httpx.Client(base_url=cluster.proxy_url, timeout=TIMEOUT) as client:
        workers = {client.get(f"/api/sessions/{sid}").headers["x-bpp-worker"] for _ in range(4)}
    assert len(workers) == 1


def test_a_worker_asked_for_a_session_another_holds_takes_it_over(cluster, directory):
    first, second = cluster.members
    sid, token = trained_session(first.url, 30)
    with connect(ws_url(first.url, f"session={sid}&token={token}")) as socket:
        hello(socket)
        read = httpx.get(f"{second.url}/api/sessions/{sid}", timeout=TIMEOUT)
        assert read.status_code == 200 and read.json()["step"] == 30
        assert holder(directory, sid) == second.name
        # The page on the first worker is told to reconnect (1012), and finds it again.
        with pytest.raises(Exception) as closed:
            for _ in messages(socket, TIMEOUT):
                pass
            socket.recv(timeout=0.1)
        assert closed.value.rcvd.code == 1012
    # The token still steers it where it is now.
    steered = httpx.post(f"{second.url}/api/sessions/{sid}/train", json={"steps": 5},
                         headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert steered.json()["step"] == 35


def test_a_room_taught_on_one_worker_reaches_followers_on_the_other(cluster, directory):
    teacher_worker, other = cluster.members
    made = httpx.post(f"{teacher_worker.url}/api/sessions", json={}, timeout=TIMEOUT).json()
    sid, token = made["id"], made["token"]
    room = httpx.post(f"{teacher_worker.url}/api/sessions/{sid}/room",
                      headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    code = room.json()["code"]
    assert room.headers["x-bpp-room"] == code
    with connect(ws_url(teacher_worker.url, f"session={sid}&token={token}")) as teacher:
        hello(teacher)
        teacher.send(json.dumps({"type": "play"}))
        with connect(ws_url(other.url, f"room={code}")) as follower, \
                connect(ws_url(other.url, f"room={code}")) as late:
            greeting = hello(follower)
            assert greeting["session_id"] == sid and greeting["token"] is None
            frames, kinds = frames_within(follower, 2.0)
            assert frames >= 10 and {"layout", "status", "history"} <= kinds
            hello(late)  # a late joiner gets the layout, status, history and a frame at once
            frames, kinds = frames_within(late, 1.0)
            assert frames >= 1 and {"layout", "status", "history"} <= kinds
            late.send(json.dumps({"type": "gradcheck"}))  # the network is on the other worker
            replies = [json.loads(m) for m in messages(late, 1.0) if isinstance(m, str)]
            assert {"type": "error", "code": "relayed_follower"} in [
                {k: r.get(k) for k in ("type", "code")} for r in replies]
            # Through the proxy, a follower lands on either worker and follows all the same.
            for _ in range(2):
                with connect(ws_url(cluster.proxy_url, f"room={code}")) as anywhere:
                    assert hello(anywhere)["session_id"] == sid
                    assert frames_within(anywhere, 0.5)[0] >= 1
            # The teacher's worker counts the followers the other relays.
            deadline = time.monotonic() + TIMEOUT
            while httpx.get(f"{teacher_worker.url}/api/rooms/{code}", timeout=TIMEOUT).json()["followers"] != 2:
                assert time.monotonic() < deadline, httpx.get(f"{teacher_worker.url}/api/rooms/{code}").json()
                time.sleep(0.2)
            # Following does not move the session: the teacher's worker still holds it.
            assert holder(directory, sid) == teacher_worker.name
            # The room ends: the followers on the other worker are told so.
            httpx.delete(f"{teacher_worker.url}/api/rooms/{code}",
                         headers={"Authorization": f"Bearer {room.json()['teacher_token']}"}, timeout=TIMEOUT)
            with pytest.raises(Exception) as ended:
                for _ in messages(follower, TIMEOUT):
                    pass
                follower.recv(timeout=0.1)
            assert ended.value.rcvd.code == 1000 and ended.value.rcvd.reason == "room ended"


def test_a_killed_worker_s_sessions_come_back_on_the_other_from_their_checkpoint(cluster, directory):
    with httpx.Client(base_url=cluster.proxy_url, timeout=TIMEOUT) as client:
        made = client.post("/api/sessions", json={})
        sid, token = made.json()["id"], made.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        room = client.post(f"/api/sessions/{sid}/room", headers=auth).json()
        client.post(f"/api/sessions/{sid}/train", json={"steps": 200}, headers=auth)
        saved = checkpoint(directory, sid, 200)
        owner = next(w for w in cluster.members if w.name == name_of(saved["owner"]))
        assert owner.process is not None
        owner.process.kill()  # SIGKILL: nothing saved on the way out
        owner.process.wait()
        try:
            back = client.get(f"/api/sessions/{sid}")
            assert back.status_code == 200, back.text
            assert back.headers["x-bpp-worker"] != owner.name
            assert back.json()["step"] >= int(saved["step"])
            exported = client.get(f"/api/sessions/{sid}/export").json()
            assert exported["params"] == json.loads(saved["model"])["params"]
            # Its token still steers it, its room is open again, and its page reconnects to it.
            assert client.post(f"/api/sessions/{sid}/train", json={"steps": 1}, headers=auth).status_code == 200
            assert client.get(f"/api/rooms/{room['code']}").json()["session_id"] == sid
            with connect(ws_url(cluster.proxy_url, f"session={sid}&token={token}")) as socket:
                greeting = hello(socket)
                assert greeting["session_id"] == sid and greeting["token"] == token
        finally:
            cluster.restart_worker(owner)


def test_followers_of_a_room_whose_worker_dies_follow_it_again_on_the_other(cluster, directory):
    teacher_worker, other = cluster.members
    made = httpx.post(f"{teacher_worker.url}/api/sessions", json={}, timeout=TIMEOUT).json()
    sid, token = made["id"], made["token"]
    code = httpx.post(f"{teacher_worker.url}/api/sessions/{sid}/room",
                      headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT).json()["code"]
    checkpoint(directory, sid, 0)
    try:
        with connect(ws_url(other.url, f"room={code}")) as follower:
            hello(follower)
            assert teacher_worker.process is not None
            teacher_worker.process.kill()
            teacher_worker.process.wait()
            with pytest.raises(Exception) as moved:  # told to reconnect once the owner is gone
                for _ in messages(follower, TIMEOUT):
                    pass
                follower.recv(timeout=0.1)
            assert moved.value.rcvd.code == 1012
        # The page reconnects (through the proxy, which sends it to the live worker): the room
        # is restored there from its checkpoint, and followed as before.
        with connect(ws_url(cluster.proxy_url, f"room={code}")) as again:
            greeting = hello(again)
            assert greeting["session_id"] == sid
            assert holder(directory, sid) == other.name
    finally:
        cluster.restart_worker(teacher_worker)


def sessions_held(cluster: Topology) -> int:
    return sum(httpx.get(f"{w.url}/health", timeout=TIMEOUT).json()["sessions"] for w in cluster.members)


def test_two_workers_asked_at_once_for_a_dead_owner_s_session_leave_one_copy(cluster, directory):
    """A page and a script asking two workers at the same moment: one restores it and the other
    takes it over from that one; never two live copies."""
    made = httpx.post(f"{cluster.members[0].url}/api/sessions", json={}, timeout=TIMEOUT).json()
    fields = checkpoint(directory, made["id"], 0)
    orphan = "orphan-" + made["id"]  # saved by a worker that died; held by none
    directory.hset(f"bpp:session:{orphan}", mapping={**fields, "owner": "a-worker-that-died"})
    before = sessions_held(cluster)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda w: httpx.get(f"{w.url}/api/sessions/{orphan}", timeout=TIMEOUT),
                                cluster.members * 2))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert holder(directory, orphan) in {w.name for w in cluster.members}
    assert sessions_held(cluster) == before + 1


def test_workers_ride_out_a_redis_restart_and_save_everything_again(cluster, directory):
    with httpx.Client(base_url=cluster.proxy_url, timeout=TIMEOUT) as client:
        sid = client.post("/api/sessions", json={}).json()["id"]
        checkpoint(directory, sid, 0)
        assert cluster.redis is not None
        cluster.redis.kill()  # gone, and back empty (nothing on disk)
        cluster.redis.wait()
        try:
            assert client.get(f"/api/sessions/{sid}").status_code == 200  # held here: no Redis needed
            unknown = client.get("/api/sessions/not-anywhere")
            assert unknown.status_code == 503 and unknown.json()["code"] == "directory_unavailable"
            assert all(httpx.get(f"{w.url}/health", timeout=TIMEOUT).status_code == 200 for w in cluster.members)
        finally:
            cluster.start_redis()
        assert name_of(checkpoint(directory, sid, 0)["owner"]) in {w.name for w in cluster.members}


def test_a_room_s_follower_limit_counts_every_worker_s_followers():
    """BPP_MAX_ROOM_FOLLOWERS=2: one follower on each worker fills the room, for both."""
    need_programs()
    topology = Topology(workers=2, proxy_bind=f"127.0.0.1:{free_port()}", first_worker_port=None,
                        redis_port=None, env={**ENV, "BPP_MAX_ROOM_FOLLOWERS": "2"}, quiet=True)
    with running(topology):
        home, away = topology.members
        made = httpx.post(f"{home.url}/api/sessions", json={}, timeout=TIMEOUT).json()
        code = httpx.post(f"{home.url}/api/sessions/{made['id']}/room",
                          headers={"Authorization": f"Bearer {made['token']}"}, timeout=TIMEOUT).json()["code"]
        with connect(ws_url(home.url, f"room={code}")) as here, connect(ws_url(away.url, f"room={code}")) as there:
            hello(here)
            hello(there)
            deadline = time.monotonic() + TIMEOUT
            while httpx.get(f"{home.url}/api/rooms/{code}", timeout=TIMEOUT).json()["followers"] != 2:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            time.sleep(1.5)  # the owner's count reaches the relay
            for worker in (home, away):
                with connect(ws_url(worker.url, f"room={code}")) as third:
                    refusal = json.loads(third.recv(timeout=TIMEOUT))
                    assert refusal["type"] == "error" and refusal["code"] == "room_full", (worker.name, refusal)


def test_the_directory_scripts_never_give_a_released_or_taken_session_back_to_its_old_owner(directory):
    from app.cluster.worker import RENEW, SAVE

    save, renew = directory.register_script(SAVE), directory.register_script(RENEW)
    key = "bpp:session:script-test"
    try:
        assert save(keys=[key], args=["w:1", 60_000, "owner", "w:1"]) == 1  # not in the directory yet
        assert renew(keys=[key], args=["w:1", 60_000]) == 1
        directory.hset(key, "owner", "")  # let go
        assert save(keys=[key], args=["w:1", 60_000, "owner", "w:1"]) == 0
        assert directory.hget(key, "owner") == ""
        directory.hset(key, "owner", "w:2")  # taken by another
        assert save(keys=[key], args=["w:1", 60_000, "owner", "w:1"]) == 0
        assert renew(keys=[key], args=["w:1", 60_000]) == -1
        directory.delete(key)
        assert renew(keys=[key], args=["w:1", 60_000]) == 0
    finally:
        directory.delete(key)


def test_a_session_claimed_meanwhile_by_a_third_live_worker_is_asked_of_that_one(cluster, directory):
    """Two workers asking a live owner at once: the one that finds the other has claimed it
    asks that one in turn, instead of taking it from a live worker."""
    made = httpx.post(f"{cluster.members[0].url}/api/sessions", json={}, timeout=TIMEOUT).json()
    fields = checkpoint(directory, made["id"], 0)
    sid = "contended-" + made["id"]
    first, second = "fake-a:00000000", "fake-b:00000000"
    asked: list[str] = []
    done = threading.Event()

    def owners() -> None:  # first: claimed by second meanwhile; second: lets it go when asked
        pubsub = directory.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(f"bpp:control:{first}", f"bpp:control:{second}")
        while not done.is_set():
            message = pubsub.get_message(timeout=0.1)
            if message is None:
                continue
            owner = message["channel"].removeprefix("bpp:control:")
            if owner not in asked:
                asked.append(owner)
            if owner == first:
                directory.hset(f"bpp:session:{sid}", "owner", second)
            else:
                directory.hset(f"bpp:session:{sid}", "owner", "")
        pubsub.close()

    with live_workers(directory, first, second):
        directory.hset(f"bpp:session:{sid}", mapping={**fields, "owner": first})
        thread = threading.Thread(target=owners)
        thread.start()
        try:
            time.sleep(0.2)  # subscribed
            read = httpx.get(f"{cluster.members[1].url}/api/sessions/{sid}", timeout=3 * TIMEOUT)
        finally:
            done.set()
            thread.join()
    assert read.status_code == 200, read.text
    assert asked == [first, second]
    assert holder(directory, sid) == cluster.members[1].name


def test_a_worker_whose_session_another_live_worker_owns_now_drops_its_copy(cluster, directory):
    home = cluster.members[0]
    made = httpx.post(f"{home.url}/api/sessions", json={}, timeout=TIMEOUT).json()
    sid, token = made["id"], made["token"]
    checkpoint(directory, sid, 0)
    with live_workers(directory, "thief:00000000"), \
            connect(ws_url(home.url, f"session={sid}&token={token}")) as socket:
        hello(socket)
        directory.hset(f"bpp:session:{sid}", "owner", "thief:00000000")  # unchanged here since
        assert closed_with(socket) == MOVED
    directory.delete(f"bpp:session:{sid}")


def test_a_session_the_directory_says_a_worker_owns_but_it_does_not_hold_is_let_go(cluster, directory):
    first, second = cluster.members
    made = httpx.post(f"{first.url}/api/sessions", json={}, timeout=TIMEOUT).json()
    fields = checkpoint(directory, made["id"], 0)
    sid = "misnamed-" + made["id"]
    directory.hset(f"bpp:session:{sid}", mapping={**fields, "owner": identity(directory, first.name)})
    read = httpx.get(f"{second.url}/api/sessions/{sid}", timeout=TIMEOUT)
    assert read.status_code == 200, read.text
    assert holder(directory, sid) == second.name


def test_a_worker_restarted_under_its_name_does_not_hold_up_its_predecessor_s_sessions(cluster, directory):
    first, second = cluster.members
    sid, token = trained_session(first.url, 20)
    before = checkpoint(directory, sid, 20)["owner"]
    assert first.process is not None
    first.process.kill()
    first.process.wait()
    cluster.restart_worker(first)
    assert identity(directory, first.name) != before
    read = httpx.get(f"{second.url}/api/sessions/{sid}", timeout=TIMEOUT)
    assert read.status_code == 200 and read.json()["step"] == 20, read.text
    assert holder(directory, sid) == second.name


def room_in_directory(home, directory) -> dict:
    """A room opened on ``home`` once its code is in the directory (a moment after it opens)."""
    made = httpx.post(f"{home.url}/api/sessions", json={}, timeout=TIMEOUT).json()
    room = httpx.post(f"{home.url}/api/sessions/{made['id']}/room",
                      headers={"Authorization": f"Bearer {made['token']}"}, timeout=TIMEOUT).json()
    deadline = time.monotonic() + TIMEOUT
    while not directory.exists(f"bpp:room:{room['code']}"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return room


def test_a_locked_room_cannot_be_joined_through_a_relay_that_already_runs(cluster, directory):
    home, away = cluster.members
    room = room_in_directory(home, directory)
    code = room["code"]
    with connect(ws_url(away.url, f"room={code}")) as follower:
        hello(follower)
        locked = httpx.patch(f"{home.url}/api/rooms/{code}", json={"joining_locked": True},
                             headers={"Authorization": f"Bearer {room['teacher_token']}"}, timeout=TIMEOUT)
        assert locked.status_code == 200, locked.text
        deadline = time.monotonic() + TIMEOUT
        while True:  # once the owner's next count reaches the relay
            with connect(ws_url(away.url, f"room={code}")) as late:
                first = json.loads(late.recv(timeout=TIMEOUT))
            if first["type"] == "error":
                break
            assert time.monotonic() < deadline, "a locked room was joined through its relay"
            time.sleep(0.2)
        assert first["code"] == "room_locked"


def test_an_ended_room_leaves_the_directory_and_its_code_is_not_found_anywhere(cluster, directory):
    home, away = cluster.members
    room = room_in_directory(home, directory)
    code = room["code"]
    deadline = time.monotonic() + TIMEOUT
    ended = httpx.delete(f"{home.url}/api/rooms/{code}",
                         headers={"Authorization": f"Bearer {room['teacher_token']}"}, timeout=TIMEOUT)
    assert ended.status_code == 204
    while directory.exists(f"bpp:room:{code}"):
        assert time.monotonic() < deadline, "the ended room is still in the directory"
        time.sleep(0.1)
    with connect(ws_url(away.url, f"room={code}")) as follower:
        refusal = json.loads(follower.recv(timeout=TIMEOUT))
    assert refusal["type"] == "error" and refusal["code"] == "room_not_found", refusal
    assert httpx.get(f"{away.url}/api/rooms/{code}", timeout=TIMEOUT).json()["code"] == "room_not_found"


def test_a_session_switched_to_an_uploaded_table_keeps_no_older_run_in_the_directory(cluster, directory):
    home = cluster.members[0]
    sid, token = trained_session(home.url, 20)
    auth = {"Authorization": f"Bearer {token}"}
    assert checkpoint(directory, sid, 20)["model"]
    table = "x,y\n" + "\n".join(f"{i},{2 * i + 1}" for i in range(40)) + "\n"
    uploaded = httpx.put(f"{home.url}/api/sessions/{sid}/csv", content=table,
                         headers={**auth, "content-type": "text/csv"}, timeout=TIMEOUT)
    assert uploaded.status_code == 200, uploaded.text
    deadline = time.monotonic() + TIMEOUT
    while directory.hget(f"bpp:session:{sid}", "model"):
        assert time.monotonic() < deadline, "the run from before the upload is still restorable"
        time.sleep(0.1)
    assert holder(directory, sid) == home.name  # still found where it is


def test_the_launcher_never_takes_a_redis_already_on_its_port_for_its_own(tmp_path):
    import subprocess

    need_programs()
    port = free_port()
    other = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:  # the system's Redis, say, without a password
            try:
                if redis.Redis(port=port).ping():
                    break
            except redis.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        topology = Topology(redis_port=port, quiet=True)
        topology.folder = tmp_path
        with pytest.raises(RuntimeError, match="redis-server"):
            topology.start_redis()
        assert topology.redis is not None and topology.redis.poll() is not None
    finally:
        other.terminate()
        other.wait()


def test_the_launcher_s_redis_refuses_clients_without_its_password(cluster):
    assert ":" in cluster.redis_url.split("@")[0].removeprefix("redis://")  # the workers get it
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=cluster.redis_port).ping()


def test_a_worker_s_first_heartbeat_waits_for_a_redis_that_is_still_starting(tmp_path):
    import asyncio
    import subprocess
    from types import SimpleNamespace

    from fastapi import FastAPI

    from app.cluster.worker import Cluster
    from app.settings import Settings

    need_programs()
    port = free_port()
    app = FastAPI()
    app.state.registry = SimpleNamespace(sessions={})
    cluster = Cluster(app, Settings(redis_url=f"redis://127.0.0.1:{port}/0", worker_id="early"))
    server: list[subprocess.Popen] = []

    async def main() -> bool:
        beating = asyncio.create_task(cluster.first_beat())
        await asyncio.sleep(0.6)  # a first attempt or two finds nothing listening
        server.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                        "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL))
        await beating
        beat = bool(await cluster.redis.exists(f"bpp:worker:{cluster.worker}"))
        await cluster.redis.aclose()
        return beat

    try:
        assert asyncio.run(main())
    finally:
        for process in server:
            process.terminate()
            process.wait()
