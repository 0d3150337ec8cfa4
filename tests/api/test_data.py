"""Issue 4 over REST: every option in a config, your own CSV, predictions of every task."""

import numpy as np
import pytest

from app.frames import layout_message

RENT_CSV = "area,rooms,rent\n" + "\n".join(
    f"{40 + 3 * i},{1 + i % 4},{0.3 + 0.012 * (40 + 3 * i) + 0.01 * (i % 3)}" for i in range(40))
CLASSES_CSV = "a;b;kind\n" + "\n".join(f"{i % 7};{(i * 3) % 5};{i % 3}" for i in range(30))


def create(client, **config) -> str:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    client.headers["X-Session-Token"] = response.json()["token"]  # steer what was made
    return response.json()["id"]


def test_every_engine_option_is_reachable_and_training_lowers_the_loss(client):
    sid = create(client, network={"hidden_layers": [8, 6], "hidden_activations": ["leaky_relu", "elu"],
                                  "leaky_slope": 0.05, "output_activation": "softmax",
                                  "loss": "categorical_cross_entropy", "init": "he"},
                 data={"dataset": "multi_spiral", "classes": 4, "features": ["x1", "x2", "sin_x1"],
                       "scaling": "minmax", "n_samples": 400},
                 training={"optimizer": "adam", "learning_rate": 0.01, "beta1": 0.85,
                           "decay": "exponential", "decay_rate": 0.9, "decay_steps": 500,
                           "regularization": "l2", "regularization_rate": 0.0001})
    state = client.get(f"/api/sessions/{sid}/state").json()
    assert [layer["activation"] for layer in state["layers"]] == ["leaky_relu", "elu", "softmax"]
    assert len(state["layers"][0]["W"][0]) == 3 and len(state["layers"][-1]["b"]) == 4
    first = state["metrics"]["train_loss"]
    assert state["metrics"]["penalty"] > 0
    trained = client.post(f"/api/sessions/{sid}/train", json={"steps": 600}).json()
    assert trained["metrics"]["train_loss"] < 0.7 * first


@pytest.mark.parametrize("config, code, field, words", [
    ({"network": {"output_activation": "softmax", "loss": "mse"}},
     "softmax_needs_classes", "network.output_activation", "softmax needs several classes"),
    ({"data": {"dataset": "sin"}}, "bce_needs_classes", "network.loss", "regression"),
    ({"network": {"hidden_layers": [3, 3], "hidden_activations": ["tanh"]}},
     "one_per_layer", "network.hidden_activations", "one per hidden layer"),
    ({"network": {"hidden_activations": ["softmax", "tanh"]}},
     "literal_error", "network.hidden_activations.0", "Input should be"),
    ({"data": {"dataset": "blobs", "classes": 6}, "network": {"output_activation": "softmax",
      "loss": "categorical_cross_entropy"}}, "less_than_equal", "data.classes", "less than or equal to 5"),
    ({"data": {"dataset": "csv"}}, "no_table", "data.dataset", "upload a CSV file first"),
])
def test_unworkable_combinations_are_422_with_the_reason(client, config, code, field, words):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any((e["code"], e["field"]) == (code, field) and words in e["message"] for e in errors), errors


def test_a_csv_table_is_trained_on_as_a_regression(client):
    sid = create(client)
    response = client.put(f"/api/sessions/{sid}/csv", content=RENT_CSV,
                          headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["config"]["data"]["dataset"] == "csv"
    assert body["config"]["data"]["scaling"] == "standardize"
    assert (body["config"]["network"]["output_activation"], body["config"]["network"]["loss"]) == ("linear", "mse")
    first = body["metrics"]["train_loss"]
    assert body["metrics"]["train_accuracy"] is None
    trained = client.post(f"/api/sessions/{sid}/train", json={"steps": 400}).json()
    assert trained["metrics"]["train_loss"] < 0.5 * first
    predicted = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[100, 2]]}).json()
    assert predicted["classes"] == [None]
    assert abs(predicted["outputs"][0][0] - (0.3 + 1.2)) < 0.3  # rent for 100 m²


