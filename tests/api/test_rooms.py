"""Rooms: a teacher presents a session; students join with the code and follow it read-only;
only the teacher's token locks joining or ends the room; a room outlives a sleeping laptop by
its grace period and no longer."""

import base64
import contextlib
import json
import re

from app.config import Limits
from app.rooms import CODE_ALPHABET, CODE_LENGTH, RoomRegistry, normalize
from tests.api.test_ws import header, receive, receive_until


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def teacher_session(client) -> dict:
    return client.post("/api/sessions", json={}).json()


def open_room(client, made: dict) -> dict:
    response = client.post(f"/api/sessions/{made['id']}/room", headers=bearer(made["token"]))
    assert response.status_code == 201, response.text
    return response.json()


def close_message(ws) -> dict:
    while (message := ws.receive())["type"] != "websocket.close":
        pass
    return message


def test_a_room_has_a_short_unambiguous_code_a_join_address_and_a_qr_code(client):
    made = teacher_session(client)
    room = open_room(client, made)
    code = room["code"]
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1IL")
    assert room["join_url"].endswith(f"/?room={code}") and room["session_id"] == made["id"]
    assert room["teacher_token"] != made["token"] and len(room["teacher_token"]) >= 24
    assert open_room(client, made)["code"] == code  # one room per session
    public = client.get(f"/api/rooms/{code.lower()}").json()  # typed in lower case
    assert public == {k: v for k, v in room.items() if k != "teacher_token"}
    qr = client.get(f"/api/rooms/{code}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml" and qr.text.startswith("<svg")
    assert "<path" in qr.text


def test_only_the_sessions_steering_token_presents_it(client):
    made = teacher_session(client)
    refused = client.post(f"/api/sessions/{made['id']}/room")
    assert (refused.status_code, refused.json()["code"]) == (403, "read_only")
    assert client.get("/api/rooms/BCDFGH").json()["code"] == "room_not_found"


def test_followers_watch_the_teachers_session_and_cannot_steer_it(client):
    made = teacher_session(client)
    room = open_room(client, made)
    with client.websocket_connect(f"/ws?room={room['code']}") as follower:
        hello = json.loads(follower.receive_text())
        assert hello["session_id"] == made["id"] and hello["token"] is None
        assert client.get(f"/api/rooms/{room['code']}").json()["followers"] == 1
        follower.send_json({"type": "play"})
        assert receive_until(follower, "error")["code"] == "read_only"
        client.post(f"/api/sessions/{made['id']}/train", json={"steps": 7}, headers=bearer(made["token"]))
        follower.send_json({"type": "speed", "steps_per_second": 10})  # refused, but the socket lives
        frame = receive_until(follower, "frame")
        for _ in range(20):
            if header(frame)["step"] == 7:
                break
            frame = receive_until(follower, "frame")
        assert header(frame)["step"] == 7  # the teacher's network, as it trains
    assert client.get(f"/api/rooms/{room['code']}").json()["followers"] == 0


def test_the_teacher_locks_joining_and_ends_the_room(client):
    made = teacher_session(client)
    room = open_room(client, made)
    code, path = room["code"], f"/api/rooms/{room['code']}"
    for token in (None, made["token"]):  # the session's token is not the room's
        refused = client.patch(path, json={"joining_locked": True}, headers=bearer(token) if token else {})
        assert (refused.status_code, refused.json()["code"]) == (403, "not_teacher")
    locked = client.patch(path, json={"joining_locked": True}, headers=bearer(room["teacher_token"]))
    assert locked.json()["joining_locked"] is True
    with client.websocket_connect(f"/ws?room={code}") as late:
        assert json.loads(late.receive_text())["code"] == "room_locked"
    client.patch(path, json={"joining_locked": False}, headers=bearer(room["teacher_token"]))
    with client.websocket_connect(f"/ws?room={code}") as follower:
        json.loads(follower.receive_text())
        assert client.delete(path, headers=bearer(made["token"])).status_code == 403
        assert client.delete(path, headers=bearer(room["teacher_token"])).status_code == 204
        assert close_message(follower) == {"type": "websocket.close", "code": 1000, "reason": "room ended"}
    assert client.get(path).status_code == 404
    assert client.get(f"/api/sessions/{made['id']}").status_code == 200  # the session goes on


def test_a_room_ends_with_its_session(client):
    made = teacher_session(client)
    room = open_room(client, made)
    with client.websocket_connect(f"/ws?room={room['code']}") as follower:
        json.loads(follower.receive_text())
        client.delete(f"/api/sessions/{made['id']}", headers=bearer(made["token"]))
        assert close_message(follower)["type"] == "websocket.close"
    assert client.get(f"/api/rooms/{room['code']}").status_code == 404


def test_a_full_room_and_a_full_server_say_which_limit(make_client):
    client = make_client(max_room_followers=2, max_rooms=1)
    made = teacher_session(client)
    room = open_room(client, made)
    with contextlib.ExitStack() as stack:
        for _ in range(2):
            json.loads(stack.enter_context(client.websocket_connect(f"/ws?room={room['code']}")).receive_text())
        with client.websocket_connect(f"/ws?room={room['code']}") as third:
            refused = json.loads(third.receive_text())
            assert (refused["code"], refused["params"]["setting"]) == ("room_full", "max_room_followers")
    other = teacher_session(client)
    second = client.post(f"/api/sessions/{other['id']}/room", headers=bearer(other["token"]))
    assert (second.status_code, second.json()["params"]["setting"]) == (503, "max_rooms")


def test_sixty_followers_all_receive_the_teachers_frames(client):
    made = teacher_session(client)
    room = open_room(client, made)
    with contextlib.ExitStack() as stack:
        followers = [stack.enter_context(client.websocket_connect(f"/ws?room={room['code']}"))
                     for _ in range(60)]
        for follower in followers:
            json.loads(follower.receive_text())
        assert client.get(f"/api/rooms/{room['code']}").json()["followers"] == 60
        client.post(f"/api/sessions/{made['id']}/train", json={"steps": 3}, headers=bearer(made["token"]))
        steps = []
        for follower in followers:
            frame = receive_until(follower, "frame")
            while header(frame)["step"] < 3:
                frame = receive_until(follower, "frame")
            steps.append(header(frame)["step"])
        assert steps == [3] * 60


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_room_waits_its_grace_period_for_a_teacher_who_left():
    clock = Clock()
    rooms = RoomRegistry(Limits(room_grace_seconds=60), clock)
    room = rooms.open("s")
    rooms.teacher_came("s")
    rooms.teacher_left("s")
    clock.now = 59
    assert rooms.get(room.code) is room  # the laptop slept; the teacher comes back in time
    rooms.teacher_came("s")
    clock.now = 500
    assert rooms.get(room.code) is room  # present: no grace counts
    rooms.teacher_left("s")
    clock.now = 561
    assert rooms.get(room.code) is None
    assert normalize(" bcd-fgh ") == "BCDFGH"


def test_a_teacher_whose_laptop_sleeps_resumes_the_room_and_the_students_go_on(client):
    """Over the WebSocket: the teacher's socket drops, the followers stay; the teacher comes back
    within the grace period with the tokens and steers the same room; only a teacher away longer
    than the grace period ends it."""
    clock = Clock()
    client.app.state.rooms.clock = clock
    made = teacher_session(client)
    room = open_room(client, made)
    code, teach = room["code"], f"/ws?session={made['id']}&token={made['token']}"
    with client.websocket_connect(f"/ws?room={code}") as follower:
        json.loads(follower.receive_text())
        with client.websocket_connect(teach) as teacher:
            assert json.loads(teacher.receive_text())["token"] == made["token"]
        clock.now = room_grace(client) - 1  # asleep, but not for long
        assert client.get(f"/api/rooms/{code}").json()["followers"] == 1
        with client.websocket_connect(teach) as teacher:  # awake: the same tokens
            json.loads(teacher.receive_text())
            teacher.send_json({"type": "step", "steps": 4})
            frame = receive_until(follower, "frame")
            while header(frame)["step"] < 4:
                frame = receive_until(follower, "frame")
            assert header(frame)["step"] == 4  # the followers see the resumed teacher's steps
            locked = client.patch(f"/api/rooms/{code}", json={"joining_locked": True},
                                  headers=bearer(room["teacher_token"]))
            assert locked.json()["joining_locked"] is True
            clock.now += 10 * room_grace(client)  # present: no grace counts
            assert client.get(f"/api/rooms/{code}").status_code == 200
        clock.now += room_grace(client) + 1  # gone for good
        assert client.get(f"/api/rooms/{code}").status_code == 404
        assert close_message(follower) == {"type": "websocket.close", "code": 1000, "reason": "room ended"}


def room_grace(client) -> float:
    return client.app.state.settings.limits.room_grace_seconds


def test_a_student_forks_the_teachers_network_into_a_session_of_their_own(client):
    import numpy as np

    made = teacher_session(client)
    teach = bearer(made["token"])
    client.post(f"/api/sessions/{made['id']}/train", json={"steps": 40}, headers=teach)
    room = open_room(client, made)
    answer = client.post(f"/api/rooms/{room['code']}/fork")
    assert answer.status_code == 201
    own = answer.json()
    assert own["id"] != made["id"] and own["token"] and own["step"] == 40
    assert client.get(f"/api/rooms/{room['code']}").json()["forks"] == 1

    def params(session: dict) -> np.ndarray:
        state = client.get(f"/api/sessions/{session['id']}/state").json()
        return np.concatenate([np.ravel(layer["W"]) for layer in state["layers"]])

    assert np.array_equal(params(own), params(made))  # the same network, as it was
    # Trained on apart: the same steps give the same numbers; the copy steers only itself.
    client.post(f"/api/sessions/{own['id']}/train", json={"steps": 25}, headers=bearer(own["token"]))
    assert client.get(f"/api/sessions/{made['id']}").json()["step"] == 40
    client.post(f"/api/sessions/{made['id']}/train", json={"steps": 25}, headers=teach)
    assert np.array_equal(params(own), params(made))
    refused = client.post(f"/api/sessions/{made['id']}/train", json={"steps": 1}, headers=bearer(own["token"]))
    assert refused.status_code == 403


def test_the_teacher_allows_or_locks_own_copies(client):
    made = teacher_session(client)
    room = open_room(client, made)
    path = f"/api/rooms/{room['code']}"
    locked = client.patch(path, json={"forking_allowed": False}, headers=bearer(room["teacher_token"]))
    assert locked.json()["forking_allowed"] is False
    refused = client.post(f"{path}/fork")
    assert (refused.status_code, refused.json()["code"]) == (403, "fork_locked")
    client.patch(path, json={"forking_allowed": True}, headers=bearer(room["teacher_token"]))
    assert client.post(f"{path}/fork").status_code == 201


def test_followers_are_told_what_the_teacher_inspects(client):
    made = teacher_session(client)
    room = open_room(client, made)
    target = {"kind": "neuron", "layer": 1, "index": 2}
    with client.websocket_connect(f"/ws?session={made['id']}&token={made['token']}") as teacher, \
            client.websocket_connect(f"/ws?room={room['code']}") as follower:
        json.loads(teacher.receive_text())
        json.loads(follower.receive_text())
        follower.send_json({"type": "inspect", "target": {"kind": "neuron", "layer": 2, "index": 0}})
        teacher.send_json({"type": "inspect", "target": target})
        assert receive_until(follower, "status", shown_target=target)["shown_target"] == target
        teacher.send_json({"type": "inspect", "target": None})
        assert receive_until(follower, "status", shown_target=None)["shown_target"] is None


def test_followers_see_the_teachers_pick_in_the_frames_header_and_no_status_for_it(client):
    """The header names the example shown; a status would say nothing new, to every follower."""
    made = teacher_session(client)
    room = open_room(client, made)
    with client.websocket_connect(f"/ws?session={made['id']}&token={made['token']}") as teacher, \
            client.websocket_connect(f"/ws?room={room['code']}") as follower:
        json.loads(teacher.receive_text())
        json.loads(follower.receive_text())
        assert header(receive_until(follower, "frame"))["sample"] == 0  # the opening messages read
        teacher.send_json({"type": "pick", "sample": 7})
        texts = []
        while isinstance(message := receive(follower), dict) or header(message)["sample"] != 7:
            if isinstance(message, dict):
                texts.append(message["type"])
        assert "status" not in texts


def fork(client, room: dict) -> dict:
    answer = client.post(f"/api/rooms/{room['code']}/fork")
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_dashboard_shows_every_own_copy_without_tokens(client):
    made = teacher_session(client)
    room = open_room(client, made)
    teach = bearer(room["teacher_token"])
    copies = [fork(client, room) for _ in range(3)]
    client.post(f"/api/sessions/{copies[1]['id']}/train", json={"steps": 30}, headers=bearer(copies[1]["token"]))
    client.delete(f"/api/sessions/{copies[2]['id']}", headers=bearer(copies[2]["token"]))  # gone: not shown
    answer = client.get(f"/api/rooms/{room['code']}/dashboard", headers=teach)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["thumbnail_size"]) == (room["code"], 16)
    assert {c["session_id"] for c in body["forks"]} == {copies[0]["id"], copies[1]["id"]}
    for card in body["forks"]:
        assert set(card) == {"session_id", "name", "status", "step", "train_loss", "train_accuracy",
                             "test_accuracy", "thumbnail"}
        assert card["status"] == "paused" and 0 <= card["test_accuracy"] <= 1
        assert len(base64.b64decode(card["thumbnail"])) == 16 * 16
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \S+的\S+", card["name"])
    text = answer.text
    for secret in [made["token"], room["teacher_token"], *(c["token"] for c in copies)]:
        assert secret not in text


