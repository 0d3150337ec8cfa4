import numpy as np
import pytest

from app.config import SessionConfig
from app.engine.network import split_flat

DEFAULT_CONFIG = SessionConfig().model_dump(mode="json")
# Linear output, mse and η = 100: every step multiplies the error by about a hundred.
DIVERGING = {"network": {"hidden_layers": [], "output_activation": "linear", "loss": "mse"},
             "training": {"learning_rate": 100}}


UNKNOWN_SESSION = {"code": "session_not_found", "message": "no session 'nope'; it may have expired",
                   "params": {}, "errors": []}


def refusal(code: str, message: str, field: str, params: dict | None = None) -> dict:
    """The body of a refusal of one field, whose code and message are the whole refusal's."""
    return {"code": code, "message": message, "params": params or {},
            "errors": [{"field": field, "code": code, "message": message, "params": params or {}}]}


def create(client, config=None) -> dict:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    client.headers["X-Session-Token"] = response.json()["token"]  # steer what was made
    return response.json()


def weights(client, sid: str) -> list:
    return [layer["W"] for layer in client.get(f"/api/sessions/{sid}/state").json()["layers"]]


def test_create_with_defaults(client):
    body = create(client)
    m = body["metrics"]
    assert body == {"id": body["id"], "token": body["token"], "config": DEFAULT_CONFIG,
                    "status": "paused", "step": 0,
                    "epoch": 0.0, "metrics": m, "history": [[0, m["train_loss"], m["test_loss"]]]}
    assert 0.5 < m["train_loss"] < 1.0 and 0.0 <= m["test_accuracy"] <= 1.0


def test_a_regression_has_no_accuracy_and_the_schema_says_so(client):
    """JSON has no NaN: a regression's accuracies are null, which the published schema allows
    (it once said a number, and the schema fuzzer caught the answer breaking it)."""
    m = create(client, {"data": {"dataset": "sin"}, "network": {"output_activation": "linear",
                                                                "loss": "mse"}})["metrics"]
    assert m["train_accuracy"] is None and m["test_accuracy"] is None and m["train_loss"] > 0
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SessionMetrics"]
    for name in ("train_accuracy", "test_accuracy", "train_loss", "test_loss", "penalty"):
        assert {"type": "null"} in schema["properties"][name]["anyOf"], name


def test_create_with_a_custom_config(client):
    config = {"network": {"hidden_layers": [3], "activation": "relu", "output_activation": "tanh",
                          "loss": "mse"},
              "data": {"dataset": "spiral", "n_samples": 100, "noise": 0.1, "test_ratio": 0.2, "seed": 3},
              "training": {"learning_rate": 0.1, "batch_size": 80},
              "seed": 11}
    returned = create(client, config)["config"]
    assert returned["seed"] == 11
    for part in ("network", "data", "training"):
        assert returned[part] == {**returned[part], **config[part]}  # what was sent, defaults besides


def test_get_summary_repeats_what_create_returned(client):
    body = create(client)
    response = client.get(f"/api/sessions/{body['id']}")
    assert response.status_code == 200
    assert response.json() == {key: value for key, value in body.items() if key != "token"}


def test_state_has_every_layer_and_the_batch(client):
    sid = create(client)["id"]
    body = client.get(f"/api/sessions/{sid}/state").json()
    shapes = [{key: np.shape(layer[key]) for key in ("W", "b", "z", "a", "delta", "dW", "db")}
              for layer in body["layers"]]
    assert shapes == [
        {"W": (4, 2), "b": (4,), "z": (4, 10), "a": (4, 10), "delta": (4, 10), "dW": (4, 2), "db": (4,)},
        {"W": (2, 4), "b": (2,), "z": (2, 10), "a": (2, 10), "delta": (2, 10), "dW": (2, 4), "db": (2,)},
        {"W": (1, 2), "b": (1,), "z": (1, 10), "a": (1, 10), "delta": (1, 10), "dW": (1, 2), "db": (1,)},
    ]
    assert [layer["activation"] for layer in body["layers"]] == ["tanh", "tanh", "sigmoid"]
    batch = body["batch"]
    assert (len(batch["indices"]), np.shape(batch["x"]), np.shape(batch["y"])) == (10, (2, 10), (1, 10))
    assert len(set(batch["indices"])) == 10 and batch["loss"] > 0
    assert body["step"] == 0 and body["config"] == DEFAULT_CONFIG


