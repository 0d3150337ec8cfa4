"""Every kind of problem in a real browser: several classes, regression, digits, your CSV, and
the training panel's options."""

import json

import httpx
import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 90_000


def wait_for(page, script: str, arg=None) -> None:
    page.wait_for_function(script, arg=arg, timeout=WAIT_MS)


def config(page, server_url: str) -> dict:
    session = page.inner_text("#session-id")
    return httpx.get(f"{server_url}/api/sessions/{session}").json()["config"]


def percent(page, selector: str) -> float:
    text = page.inner_text(selector)
    return float(text.rstrip("%")) if text.endswith("%") else float("nan")


def choose(page, dataset: str, view: str) -> None:
    """Pick a dataset and wait until the server's new layout (with its result view) is drawn."""
    page.wait_for_selector("#network .node")
    page.click(f".dataset.{dataset}")
    wait_for(page, "([name, view]) => document.body.dataset.view === view"
             " && document.querySelector(`.dataset.${name}`).getAttribute('aria-checked') === 'true'"
             " && document.querySelector('#status').textContent === 'Training'", [dataset, view])


def test_several_classes_get_softmax_regions_and_a_confusion_matrix(page, server_url, screenshot_dir):
    choose(page, "blobs", "regions")
    assert (page.input_value("#output-activation"), page.input_value("#loss")) == (
        "softmax", "categorical_cross_entropy")
    page.fill("#classes", "4")
    page.dispatch_event("#classes", "change")
    wait_for(page, "() => document.querySelectorAll('#confusion tbody tr').length === 4")
    page.select_option("#speed", "1000")
    wait_for(page, "() => parseFloat(document.querySelector('#test-accuracy').textContent) >= 90")
    assert page.locator("#plane-view").is_visible() and page.locator("#plane-legend").is_hidden()
    assert page.locator("#network .node-label.class").count() == 4
    assert page.locator("#confusion").is_visible()
    assert config(page, server_url)["data"]["classes"] == 4
    page.screenshot(path=screenshot_dir / "multiclass-blobs.png", full_page=True)


def test_a_1d_regression_draws_the_curve_over_the_points(page, server_url, screenshot_dir):
    choose(page, "sin", "curve")
    assert (page.input_value("#output-activation"), page.input_value("#loss")) == ("linear", "mse")
    assert page.locator("#curve-view").is_visible() and page.locator("#plane-view").is_hidden()
    assert page.locator("#confusion").is_hidden() and page.locator("#features").is_hidden()
    page.select_option("#speed", "1000")
    page.wait_for_function("() => Number(document.querySelector('#step-count').textContent.replace(/,/g, '')) > 50",
                           timeout=WAIT_MS)
    first = float(page.inner_text("#train-loss"))
    wait_for(page, "limit => Number(document.querySelector('#train-loss').textContent) < limit", first / 3)
    assert page.inner_text("#train-accuracy") == "–"
    page.screenshot(path=screenshot_dir / "regression-sin.png", full_page=True)


def test_a_2d_regression_is_a_surface_with_its_range(page, screenshot_dir):
    choose(page, "saddle", "surface")
    assert page.locator("#plane-view").is_visible()
    wait_for(page, "() => document.querySelector('#legend-low').textContent !== 'class 0'")
    low, high = float(page.inner_text("#legend-low")), float(page.inner_text("#legend-high"))
    assert low < high
    page.screenshot(path=screenshot_dir / "regression-saddle.png", full_page=True)


def test_digits_show_images_predictions_and_a_confusion_matrix(page, server_url, screenshot_dir):
    choose(page, "digits", "gallery")
    assert page.inner_text("#samples-value") == "1797"  # all of them
    wait_for(page, "() => document.querySelectorAll('#gallery canvas').length === 24")
    assert page.locator("#confusion tbody tr").count() == 10
    assert page.locator("#network foreignObject canvas.pixelated").count() >= 1 + 4  # image + weights
    assert page.locator("#network .node.input").count() == 0  # 64 inputs drawn as one picture
    session = page.inner_text("#session-id")
    current = config(page, server_url)
    current["network"]["hidden_layers"] = [16]
    current["training"].update(optimizer="adam", learning_rate=0.01)
    # Steering over REST takes the token, which the page keeps in the tab and never shows.
    kept = json.loads(page.evaluate("sessionStorage.getItem('backprop-playground-token')"))
    assert kept["session"] == session and kept["token"] not in page.content()
    assert httpx.put(f"{server_url}/api/sessions/{session}/config", json=current,
                     headers={"X-Session-Token": kept["token"]}).status_code == 200
    page.select_option("#speed", "1000")
    wait_for(page, "() => parseFloat(document.querySelector('#test-accuracy').textContent) >= 85")
    assert "right" in page.inner_text("#gallery")
    page.screenshot(path=screenshot_dir / "digits.png", full_page=True)


def test_the_training_panel_reaches_the_engine(page, server_url, screenshot_dir):
    page.wait_for_selector("#network .node")
    page.select_option("#optimizer", "adam")
    wait_for(page, "() => document.querySelectorAll('#optimizer-settings input').length === 3")
    page.fill("#optimizer-settings input[name=beta1]", "0.8")
    page.dispatch_event("#optimizer-settings input[name=beta1]", "change")
    page.select_option("#regularization", "l2")
    wait_for(page, "() => !document.querySelector('#penalty-note').hidden")
    page.select_option("#decay", "inverse_time")
    page.select_option("#init", "he")
    page.select_option(".layer-activation >> nth=1", "leaky_relu")
    wait_for(page, "() => document.querySelectorAll('#leaky-settings input').length === 1")
    wait_for(page, "() => document.querySelector('#status').textContent === 'Training'")
    current = config(page, server_url)
    assert current["training"]["optimizer"] == "adam" and current["training"]["beta1"] == 0.8
    assert (current["training"]["regularization"], current["training"]["decay"]) == ("l2", "inverse_time")
    assert current["network"]["init"] == "he"
    assert current["network"]["hidden_activations"] == ["tanh", "leaky_relu"]
    page.check("#features input[value=x1_squared]")
    wait_for(page, "() => document.querySelectorAll('#network .node.input').length === 3")
    assert "x₁²" in page.inner_text("#network")
    page.screenshot(path=screenshot_dir / "training-panel.png", full_page=True)


def test_your_own_csv_is_trained_on_and_a_bad_one_is_explained(page, server_url, tmp_path, screenshot_dir):
    page.wait_for_selector("#network .node")
    good = tmp_path / "rent.csv"
    good.write_text("area,rooms,rent\n" + "\n".join(
        f"{40 + 3 * i},{1 + i % 4},{0.3 + 0.012 * (40 + 3 * i)}" for i in range(60)))
    page.click(".upload summary")
    page.set_input_files("#csv-file", str(good))
    wait_for(page, "() => document.querySelector('#upload-status').textContent.includes('target “rent”')")
    assert page.locator("#parity-view").is_visible()
    assert page.locator(".dataset.csv").is_visible()
    assert page.locator("#network .node.input").count() == 2
    assert "area" in page.inner_text("#network")
    page.screenshot(path=screenshot_dir / "csv-regression.png", full_page=True)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,oops\n" + "1,2\n" * 12)
    page.expected_console_errors.append("status of 422")
    page.set_input_files("#csv-file", str(bad))
    wait_for(page, "() => !document.querySelector('#banner').hidden")
    assert "row 3, column 2 (b)" in page.inner_text("#banner")
    assert config(page, server_url)["data"]["dataset"] == "csv"  # the good table stays