def test_the_dashboard_sorts_by_loss_accuracy_name_and_step(client):
    made = teacher_session(client)
    room = open_room(client, made)
    copies = [fork(client, room) for _ in range(3)]
    for copy, (steps, name) in zip(copies, [(0, "bo"), (300, "Al"), (60, "cy")]):
        client.post(f"/api/sessions/{copy['id']}/train", json={"steps": steps}, headers=bearer(copy["token"]))
        client.patch(f"/api/sessions/{copy['id']}/name", json={"name": name}, headers=bearer(copy["token"]))

    def order(sort: str) -> list[str]:
        body = client.get(f"/api/rooms/{room['code']}/dashboard?sort={sort}",
                          headers=bearer(room["teacher_token"])).json()
        return [card["name"] for card in body["forks"]]

    cards = client.get(f"/api/rooms/{room['code']}/dashboard", headers=bearer(room["teacher_token"])).json()["forks"]
    by_loss = [c["name"] for c in sorted(cards, key=lambda c: c["train_loss"])]
    by_accuracy = [c["name"] for c in sorted(cards, key=lambda c: -c["test_accuracy"])]
    assert order("name") == ["Al", "bo", "cy"]
    assert order("step") == ["Al", "cy", "bo"]
    assert order("loss") == by_loss and order("accuracy") == by_accuracy
    bad = client.get(f"/api/rooms/{room['code']}/dashboard?sort=token", headers=bearer(room["teacher_token"]))
    assert bad.status_code == 422