def test_training_learns_the_circle(client):
    first = create(client)
    body = client.post(f"/api/sessions/{first['id']}/train", json={"steps": 2000}).json()
    assert (body["status"], body["step"], body["epoch"]) == ("paused", 2000, 100.0)
    assert body["metrics"]["test_loss"] < 0.5 * first["metrics"]["test_loss"]
    assert body["metrics"]["test_accuracy"] >= 0.95
    assert 50 < len(body["history"]) <= 101
    assert body["history"][0][0] > 0 and body["history"][-1][0] == 2000


def test_each_train_call_answers_with_the_rows_it_recorded_and_get_has_them_all(client):
    sid = create(client)["id"]
    answers = [client.post(f"/api/sessions/{sid}/train", json={"steps": 1000}).json()["history"]
               for _ in range(3)]
    assert all(50 < len(rows) <= 101 for rows in answers)
    assert [(rows[0][0] > 1000 * i, rows[-1][0]) for i, rows in enumerate(answers)] == [
        (True, 1000), (True, 2000), (True, 3000)]
    whole = client.get(f"/api/sessions/{sid}").json()["history"]
    assert whole[0][0] == 0 and whole[-1][0] == 3000 and len(whole) > len(answers[-1])


def test_train_defaults_to_one_step(client):
    sid = create(client)["id"]
    assert client.post(f"/api/sessions/{sid}/train", json={}).json()["step"] == 1


