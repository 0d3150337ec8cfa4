"""Client errors the issue found answered with 500 and a traceback: each is a 4xx now."""

import math

import pytest

from app.api.refusals import body
from app.errors import Refused

JSON = {"content-type": "application/json"}


def steered(client) -> str:
    """A new session whose token the client sends from now on."""
    created = client.post("/api/sessions").json()
    client.headers["X-Session-Token"] = created["token"]
    return created["id"]
CSV = {"content-type": "text/csv"}
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "9" * 400]


@pytest.mark.parametrize("token", NON_FINITE)
@pytest.mark.parametrize(("method", "path", "template"), [
    ("post", "/api/sessions", '{"training": {"learning_rate": %s}}'),
    ("post", "/api/sessions", '{"data": {"n_samples": %s}}'),
    ("post", "/api/sessions", '{"network": {"hidden_layers": [%s]}}'),
    ("put", "/api/sessions/{sid}/config", '{"data": {"noise": %s}}'),
    ("post", "/api/sessions/{sid}/train", '{"steps": %s}'),
    ("post", "/api/sessions/{sid}/reset", '{"seed": %s}'),
    ("post", "/api/sessions/{sid}/inspect", '{"target": {"kind": "neuron", "layer": %s, "index": 0}}'),
    ("patch", "/api/sessions/{sid}/params", '{"layer": 1, "param": "b", "index": 0, "value": %s}'),
])
def test_non_finite_and_huge_numbers_are_refused_not_crashed_on(client, method, path, template,
                                                                 token):
    sid = steered(client)
    response = client.request(method, path.format(sid=sid), content=template % token, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["code"] in ("invalid", "invalid_config", "limit", "no_such_target")


def test_a_csv_line_beyond_the_csv_modules_field_limit_is_refused(client):
    sid = steered(client)
    body = "a" * 200_000 + ",b\n" + "1,2\n" * 20
    response = client.put(f"/api/sessions/{sid}/csv", content=body, headers=CSV)
    assert response.status_code == 422 and response.json()["code"] == "csv"


def test_a_csv_cell_longer_than_the_limit_is_refused_with_its_place(make_client):
    client = make_client(max_csv_cell_chars=10)
    sid = steered(client)
    body = "a,b\n" + "1,2\n" * 5 + "1,22222222222\n" + "1,2\n" * 10
    response = client.put(f"/api/sessions/{sid}/csv", content=body, headers=CSV)
    assert response.status_code == 422
    assert response.json()["params"] == {"detail": "a cell of 11 characters; at most 10 are allowed",
                                         "row": 7, "column": 2, "name": ""}  # before any name is read


@pytest.mark.parametrize("target", ["¹", "٣", "1_0", "9" * 5000])
def test_a_target_that_only_looks_like_a_number_is_a_name(client, target):
    sid = steered(client)
    response = client.put(f"/api/sessions/{sid}/csv", params={"target": target},
                          content="a,b\n" + "1,2\n" * 20, headers=CSV)
    assert response.status_code == 422
    assert response.json()["params"]["detail"].startswith("no column is named")


def test_a_refusal_holding_a_non_finite_number_is_still_sent():
    response = body(422, Refused("limit", "too much", params={"limit": math.nan}).refusal())
    assert response.status_code == 422 and b'"limit":null' in response.body