def test_a_student_renames_their_own_copy_as_plain_text_within_the_limit(make_client):
    client = make_client(max_name_chars=12)
    made = teacher_session(client)
    room = open_room(client, made)
    own = fork(client, room)
    path = f"/api/sessions/{own['id']}/name"
    named = client.patch(path, json={"name": "  <b>Ann</b>\n\tx "}, headers=bearer(own["token"]))
    assert named.json() == {"name": "<b>Ann</b> x"}  # kept as text; the page never renders it as HTML
    too_long = client.patch(path, json={"name": "x" * 13}, headers=bearer(own["token"]))
    assert (too_long.status_code, too_long.json()["code"]) == (422, "name_too_long")
    assert too_long.json()["params"] == {"limit": 12, "setting": "max_name_chars"}
    empty = client.patch(path, json={"name": " \n "}, headers=bearer(own["token"]))
    assert (empty.status_code, empty.json()["code"]) == (422, "name_empty")
    for token in (None, made["token"], room["teacher_token"]):  # only the copy's own token
        refused = client.patch(path, json={"name": "Bob"}, headers=bearer(token) if token else {})
        assert (refused.status_code, refused.json()["code"]) == (403, "read_only")
    cards = client.get(f"/api/rooms/{room['code']}/dashboard", headers=bearer(room["teacher_token"])).json()
    assert [c["name"] for c in cards["forks"]] == ["<b>Ann</b> x"]