def test_predict_gives_an_output_and_a_class_per_point(client):
    sid = create(client)["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 2000})
    body = client.post(f"/api/sessions/{sid}/predict",
                       json={"inputs": [[0.0, 0.0], [0.5, -1.0], [5.0, 5.0], [-4.5, 0.0]]}).json()
    assert len(body["outputs"]) == 4
    assert body["classes"] == [int(out > 0.5) for [out] in body["outputs"]] == [1, 1, 0, 0]


def test_a_new_architecture_starts_over(client):
    sid = create(client)["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 10})
    config = {**DEFAULT_CONFIG, "network": {**DEFAULT_CONFIG["network"], "hidden_layers": [5]}}
    response = client.put(f"/api/sessions/{sid}/config", json=config)
    assert response.status_code == 200
    assert (response.json()["config"], response.json()["step"]) == (config, 0)
    assert [np.shape(w) for w in weights(client, sid)] == [(5, 2), (1, 5)]


def test_a_new_learning_rate_keeps_the_weights_and_the_step(client):
    sid = create(client)["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 10})
    before = weights(client, sid)
    config = {**DEFAULT_CONFIG, "training": {"learning_rate": 0.3, "batch_size": 10}}
    body = client.put(f"/api/sessions/{sid}/config", json=config).json()
    assert (body["config"]["training"]["learning_rate"], body["step"]) == (0.3, 10)
    assert weights(client, sid) == before


def test_reset_with_the_same_seed_gives_the_initial_weights(client):
    sid = create(client)["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 10})
    body = client.post(f"/api/sessions/{sid}/reset").json()
    assert (body["step"], body["status"]) == (0, "paused")
    assert weights(client, sid) == weights(client, create(client)["id"])


def test_reset_with_a_new_seed_gives_new_weights_and_keeps_the_seed(client):
    sid = create(client)["id"]
    before = weights(client, sid)
    body = client.post(f"/api/sessions/{sid}/reset", json={"seed": 42}).json()
    assert body["config"]["seed"] == 42
    assert weights(client, sid) != before
    assert weights(client, sid) == weights(client, create(client, {"seed": 42})["id"])


def test_delete_ends_the_session(client):
    sid = create(client)["id"]
    response = client.delete(f"/api/sessions/{sid}")
    assert (response.status_code, response.content) == (204, b"")
    response = client.get(f"/api/sessions/{sid}")
    assert response.status_code == 404
    assert response.json() == {"code": "session_not_found",
                               "message": f"no session '{sid}'; it may have expired",
                               "params": {}, "errors": []}


@pytest.mark.parametrize("method, path", [
    ("get", ""), ("get", "/state"), ("delete", ""), ("post", "/train"), ("post", "/reset"),
    ("get", "/export"),
])
def test_an_unknown_session_is_404(client, method, path):
    response = client.request(method, f"/api/sessions/nope{path}", json={} if method == "post" else None)
    assert response.status_code == 404
    assert response.json() == UNKNOWN_SESSION


def test_no_hidden_layers_is_logistic_regression(client):
    sid = create(client, {"network": {"hidden_layers": []}, "data": {"dataset": "gaussians"}})["id"]
    body = client.post(f"/api/sessions/{sid}/train", json={"steps": 500}).json()
    assert body["metrics"]["test_accuracy"] >= 0.95
    assert [np.shape(w) for w in weights(client, sid)] == [(1, 2)]


def test_limits_are_published(client):
    body = client.get("/api/limits").json()
    assert body == client.app.state.settings.limits.model_dump()
    assert (body["max_hidden_layers"], body["max_neurons_per_layer"], body["grid_size"]) == (6, 16, 10)


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {path: sorted(ops) for path, ops in paths.items()} == {
        "/api/limits": ["get"],
        "/api/sessions": ["post"],
        "/api/sessions/{session_id}": ["delete", "get"],
        "/api/sessions/{session_id}/state": ["get"],
        "/api/sessions/{session_id}/config": ["put"],
        "/api/sessions/{session_id}/train": ["post"],
        "/api/sessions/{session_id}/reset": ["post"],
        "/api/sessions/{session_id}/predict": ["post"],
        "/api/sessions/{session_id}/inspect": ["post"],
        "/api/sessions/{session_id}/gradcheck": ["post"],
        "/api/sessions/{session_id}/params": ["patch"],
        "/api/sessions/{session_id}/csv": ["put"],
        "/api/sessions/{session_id}/room": ["post"],
        "/api/rooms/{code}": ["delete", "get", "patch"],
        "/api/rooms/{code}/qr.svg": ["get"],
        "/api/rooms/{code}/fork": ["post"],
        "/api/rooms/{code}/project": ["post"],
        "/api/rooms/{code}/dashboard": ["get"],
        "/api/rooms/{code}/pause": ["post"],
        "/api/rooms/{code}/recall": ["post"],
        "/api/sessions/{session_id}/name": ["patch"],
        "/api/sessions/{session_id}/export": ["get"],
        "/api/sessions/import": ["post"],
        "/api/lessons": ["get"],
        "/api/lessons/{lesson_id}": ["get"],
        "/api/lessons/{lesson_id}/config": ["get"],
        "/api/lessons/{lesson_id}/session": ["post"],
        "/health": ["get"],
        "/metrics": ["get"],
    }


ACTIVATIONS = "'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'softplus' or 'linear'"


@pytest.mark.parametrize("config, code, error", [
    ({"network": {"hidden_layers": [2] * 100}}, "invalid_config",
     {"field": "network.hidden_layers", "code": "limit", "message": "at most 6 hidden layers",
      "params": {"limit": 6, "setting": "max_hidden_layers"}}),
    ({"network": {"hidden_layers": [4, 17]}}, "invalid_config",
     {"field": "network.hidden_layers.1", "code": "limit", "message": "at most 16 neurons per layer",
      "params": {"limit": 16, "setting": "max_neurons_per_layer"}}),
    ({"network": {"hidden_layers": [0]}}, "invalid",
     {"field": "network.hidden_layers.0", "code": "greater_than_equal",
      "message": "Input should be greater than or equal to 1", "params": {"ge": 1}}),
    ({"training": {"learning_rate": -0.1}}, "invalid",
     {"field": "training.learning_rate", "code": "greater_than",
      "message": "Input should be greater than 0", "params": {"gt": 0.0}}),
    ({"network": {"activation": "swish"}}, "invalid",
     {"field": "network.activation", "code": "literal_error",
      "message": f"Input should be {ACTIVATIONS}", "params": {"expected": ACTIVATIONS}}),
    ({"training": {"batch_size": 201}}, "invalid_config",
     {"field": "training.batch_size", "code": "batch_too_large",
      "message": "at most 200, the size of the training set", "params": {"limit": 200}}),
    ({"network": {"output_activation": "tanh"}}, "invalid_config",
     {"field": "network.output_activation", "code": "loss_needs_output",
      "message": "binary_cross_entropy needs an output activation in ['sigmoid']",
      "params": {"loss": "binary_cross_entropy", "allowed": "sigmoid"}}),
    ({"data": {"n_samples": 2001}}, "invalid_config",
     {"field": "data.n_samples", "code": "limit", "message": "at most 2000 samples",
      "params": {"limit": 2000, "setting": "max_samples"}}),
    ({"speed": 3}, "invalid",
     {"field": "speed", "code": "extra_forbidden", "message": "Extra inputs are not permitted",
      "params": {}}),
])
def test_a_refused_config_is_422_with_the_field_and_the_limit(client, config, code, error):
    message = {"invalid": "invalid request", "invalid_config": "config refused"}[code]
    body = {"code": code, "message": message, "params": {}, "errors": [error]}
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 422
    assert response.json() == body
    sid = create(client)["id"]
    response = client.put(f"/api/sessions/{sid}/config", json=config)
    assert response.status_code == 422
    assert response.json() == body


def test_steps_over_the_limit_are_refused(make_client):
    client = make_client(max_steps_per_request=50)
    sid = create(client)["id"]
    response = client.post(f"/api/sessions/{sid}/train", json={"steps": 51})
    assert response.status_code == 422
    assert response.json() == refusal("limit", "at most 50 (max_steps_per_request)", "steps",
                                      {"limit": 50, "setting": "max_steps_per_request"})
    assert client.post(f"/api/sessions/{sid}/train", json={"steps": 50}).json()["step"] == 50


def test_predict_refuses_too_many_points_and_points_that_are_not_pairs(make_client):
    client = make_client(max_predict_points=2)
    sid = create(client)["id"]
    response = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[0, 0]] * 3})
    assert response.status_code == 422
    assert response.json() == refusal("limit", "at most 2 (max_predict_points)", "inputs",
                                      {"limit": 2, "setting": "max_predict_points"})
    response = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[0, 0, 0]]})
    assert response.status_code == 422
    assert response.json()["code"] == "shape"
    assert [(e["code"], e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("shape", "inputs.0", "2 values per example")]


def test_divergence_is_a_status_and_numbers_become_null(client):
    sid = create(client, DIVERGING)["id"]
    response = client.post(f"/api/sessions/{sid}/train", json={"steps": 1000})
    body = response.json()
    assert (body["status"], body["step"] < 1000) == ("diverged", True)
    assert (body["metrics"]["train_loss"], body["metrics"]["test_loss"]) == (None, None)
    state = client.get(f"/api/sessions/{sid}/state")
    assert b"NaN" not in response.content + state.content
    assert b"Infinity" not in response.content + state.content
    assert client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[1, 1]]}).json() == {
        "outputs": [[None]], "classes": [None]}
    body = client.post(f"/api/sessions/{sid}/reset").json()
    assert (body["status"], body["step"]) == ("paused", 0)
    assert all(isinstance(value, float) for value in body["metrics"].values())


