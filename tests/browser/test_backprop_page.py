"""Backprop made visible, in a real browser: a picked sample, the inspector's equations with the
engine's numbers, a step taken stage by stage, the gradient check, and weights edited by hand."""

import math

import httpx
import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
EXTENT = 6.0
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def displayed(text: str) -> float:
    """A number as format.js prints it: 0.1234, -5.6×10⁻⁷, 1,234."""
    text = text.strip().strip("()").replace(",", "").replace("−", "-")
    if "×10" in text:
        mantissa, exponent = text.split("×10")
        return float(mantissa) * 10 ** int(exponent.translate(SUPERSCRIPT))
    return float(text)


def named(page, name: str) -> list[float]:
    """The inspector's numbers of one kind (data-name), in the order they are printed."""
    return [displayed(t) for t in page.eval_on_selector_all(
        f"#inspector mn[data-name='{name}']", "els => els.map(e => e.textContent)")]


def close(value: float, expected: float, *terms: float) -> bool:
    """Equal to the precision of the page: numbers are printed to 4 significant figures, so a
    result computed from a few of them may be off by a few units in the 4th figure of each
    ``terms`` it was computed from (a small z from larger products and bias, say)."""
    scale = max(abs(expected), abs(value), *(abs(t) for t in terms))
    return abs(value - expected) <= 3e-3 * scale + 1e-12


def api(page, server_url: str, path: str = "", method: str = "GET", **body) -> dict:
    session = page.inner_text("#session-id")
    url = f"{server_url}/api/sessions/{session}{path}"
    response = httpx.request(method, url, json=body or None)
    assert response.status_code == 200, response.text
    return response.json()


def pause(page) -> None:
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Training'",
                           timeout=WAIT_MS)
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Paused'",
                           timeout=WAIT_MS)


def click_training_point(page, server_url: str, sample: int) -> None:
    """Click where the data plot draws a training example; its x is the input of layer 1,
    which the REST inspector reports."""
    found = api(page, server_url, "/inspect", "POST", sample=sample,
                target={"kind": "neuron", "layer": 1, "index": 0})
    x1, x2 = found["detail"]["forward"]["inputs"]
    box = page.locator("#boundary").bounding_box()
    page.mouse.click(box["x"] + (x1 + EXTENT) / (2 * EXTENT) * box["width"],
                     box["y"] + (EXTENT - x2) / (2 * EXTENT) * box["height"])


def wait_for_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([s, t]) => document.querySelector(s).textContent.includes(t)",
                           arg=[selector, text], timeout=WAIT_MS)


def edge_midpoint(page, index: int) -> tuple[float, float]:
    return tuple(page.evaluate("""i => {
        const path = document.querySelectorAll('#network path.edge-hit')[i];
        const point = path.getPointAtLength(path.getTotalLength() / 2);
        const box = path.ownerSVGElement.getBoundingClientRect();
        return [box.left + point.x, box.top + point.y];
    }""", index))


def test_a_picked_sample_is_followed_and_explained_at_the_output(page, server_url, screenshot_dir):
    pause(page)
    click_training_point(page, server_url, 7)
    wait_for_text(page, "#sample-note", "#7")
    assert "example #7" in page.inner_text("#batch-note")
    # The output neuron (sigmoid + cross-entropy): δ = a − y, with the reason it simplifies.
    page.locator("#network .node").last.click()
    page.wait_for_selector("#inspector mn[data-name='delta']")
    wait_for_text(page, "#inspector", "Training example #7")
    assert "cancels" in page.inner_text("#inspector")
    [a], [y], [delta] = named(page, "a")[-1:], named(page, "y"), named(page, "delta")[:1]
    assert y in (0.0, 1.0)
    assert close(delta, a - y)
    # The forward sum with every term: Σ w·a + b = z, then a = σ(z).
    w, a_in, [bias], [z] = named(page, "w"), named(page, "a-in"), named(page, "bias"), named(page, "z")
    assert len(w) == len(a_in) == 2
    products = [p * q for p, q in zip(w, a_in)]
    assert close(sum(products) + bias, z, *products, bias)
    # The same numbers as the engine's, for the same example.
    engine = api(page, server_url, "/inspect", "POST", sample=7,
                 target={"kind": "neuron", "layer": 3, "index": 0})["detail"]
    assert close(delta, engine["backward"]["delta"])
    assert close(z, engine["forward"]["z"])
    page.screenshot(path=screenshot_dir / "inspector-output-neuron.png", full_page=True)


