"""GET /api/lessons, GET /api/lessons/{id} and POST /api/lessons/{id}/session."""

import json

from app.lessons import load_lessons

LESSON_FILES = {lesson.id: lesson for lesson in load_lessons().values()}


def test_the_list_names_every_lesson_in_order_with_titles_and_concepts(client):
    answer = client.get("/api/lessons")
    assert answer.status_code == 200
    body = answer.json()
    assert [entry["id"] for entry in body] == list(LESSON_FILES)
    xor = next(entry for entry in body if entry["id"] == "xor")
    assert xor == {"id": "xor", "title": {"en": "XOR needs a hidden layer", "zh-Hans": "异或需要隐藏层"},
                   "concept": LESSON_FILES["xor"].concept, "variants": ["hidden-layer"]}


def test_one_lesson_is_the_whole_file(client):
    answer = client.get("/api/lessons/learning-rate")
    assert answer.status_code == 200
    assert answer.json() == json.loads(LESSON_FILES["learning-rate"].model_dump_json())
    assert [v["id"] for v in answer.json()["variants"]] == ["too-large", "too-small"]


def test_a_session_from_a_lesson_runs_its_exact_config_and_steers_with_its_token(client):
    answer = client.post("/api/lessons/xor/session")
    assert answer.status_code == 201
    body = answer.json()
    assert body["config"] == LESSON_FILES["xor"].config.model_dump(mode="json")
    assert body["step"] == 0 and body["status"] == "paused"
    trained = client.post(f"/api/sessions/{body['id']}/train", json={"steps": 3},
                          headers={"Authorization": f"Bearer {body['token']}"})
    assert trained.status_code == 200 and trained.json()["step"] == 3


def test_a_session_from_a_variant_has_the_variant_s_changes(client):
    answer = client.post("/api/lessons/xor/session", json={"variant": "hidden-layer"})
    assert answer.status_code == 201
    config = answer.json()["config"]
    assert config["network"]["hidden_layers"] == [8]
    assert config == {**LESSON_FILES["xor"].config.model_dump(mode="json"), "network": config["network"]}


def test_the_same_lesson_gives_the_same_weights(client):
    ids = [client.post("/api/lessons/zero-init/session").json()["id"] for _ in range(2)]
    weights = [client.get(f"/api/sessions/{sid}/state").json()["layers"] for sid in ids]
    assert weights[0] == weights[1]


def test_an_unknown_lesson_is_404_in_the_refusal_shape(client):
    expected = {"code": "lesson_not_found", "message": "no such lesson; GET /api/lessons lists them",
                "params": {}, "errors": []}
    for answer in (client.get("/api/lessons/nope"), client.post("/api/lessons/nope/session")):
        assert answer.status_code == 404
        assert answer.json() == expected


def test_an_unknown_variant_is_refused_with_the_field(client):
    answer = client.post("/api/lessons/xor/session", json={"variant": "nope"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "no_such_variant"
    assert body["params"] == {"lesson": "xor", "variants": "hidden-layer"}
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("variant", "no_such_variant")]


def test_a_lesson_over_this_server_s_limits_is_refused_like_a_config(make_client):
    client = make_client(max_hidden_layers=2)
    answer = client.post("/api/lessons/vanishing-gradients/session")
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_config"
    assert answer.json()["errors"][0]["field"] == "network.hidden_layers"


def test_a_lessons_config_and_a_variants_come_resolved_by_the_server(client):
    base = client.get("/api/lessons/xor/config").json()
    variant = client.get("/api/lessons/xor/config", params={"variant": "hidden-layer"}).json()
    assert base["network"]["hidden_layers"] == [] and variant["network"]["hidden_layers"] == [8]
    assert {k: v for k, v in variant.items() if k != "network"} == {k: v for k, v in base.items() if k != "network"}
    assert client.get("/api/lessons/xor/config", params={"variant": "nope"}).json()["code"] == "no_such_variant"
