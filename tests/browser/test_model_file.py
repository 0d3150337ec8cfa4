"""Saving the run as a model file and opening it again from the page: the new session goes on
from the same step with the same weights; a bad file is refused with the reason."""

import json

import httpx
import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


def test_a_saved_model_opens_where_it_stopped(browser, server_url, tmp_path):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    page.goto(server_url + "/")
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    for i in (1, 2, 3):
        page.click("#step")
        page.wait_for_function("n => document.querySelector('#step-count').textContent === n", arg=str(i))
    first = page.inner_text("#session-id")
    with page.expect_download() as download:
        page.click("#model-save")
    saved = tmp_path / "model.json"
    download.value.save_as(saved)
    model = json.loads(saved.read_text())
    assert model["step"] == 3
    page.set_input_files("#model-file", str(saved))
    page.wait_for_function("old => document.querySelector('#session-id').textContent !== old"
                           " && document.querySelector('#status').dataset.status === 'paused'",
                           arg=first, timeout=WAIT_MS)
    second = page.inner_text("#session-id")
    assert page.inner_text("#step-count") == "3" and second != first
    states = [httpx.get(f"{server_url}/api/sessions/{sid}/state").json() for sid in (first, second)]
    assert [layer["W"] for layer in states[0]["layers"]] == [layer["W"] for layer in states[1]["layers"]]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**model, "params": model["params"][:-1]}))
    page.set_input_files("#model-file", str(bad))
    page.wait_for_selector("#banner:not([hidden])", timeout=WAIT_MS)
    assert page.inner_text("#session-id") == second  # nothing replaced
    context.close()