def test_a_csv_target_chosen_by_name_makes_a_multiclass_task(client):
    sid = create(client)
    response = client.put(f"/api/sessions/{sid}/csv?target=kind", content=CLASSES_CSV,
                          headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    network = response.json()["config"]["network"]
    assert (network["output_activation"], network["loss"]) == ("softmax", "categorical_cross_entropy")
    state = client.get(f"/api/sessions/{sid}/state").json()
    assert len(state["layers"][-1]["b"]) == 3


@pytest.mark.parametrize("text, words", [
    ("a,b\n1,2\n3,x\n" + "1,2\n" * 10, "row 3, column 2 (b): 'x' is not a number"),
    ("a,b\n1,2\n", "at least 10 are needed"),
    ("", "no rows"),
])
def test_a_bad_csv_is_422_naming_row_and_column(client, text, words):
    sid = create(client)
    response = client.put(f"/api/sessions/{sid}/csv", content=text, headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert response.json()["code"] == "csv"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("csv", "csv") and words in error["message"], error
    # The session carries on with its own data.
    assert client.get(f"/api/sessions/{sid}").json()["config"]["data"]["dataset"] == "circle"


def test_a_csv_larger_than_the_limit_is_refused(make_client):
    client = make_client(max_csv_bytes=1000)
    sid = create(client)
    response = client.put(f"/api/sessions/{sid}/csv", content="a,b\n" + "1,2\n" * 400,
                          headers={"content-type": "text/csv"})
    # Refused before it is read (app/api/limits.py), as every body over its limit is.
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "max_csv_bytes" in response.json()["message"]
    assert response.json()["params"] == {"limit": 1000, "setting": "max_csv_bytes"}


def test_predict_takes_examples_as_the_dataset_gives_them(client):
    sid = create(client, data={"dataset": "blobs"},
                 network={"output_activation": "softmax", "loss": "categorical_cross_entropy"})
    client.post(f"/api/sessions/{sid}/train", json={"steps": 300})
    out = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[0, 0], [3, -2]]}).json()
    assert len(out["outputs"][0]) == 3 and sum(out["outputs"][0]) == pytest.approx(1.0)
    assert out["classes"] == [int(np.argmax(row)) for row in out["outputs"]]
    wrong = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[1, 2, 3]]})
    assert wrong.status_code == 422 and wrong.json()["code"] == "shape"
    assert "2 values per example" in wrong.json()["errors"][0]["message"]
    assert wrong.json()["errors"][0]["field"] == "inputs.0"


def test_a_new_optimizer_carries_on_from_the_current_weights(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/train", json={"steps": 50})
    before = client.get(f"/api/sessions/{sid}/state").json()["layers"][0]["W"]
    config = client.get(f"/api/sessions/{sid}").json()["config"]
    config["training"].update(optimizer="momentum", momentum=0.8, regularization="l1")
    after = client.put(f"/api/sessions/{sid}/config", json=config).json()
    assert after["step"] == 50 and after["config"]["training"]["optimizer"] == "momentum"
    assert client.get(f"/api/sessions/{sid}/state").json()["layers"][0]["W"] == before


def test_a_csv_target_in_thousands_is_learnt_standardized_and_answered_in_its_units(client):
    """Rents in euros: the network learns them standardized at the usual learning rate, and
    every answer (predict, the parity plot's axes and points) is in euros again."""
    rows = "\n".join(f"{area},{rooms},{1000 + 12 * area + 50 * rooms}"
                     for area, rooms in zip(range(30, 230, 5), [1, 2, 3, 4] * 10))
    sid = create(client)
    body = client.put(f"/api/sessions/{sid}/csv", content="area,rooms,rent\n" + rows,
                      headers={"content-type": "text/csv"}).json()
    first = body["metrics"]["train_loss"]
    assert first < 10  # of order one: standardized, not (euros)²
    trained = client.post(f"/api/sessions/{sid}/train", json={"steps": 600}).json()
    assert trained["status"] == "paused" and trained["metrics"]["train_loss"] < 0.1 * first
    [[rent]] = client.post(f"/api/sessions/{sid}/predict", json={"inputs": [[100, 2]]}).json()["outputs"]
    assert abs(rent - (1000 + 1200 + 100)) < 150
    session = client.app.state.registry.sessions[sid]
    layout = layout_message(session, 10, 4)
    low, high = layout.y_range
    assert (layout.view, low > 1000, high > 3000) == ("parity", True, True)
    assert min(layout.parity_targets) > 1000
