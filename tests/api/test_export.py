"""GET /api/sessions/{id}/export and POST /api/sessions/import: a session saved as a model file
and started again from it trains on bit-identically; bad files are refused with the field."""

import json

import numpy as np
import pytest

from app.config import Limits
from app.engine.network import parameter_count
from app.modelfile import FORMAT, FORMAT_VERSION

XOR = {"network": {"hidden_layers": [5, 3]}, "data": {"dataset": "xor", "n_samples": 200},
       "training": {"batch_size": 7, "learning_rate": 0.05}, "seed": 3}


def create(client, config) -> tuple[str, dict]:
    made = client.post("/api/sessions", json=config)
    assert made.status_code == 201, made.text
    return made.json()["id"], {"X-Session-Token": made.json()["token"]}


def train(client, sid: str, token: dict, steps: int) -> None:
    answer = client.post(f"/api/sessions/{sid}/train", json={"steps": steps}, headers=token)
    assert answer.status_code == 200 and answer.json()["status"] == "paused", answer.text


def export(client, sid: str) -> dict:
    answer = client.get(f"/api/sessions/{sid}/export")
    assert answer.status_code == 200, answer.text
    return answer.json()


def imported(client, file: dict) -> tuple[str, dict]:
    answer = client.post("/api/sessions/import", json=file)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], {"X-Session-Token": answer.json()["token"]}


@pytest.fixture
def saved(client) -> dict:
    sid, token = create(client, XOR)
    train(client, sid, token, 20)
    return export(client, sid)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_an_imported_session_trains_on_bit_identically(client, optimizer):
    """500 steps, export, import, 300 more on both: the same parameters and optimizer state to
    the last bit (step 500 falls in the middle of an epoch of 100 examples in batches of 7)."""
    config = {**XOR, "training": {**XOR["training"], "optimizer": optimizer,
                                  "decay": "exponential", "decay_steps": 200}}
    original, token = create(client, config)
    train(client, original, token, 500)
    copy, copy_token = imported(client, export(client, original))
    assert copy != original
    train(client, original, token, 300)
    train(client, copy, copy_token, 300)
    ours, theirs = export(client, original), export(client, copy)
    assert np.array_equal(np.array(ours["params"]), np.array(theirs["params"]))
    assert np.array_equal(np.array(ours["optimizer"]["arrays"]), np.array(theirs["optimizer"]["arrays"]))
    assert ours == theirs
    assert ours["step"] == 800 and len(ours["optimizer"]["arrays"]) == {"sgd": 0, "momentum": 1, "adam": 2}[optimizer]


def test_the_file_says_what_it_is_and_carries_the_whole_state(client, saved):
    sizes = [2, 5, 3, 1]
    assert (saved["format"], saved["version"]) == (FORMAT, FORMAT_VERSION)
    assert saved["engine"].startswith("backprop-playground")
    assert saved["sizes"] == sizes and len(saved["params"]) == parameter_count(sizes)
    assert saved["optimizer"] == {"steps_taken": 20, "arrays": []}
    assert (saved["step"], saved["examples_seen"], saved["cursor"]) == (20, 140, 42)
    assert sorted(saved["order"]) == list(range(100))
    assert saved["rng"]["bit_generator"] == "PCG64" and saved["rng"]["state"].startswith("0x")
    assert saved["history"][0][0] == 0 and saved["history"][-1][0] == 20


def test_the_imported_session_shows_the_same_summary_and_weights(client, saved):
    sid, _ = imported(client, saved)
    summary = client.get(f"/api/sessions/{sid}").json()
    assert (summary["step"], summary["config"]) == (20, saved["config"])
    assert summary["history"] == saved["history"] and summary["epoch"] == 1.4
    flat = [w for layer in client.get(f"/api/sessions/{sid}/state").json()["layers"]
            for w in [*np.ravel(layer["W"]), *layer["b"]]]
    assert flat == saved["params"]


def test_the_import_answers_a_token_that_steers_the_new_session(client, saved):
    sid, token = imported(client, saved)
    assert client.post(f"/api/sessions/{sid}/reset", headers=token).status_code == 200
    assert client.post(f"/api/sessions/{sid}/reset").status_code == 403


def refused(client, file, status: int = 422) -> dict:
    answer = client.post("/api/sessions/import", content=file if isinstance(file, str) else json.dumps(file),
                         headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"code", "message", "params", "errors"}
    return answer.json()


def fields(body: dict) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in body["errors"]]


def test_wrong_lengths_are_refused_with_the_field_and_the_count(client, saved):
    body = refused(client, {**saved, "params": saved["params"][:-1]})
    assert body["code"] == "invalid_model"
    assert body["errors"] == [{"field": "params", "code": "wrong_length",
                               "message": "37 values for this config, not 36",
                               "params": {"expected": 37, "got": 36}}]


def test_optimizer_state_of_the_wrong_size_or_kind_is_refused(client, saved):
    momentum = {**saved, "config": {**saved["config"], "training": {**saved["config"]["training"],
                                                                      "optimizer": "momentum"}}}
    body = refused(client, {**momentum, "optimizer": {"steps_taken": 3, "arrays": [[0.0] * 36]}})
    assert fields(body) == [("optimizer.arrays.0", "wrong_length")]
    body = refused(client, {**saved, "optimizer": {"steps_taken": 3, "arrays": [[0.0] * 37]}})
    assert fields(body) == [("optimizer.arrays", "wrong_length")]  # sgd keeps no state