def test_a_hidden_neurons_delta_follows_from_the_numbers_shown(page, screenshot_dir):
    pause(page)
    page.click("#next-sample")  # from the example a new session follows, #0
    wait_for_text(page, "#sample-note", "#1")
    page.locator("#network .node").nth(3).click()  # layer 1, neuron 2 (two inputs come first)
    page.wait_for_selector("#inspector mn[data-name='upstream-sum']")
    assert "Layer 1, neuron 2" in page.inner_text("#inspector h3")
    w_up, delta_up = named(page, "w-up"), named(page, "delta-up")
    [sigma_prime], [delta] = named(page, "sigma-prime")[:1], named(page, "delta")
    assert len(w_up) == len(delta_up) == 2  # the second hidden layer has two neurons
    # δ_k = (Σ_j w_jk δ_j) · σ'(z_k), recomputed from what the page prints.
    upstream = [p * q * sigma_prime for p, q in zip(w_up, delta_up)]
    assert close(sum(upstream), delta, *upstream)
    [z] = named(page, "z")
    assert close(1 - math.tanh(z) ** 2, sigma_prime)
    page.screenshot(path=screenshot_dir / "inspector-hidden-neuron.png", full_page=True)


def test_one_step_taken_stage_by_stage(page, server_url, screenshot_dir):
    pause(page)
    before = api(page, server_url)["step"]
    page.click("#walk-start")
    wait_for_text(page, "#walk-stage", "Stage 1 of 9")
    pending = "() => document.querySelectorAll('#network .node.pending').length"
    assert page.evaluate(pending) == 4 + 2 + 1  # only the input is computed
    seen = []
    for stage in range(2, 10):
        page.keyboard.press("ArrowRight")
        wait_for_text(page, "#walk-stage", f"Stage {stage} of 9")
        seen.append(page.inner_text("#walk-description").split(":")[0])
        if stage == 2:
            assert page.evaluate(pending) == 2 + 1  # forward has reached layer 1
        if stage == 3:
            assert page.evaluate(pending) == 1  # and layer 2
        if stage == 7:  # backward has reached layer 2: δ labels appear right to left
            labels = page.eval_on_selector_all("#network .node-value", "els => els.map(e => e.textContent)")
            assert labels[-1].startswith("δ") and labels[-3].startswith("δ")
            assert not labels[2].startswith("δ")
            page.screenshot(path=screenshot_dir / "walkthrough-backward.png", full_page=True)
    assert seen == ["Forward, layer 1", "Forward, layer 2", "Forward, layer 3", "Loss",
                    "Backward, layer 3 (output)", "Backward, layer 2", "Backward, layer 1",
                    "Update"]
    page.keyboard.press("ArrowLeft")
    wait_for_text(page, "#walk-stage", "Stage 8 of 9")
    page.keyboard.press("ArrowRight")
    wait_for_text(page, "#walk-stage", "Stage 9 of 9")
    assert page.inner_text("#walk-next") == "Apply the update"
    assert api(page, server_url)["step"] == before  # nothing applied yet
    page.click("#walk-next")
    wait_for_text(page, "#walk-stage", "Stage 1 of 9")
    assert api(page, server_url)["step"] == before + 1
    page.click("#walk-stop")
    page.wait_for_selector("#walk-start:not([hidden])")


def test_the_gradient_check_agrees_with_backprop(page, screenshot_dir):
    page.wait_for_selector("#network .node")
    page.click("#gradcheck")
    page.wait_for_selector("#gradcheck-result li")
    rows = page.locator("#gradcheck-result li")
    assert rows.count() == 3
    for i in range(3):
        assert rows.nth(i).get_attribute("class") == "pass"
        assert float(rows.nth(i).get_attribute("data-error")) < 1e-6
    page.screenshot(path=screenshot_dir / "gradient-check.png", full_page=True)


def test_weights_edited_by_typing_and_by_dragging(page, server_url, screenshot_dir):
    pause(page)
    loss_before = api(page, server_url)["metrics"]["train_loss"]
    # Type a weight into the inspector: W¹[0, 0] (from x1 to the first hidden neuron).
    x, y = edge_midpoint(page, 0)
    page.mouse.click(x, y)
    page.wait_for_selector("#inspector mn[data-name='weight-after']")
    assert "Weight from neuron 1 of layer 0 to neuron 1 of layer 1" in page.inner_text("#inspector h3")
    # w ← w − η ∂C/∂w: the weight appears on both sides, and once more inside ∂C/∂w.
    update = page.locator("#inspector .inspect-section").nth(1).locator("math")
    assert update.locator("msubsup > mi:first-child").count() == 3
    page.fill("#inspector-value", "4.5")
    page.click("#inspector button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector(\"#inspector mn[data-name='weight']\")?.textContent === '4.5'",
        timeout=WAIT_MS)
    state = api(page, server_url, "/state")
    assert state["layers"][0]["W"][0][0] == 4.5
    assert state["metrics"]["train_loss"] != loss_before
    # Drag another weight upwards: it grows, by about one unit per 40 pixels.
    w_before = state["layers"][0]["W"][1][0]
    x, y = edge_midpoint(page, 2)  # from x1 to the second hidden neuron
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 40, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "([url, w]) => fetch(url).then(r => r.json()).then(s => s.layers[0].W[1][0] > w + 0.5)",
        arg=[f"{server_url}/api/sessions/{page.inner_text('#session-id')}/state", w_before],
        timeout=WAIT_MS)
    page.screenshot(path=screenshot_dir / "weight-edited.png", full_page=True)