def test_pause_everyone_pauses_the_teacher_and_every_own_copy(client):
    made = teacher_session(client)
    room = open_room(client, made)
    copies = [fork(client, room) for _ in range(2)]
    sessions = client.app.state.registry.sessions
    for session in [made, *copies]:
        sessions[session["id"]].set_running(True)
    answer = client.post(f"/api/rooms/{room['code']}/pause", headers=bearer(room["teacher_token"]))
    assert answer.json() == {"sessions": 3}
    assert [sessions[s["id"]].status for s in [made, *copies]] == ["paused"] * 3


def test_recall_sends_a_students_own_copy_back_to_following(client):
    made = teacher_session(client)
    room = open_room(client, made)
    own = fork(client, room)
    with client.websocket_connect(f"/ws?session={own['id']}&token={own['token']}") as page:
        json.loads(page.receive_text())
        answer = client.post(f"/api/rooms/{room['code']}/recall", headers=bearer(room["teacher_token"]))
        assert answer.json() == {"sessions": 1}
        assert receive_until(page, "recall") == {"type": "recall", "room": room["code"]}


def test_every_teacher_action_needs_the_teacher_token(client):
    made = teacher_session(client)
    room = open_room(client, made)
    own = fork(client, room)
    code = room["code"]
    for method, path in [("get", "dashboard"), ("post", "pause"), ("post", "recall")]:
        for token in (None, made["token"], own["token"], "nope"):
            refused = client.request(method, f"/api/rooms/{code}/{path}", headers=bearer(token) if token else {})
            assert (refused.status_code, refused.json()["code"]) == (403, "not_teacher"), (path, token)
        missing = client.request(method, f"/api/rooms/BCDFGH/{path}", headers=bearer(room["teacher_token"]))
        assert (missing.status_code, missing.json()["code"]) == (404, "room_not_found")