def test_sizes_that_are_not_the_config_s_network_are_refused(client, saved):
    body = refused(client, {**saved, "sizes": [2, 5, 1]})
    assert body["errors"][0]["params"] == {"sizes": "2 5 3 1"}
    assert fields(body) == [("sizes", "wrong_sizes")]


def test_an_order_that_is_not_a_permutation_and_a_cursor_past_it_are_refused(client, saved):
    order = [0, *saved["order"][1:]]
    body = refused(client, {**saved, "order": order if order != saved["order"] else [1] * 100,
                            "cursor": 101})
    assert fields(body) == [("order", "not_a_permutation"), ("cursor", "limit")]


def test_nan_and_infinity_are_refused_as_not_finite(client, saved):
    text = json.dumps(saved).replace(json.dumps(saved["params"][3]), "NaN", 1)
    assert "NaN" in text
    body = refused(client, text)
    assert fields(body) == [("params.3", "finite_number")]
    text = json.dumps({**saved, "optimizer": {"steps_taken": 1, "arrays": [[1e999] + [0.0] * 36]}})
    assert fields(refused(client, text)) == [("optimizer.arrays.0.0", "finite_number")]


def test_an_unknown_version_or_format_is_refused(client, saved):
    body = refused(client, {**saved, "version": 2})
    assert fields(body) == [("version", "literal_error")]
    assert fields(refused(client, {**saved, "format": "something-else"})) == [("format", "literal_error")]


def test_a_config_over_the_limits_is_refused_before_anything_is_built(make_client, saved):
    client = make_client(max_neurons_per_layer=4)
    body = refused(client, saved)
    assert body["code"] == "invalid_model"
    assert fields(body) == [("config.network.hidden_layers.0", "limit")]
    assert client.app.state.registry.sessions == {}


def test_a_file_over_the_size_limit_is_413_before_it_is_parsed(make_client, saved):
    client = make_client(max_model_bytes=5000)
    body = refused(client, {**saved, "history": saved["history"] * 20}, status=413)
    assert body["code"] == "too_large" and body["params"] == {"limit": 5000, "setting": "max_model_bytes"}
    assert len(json.dumps(saved)) < 5000 and client.post("/api/sessions/import", json=saved).status_code == 201


def test_the_largest_session_s_export_fits_the_import_limit(client):
    """Digits through six layers of 16 with Adam, the loss history full: under max_model_bytes."""
    config = {"network": {"hidden_layers": [16] * 6, "output_activation": "softmax",
                          "loss": "categorical_cross_entropy"},
              "data": {"dataset": "digits", "n_samples": 1797, "test_ratio": 0.1},
              "training": {"optimizer": "adam"}}
    sid, token = create(client, config)
    train(client, sid, token, 1)
    history = client.app.state.registry.sessions[sid].trainer.history
    history.rows = [(step, 1 / 3 + step, 2 / 3 + step) for step in range(history.capacity)]
    answer = client.get(f"/api/sessions/{sid}/export")
    assert len(answer.content) < Limits().max_model_bytes / 5
    imported(client, answer.json())


def test_a_diverged_session_is_not_exported(client):
    sid, token = create(client, {"network": {"hidden_layers": [], "output_activation": "linear",
                                             "loss": "mse"}, "data": {"dataset": "plane_2d"},
                                 "training": {"learning_rate": 100}})
    client.post(f"/api/sessions/{sid}/train", json={"steps": 100}, headers=token)
    answer = client.get(f"/api/sessions/{sid}/export")
    assert answer.status_code == 422 and answer.json()["code"] == "diverged"


def test_a_session_on_an_uploaded_table_is_neither_exported_nor_imported(client, saved):
    sid, token = create(client, None)
    table = "a,b,y\n" + "".join(f"{i},{i % 3},{i * 2 + 1}\n" for i in range(30))
    assert client.put(f"/api/sessions/{sid}/csv", content=table, headers=token).status_code == 200
    answer = client.get(f"/api/sessions/{sid}/export")
    assert answer.status_code == 422 and answer.json()["code"] == "table_not_exported"
    csv = {**saved, "config": {**saved["config"], "data": {**saved["config"]["data"], "dataset": "csv"}}}
    assert fields(refused(client, csv)) == [("config.data.dataset", "table_not_exported")]


def test_an_unknown_session_has_nothing_to_export(client):
    answer = client.get("/api/sessions/nope/export")
    assert answer.status_code == 404 and answer.json()["code"] == "session_not_found"


def test_a_file_full_of_bad_numbers_gets_a_short_answer(client, saved):
    """Thousands of bad entries: the first 20 named, the count in params, not one error each."""
    answer = client.post("/api/sessions/import", json={**saved, "params": ["x"] * 5000})
    assert answer.status_code == 422
    body = answer.json()
    assert body["params"] == {"errors": 5000} and len(body["errors"]) == 20
    assert len(answer.content) < 5000


def test_counts_past_two_to_the_53_are_refused(client, saved):
    body = refused(client, {**saved, "step": 2**53 + 1, "examples_seen": 10**400})
    assert fields(body) == [("step", "less_than_equal"), ("examples_seen", "less_than_equal")]