def test_a_diverged_session_reports_no_metrics(client):
    sid = create(client, DIVERGING)["id"]
    body = client.post(f"/api/sessions/{sid}/train", json={"steps": 1000}).json()
    assert body["metrics"] == {"train_loss": None, "test_loss": None, "penalty": 0.0,
                               "train_accuracy": None, "test_accuracy": None}


def test_session_limit_is_503(make_client):
    client = make_client(max_sessions=2)
    create(client)
    create(client)
    response = client.post("/api/sessions")
    assert response.status_code == 503
    assert response.json() == {"code": "session_limit",
                               "message": "at most 2 sessions at once (max_sessions)",
                               "params": {"limit": 2, "setting": "max_sessions"}, "errors": []}


def test_session_ids_are_distinct_unguessable_tokens(client):
    ids = {create(client)["id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(len(sid) >= 22 for sid in ids)  # 16 random bytes, base64url


# ---- inspector, gradient check, edits ------------------------------------------------------


def inspect(client, sid: str, target: dict, sample: int | None = None):
    body = {"target": target} if sample is None else {"target": target, "sample": sample}
    return client.post(f"/api/sessions/{sid}/inspect", json=body)


def neuron(layer: int, index: int) -> dict:
    return {"kind": "neuron", "layer": layer, "index": index}


def weight(layer: int, index: int, source: int) -> dict:
    return {"kind": "weight", "layer": layer, "index": index, "source": source}


def test_inspect_a_hidden_neuron_of_a_picked_sample(client):
    sid = create(client)["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 20})
    state = client.get(f"/api/sessions/{sid}/state").json()
    response = inspect(client, sid, neuron(2, 1), sample=17)
    assert response.status_code == 200
    body = response.json()
    assert (body["sample"], body["example"], body["indices"], body["loss_name"]) == (
        17, 0, [17], "binary_cross_entropy")
    detail = body["detail"]
    assert (detail["kind"], detail["layer"], detail["index"]) == ("neuron", 2, 1)
    f, b = detail["forward"], detail["backward"]
    assert f["weights"] == state["layers"][1]["W"][1]
    assert f["bias"] == state["layers"][1]["b"][1]
    assert len(f["inputs"]) == len(f["products"]) == 4
    assert f["products"] == [w * a for w, a in zip(f["weights"], f["inputs"])]
    assert abs(sum(f["products"]) + f["bias"] - f["z"]) < 1e-9
    assert f["activation"] == "tanh" and f["a"] == pytest.approx(np.tanh(f["z"]), abs=1e-12)
    # BP2: the one output-side neuron above it sends its δ back through its weight.
    assert b["upstream_weights"] == [state["layers"][2]["W"][0][1]]
    assert len(b["upstream_deltas"]) == len(b["upstream_products"]) == 1
    assert b["sigma_prime"] == pytest.approx(1 - np.tanh(f["z"]) ** 2, rel=1e-12)
    assert b["upstream_sum"] * b["sigma_prime"] == pytest.approx(b["delta"], rel=1e-12)
    assert (b["target"], b["dC_da"], b["fused"]) == (None, None, False)
    assert body["loss"] > 0


def test_inspect_the_output_neuron_of_the_next_batch(client):
    sid = create(client)["id"]
    state = client.get(f"/api/sessions/{sid}/state").json()
    body = inspect(client, sid, neuron(3, 0)).json()
    assert body["sample"] is None and body["indices"] == state["batch"]["indices"]
    assert body["loss"] == state["batch"]["loss"]
    f, b = body["detail"]["forward"], body["detail"]["backward"]
    assert abs(sum(f["products"]) + f["bias"] - f["z"]) < 1e-9
    assert f["z"] == state["layers"][2]["z"][0][0] and f["a"] == state["layers"][2]["a"][0][0]
    # Sigmoid with cross-entropy: δ = a − y, the same as ∂C/∂a · σ'(z) up to rounding.
    assert b["target"] == state["batch"]["y"][0][0]
    assert b["fused"] is True and b["delta"] == f["a"] - b["target"]
    assert b["dC_da"] * b["sigma_prime"] == pytest.approx(b["delta"], rel=1e-9)
    assert b["delta"] == state["layers"][2]["delta"][0][0]
    assert b["upstream_weights"] is None and b["upstream_sum"] is None


def test_inspect_a_weight(client):
    sid = create(client, {"training": {"learning_rate": 0.4, "batch_size": 10}})["id"]
    state = client.get(f"/api/sessions/{sid}/state").json()
    body = inspect(client, sid, weight(1, 3, 1)).json()
    w = body["detail"]
    assert set(w) == {"kind", "layer", "index", "source", "weight", "a_in", "delta", "gradient",
                      "batch_gradient", "penalty_gradient", "examples", "learning_rate",
                      "optimizer", "weight_after", "update"}
    assert (w["kind"], w["layer"], w["index"], w["source"]) == ("weight", 1, 3, 1)
    assert w["weight"] == state["layers"][0]["W"][3][1]
    assert w["a_in"] == state["batch"]["x"][1][0] and w["delta"] == state["layers"][0]["delta"][3][0]
    assert w["gradient"] == w["a_in"] * w["delta"]
    assert w["batch_gradient"] == state["layers"][0]["dW"][3][1]
    # The batch gradient is the mean of a_in·δ over the ten examples of the batch.
    x, delta = np.array(state["batch"]["x"]), np.array(state["layers"][0]["delta"])
    assert w["batch_gradient"] == pytest.approx(np.mean(x[1] * delta[3]), rel=1e-12)
    assert (w["examples"], w["learning_rate"]) == (10, 0.4)
    assert w["weight_after"] == pytest.approx(w["weight"] - 0.4 * w["batch_gradient"], rel=1e-15)
    # And the next step does exactly that.
    client.post(f"/api/sessions/{sid}/train", json={"steps": 1})
    assert client.get(f"/api/sessions/{sid}/state").json()["layers"][0]["W"][3][1] == w["weight_after"]


def test_inspecting_changes_nothing(client):
    sid = create(client)["id"]
    before = client.get(f"/api/sessions/{sid}/state").json()
    inspect(client, sid, neuron(1, 0), sample=3)
    inspect(client, sid, weight(2, 0, 0))
    assert client.get(f"/api/sessions/{sid}/state").json() == before


def test_inspect_a_weight_of_another_sample_during_a_walkthrough(client):
    # The update explained is the one the next Step applies: the walkthrough's, on its batch.
    sid = create(client)["id"]
    session = client.app.state.registry.sessions[sid]
    session.pick(None)
    session.walk_to("start")  # on the next mini-batch
    w = inspect(client, sid, weight(1, 0, 0), sample=3).json()["detail"]
    assert w["examples"] == 10 and w["batch_gradient"] != w["gradient"]
    assert w["weight_after"] == pytest.approx(w["weight"] - w["learning_rate"] * w["batch_gradient"],
                                              rel=1e-12)
    assert w["weight_after"] == split_flat(session.walk.params_after, session.trainer.network.sizes)[0][0][0, 0]


SAMPLE_199 = refusal("sample_out_of_range", "at most 199: the training set has 200 examples",
                     "sample", {"limit": 199, "examples": 200})


def test_inspect_a_sample_beyond_the_training_set_is_422(client):
    sid = create(client)["id"]
    response = inspect(client, sid, neuron(1, 0), sample=200)
    assert response.status_code == 422
    assert response.json() == SAMPLE_199


def test_inspect_the_sample_limit_follows_the_data(client):
    sid = create(client, {"data": {"n_samples": 100, "test_ratio": 0.2}})["id"]
    assert inspect(client, sid, neuron(1, 0), sample=79).status_code == 200
    response = inspect(client, sid, neuron(1, 0), sample=80)
    assert response.status_code == 422
    assert response.json()["code"] == "sample_out_of_range"
    assert response.json()["errors"][0]["message"] == "at most 79: the training set has 80 examples"
    assert response.json()["errors"][0]["params"] == {"limit": 79, "examples": 80}


@pytest.mark.parametrize("target, msg", [
    (neuron(4, 0), "layers are numbered 1 to 3"),
    (neuron(1, 4), "layer 1 has no neuron 4"),
    (weight(3, 0, 2), "layer 2 has no neuron 2"),
])
def test_inspect_a_target_that_does_not_exist_is_422(client, target, msg):
    sid = create(client)["id"]
    response = inspect(client, sid, target)
    assert response.status_code == 422
    assert response.json() == refusal("no_such_target", msg, "target")


def test_inspect_validates_the_target_shape(client):
    sid = create(client)["id"]
    response = client.post(f"/api/sessions/{sid}/inspect",
                           json={"target": {"kind": "weight", "layer": 1, "index": 0}})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert [(e["code"], e["field"]) for e in response.json()["errors"]] == [
        ("missing", "target.weight.source")]


def test_gradcheck_on_the_next_batch_passes(client):
    sid = create(client)["id"]
    response = client.post(f"/api/sessions/{sid}/gradcheck")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"layers", "threshold", "passed", "examples", "sample"}
    assert len(body["layers"]) == 3 and all(0 <= e < 1e-6 for e in body["layers"])
    assert (body["threshold"], body["passed"], body["examples"], body["sample"]) == (1e-6, True, 10, None)


def test_gradcheck_on_a_sample_after_training_passes(client):
    sid = create(client)["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 50})
    body = client.post(f"/api/sessions/{sid}/gradcheck", json={"sample": 3}).json()
    assert (body["passed"], body["examples"], body["sample"]) == (True, 1, 3)
    assert all(0 <= e < 1e-6 for e in body["layers"])
    assert client.get(f"/api/sessions/{sid}").json()["step"] == 50


def test_gradcheck_does_not_fail_a_correct_backprop_on_a_small_gradient(client):
    sid = create(client)["id"]
    body = client.post(f"/api/sessions/{sid}/gradcheck", json={"sample": 85}).json()
    assert body["passed"] is True


def test_gradcheck_of_a_sample_beyond_the_training_set_is_422(client):
    sid = create(client)["id"]
    response = client.post(f"/api/sessions/{sid}/gradcheck", json={"sample": 200})
    assert response.status_code == 422
    assert response.json() == SAMPLE_199


def test_edit_a_weight_changes_the_state_and_the_losses(client):
    first = create(client)
    sid = first["id"]
    response = client.patch(f"/api/sessions/{sid}/params",
                            json={"layer": 2, "param": "W", "index": 1, "source": 3, "value": 4.5})
    assert response.status_code == 200
    body = response.json()
    assert (body["step"], body["status"]) == (0, "paused")
    assert body["metrics"]["train_loss"] != first["metrics"]["train_loss"]
    assert body["metrics"]["test_loss"] != first["metrics"]["test_loss"]
    after = weights(client, sid)
    assert after[1][1][3] == 4.5
    before = weights(client, create(client)["id"])
    before[1][1][3] = 4.5
    assert after == before  # nothing else moved


def test_edit_a_bias(client):
    sid = create(client)["id"]
    body = client.patch(f"/api/sessions/{sid}/params",
                        json={"layer": 3, "param": "b", "index": 0, "value": -7}).json()
    state = client.get(f"/api/sessions/{sid}/state").json()
    assert state["layers"][2]["b"] == [-7.0]
    # A very negative output bias: the output is near 0 everywhere, so class 1 costs about 7 each.
    assert 0.3 < body["metrics"]["train_accuracy"] < 0.7
    assert body["metrics"]["train_loss"] > 3 and state["batch"]["loss"] > 3


@pytest.mark.parametrize("edit, expected", [
    ({"layer": 4, "param": "W", "index": 0, "source": 0, "value": 1},
     refusal("no_such_layer", "layers are numbered 1 to 3", "layer", {"limit": 3})),
    ({"layer": 1, "param": "b", "index": 4, "value": 1},
     refusal("no_such_neuron", "layer 1 has 4 neurons, numbered from 0", "index",
             {"layer": 1, "neurons": 4})),
    ({"layer": 2, "param": "W", "index": 0, "source": 4, "value": 1},
     refusal("no_such_source", "a weight of layer 2 needs a source below 4", "source",
             {"layer": 2, "limit": 4})),
    ({"layer": 2, "param": "W", "index": 0, "value": 1},
     refusal("no_such_source", "a weight of layer 2 needs a source below 4", "source",
             {"layer": 2, "limit": 4})),
])
def test_edit_of_a_parameter_that_does_not_exist_is_422(client, edit, expected):
    sid = create(client)["id"]
    before = weights(client, sid)
    response = client.patch(f"/api/sessions/{sid}/params", json=edit)
    assert response.status_code == 422
    assert response.json() == expected
    assert weights(client, sid) == before


@pytest.mark.parametrize("edit, error", [
    ({"layer": 0, "param": "W", "index": 0, "source": 0, "value": 1}, ("greater_than_equal", "layer")),
    ({"layer": 1, "param": "W", "index": -1, "source": 0, "value": 1}, ("greater_than_equal", "index")),
    ({"layer": 1, "param": "a", "index": 0, "value": 1}, ("literal_error", "param")),
    ({"layer": 1, "param": "b", "index": 0, "value": 1001}, ("less_than_equal", "value")),
])
def test_edit_validates_its_fields(client, edit, error):
    sid = create(client)["id"]
    response = client.patch(f"/api/sessions/{sid}/params", json=edit)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert [(e["code"], e["field"]) for e in response.json()["errors"]] == [error]


def test_edit_while_training_runs_is_422(client):
    created = create(client)
    sid = created["id"]
    with client.websocket_connect(f"/ws?session={sid}&token={created['token']}") as ws:
        ws.receive()  # hello
        ws.send_json({"type": "play"})
        session = client.app.state.registry.sessions[sid]
        for _ in range(50):
            if session.running:
                break
            ws.receive()
        response = client.patch(f"/api/sessions/{sid}/params",
                                json={"layer": 1, "param": "W", "index": 0, "source": 0, "value": 9})
        ws.send_json({"type": "pause"})
    assert response.status_code == 422
    assert response.json() == refusal("not_paused", "pause training to edit a weight or bias", "value")
    assert session.trainer.network.layers[0].W[0, 0] != 9


def test_edit_while_running_without_a_viewer_is_422_and_pausing_allows_it(client):
    sid = create(client)["id"]
    session = client.app.state.registry.sessions[sid]
    session.set_running(True)
    edit = {"layer": 1, "param": "b", "index": 2, "value": 0.5}
    assert client.patch(f"/api/sessions/{sid}/params", json=edit).status_code == 422
    session.set_running(False)
    assert client.patch(f"/api/sessions/{sid}/params", json=edit).status_code == 200
    assert client.get(f"/api/sessions/{sid}/state").json()["layers"][0]["b"][2] == 0.5


@pytest.mark.parametrize("method, path", [
    ("post", "/inspect"), ("post", "/gradcheck"), ("patch", "/params")])
def test_the_new_endpoints_404_on_an_unknown_session(client, method, path):
    body = {"target": neuron(1, 0)} if path == "/inspect" else (
        {"layer": 1, "param": "b", "index": 0, "value": 1} if path == "/params" else {})
    response = client.request(method, f"/api/sessions/nope{path}", json=body)
    assert response.status_code == 404
    assert response.json() == UNKNOWN_SESSION