def test_thumbnails_spread_regions_over_the_palette_and_are_null_off_the_plane(client):
    def thumbnail(dataset: str) -> str | None:
        made = client.post("/api/sessions", json={"data": {"dataset": dataset, "classes": 3}}).json()
        room = open_room(client, made)
        fork(client, room)
        board = client.get(f"/api/rooms/{room['code']}/dashboard", headers=bearer(room["teacher_token"]))
        return board.json()["forks"][0]["thumbnail"]

    cells = base64.b64decode(thumbnail("blobs") or "")
    assert len(cells) == 16 * 16 and set(cells) <= {0, 127, 255}  # classes 0, 1, 2
    assert thumbnail("digits") is None


def test_a_diverged_copy_says_so_and_sorts_last_by_loss(client):
    made = teacher_session(client)
    room = open_room(client, made)
    calm, wild = fork(client, room), fork(client, room)
    config = client.get(f"/api/sessions/{wild['id']}").json()["config"]
    config["training"]["learning_rate"] = 100.0
    config["network"]["loss"], config["network"]["output_activation"] = "mse", "linear"
    client.put(f"/api/sessions/{wild['id']}/config", json=config, headers=bearer(wild["token"]))
    client.post(f"/api/sessions/{wild['id']}/train", json={"steps": 500}, headers=bearer(wild["token"]))
    cards = client.get(f"/api/rooms/{room['code']}/dashboard?sort=loss",
                       headers=bearer(room["teacher_token"])).json()["forks"]
    assert [c["session_id"] for c in cards] == [calm["id"], wild["id"]]
    assert (cards[1]["status"], cards[1]["train_loss"]) == ("diverged", None)


def test_the_teacher_shows_the_room_one_students_copy_and_then_their_own(client):
    made = teacher_session(client)
    room = open_room(client, made)
    path, teach = f"/api/rooms/{room['code']}", bearer(room["teacher_token"])
    copy = fork(client, room)
    by_session_token = client.post(f"{path}/project", json={"session_id": copy["id"]}, headers=bearer(made["token"]))
    assert by_session_token.status_code == 403
    refused = client.post(f"{path}/project", json={"session_id": made["id"]}, headers=teach)
    assert (refused.status_code, refused.json()["code"]) == (422, "not_a_fork")
    with client.websocket_connect(f"/ws?room={room['code']}") as follower:
        assert json.loads(follower.receive_text())["session_id"] == made["id"]
        shown = client.post(f"{path}/project", json={"session_id": copy["id"]}, headers=teach)
        assert shown.json()["projected"] == copy["id"]
        assert close_message(follower) == {"type": "websocket.close", "code": 4001,
                                           "reason": "the room shows another run"}
    with client.websocket_connect(f"/ws?room={room['code']}") as follower:
        hello = json.loads(follower.receive_text())
        assert (hello["session_id"], hello["token"]) == (copy["id"], None)  # watched, not steered
        client.post(f"{path}/project", json={"session_id": None}, headers=teach)
        close_message(follower)
    with client.websocket_connect(f"/ws?room={room['code']}") as follower:
        assert json.loads(follower.receive_text())["session_id"] == made["id"]


def test_the_dashboard_filters_by_status_and_refuses_an_unknown_one(client):
    made = teacher_session(client)
    room = open_room(client, made)
    copies = [fork(client, room) for _ in range(3)]
    sessions = client.app.state.registry.sessions
    sessions[copies[0]["id"]].set_running(True)
    teach = bearer(room["teacher_token"])

    def shown(status: str) -> list[str]:
        body = client.get(f"/api/rooms/{room['code']}/dashboard?status={status}", headers=teach).json()
        assert {c["status"] for c in body["forks"]} <= {status}
        return sorted(c["session_id"] for c in body["forks"])

    assert shown("training") == [copies[0]["id"]]
    assert shown("paused") == sorted(c["id"] for c in copies[1:])
    assert shown("diverged") == []
    everyone = client.get(f"/api/rooms/{room['code']}/dashboard", headers=teach).json()["forks"]
    assert len(everyone) == 3
    bad = client.get(f"/api/rooms/{room['code']}/dashboard?status=asleep", headers=teach)
    assert bad.status_code == 422
    assert "status" in json.dumps(bad.json())
