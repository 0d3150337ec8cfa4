"""The page in a real browser: drawn, training, editable, explained by hover, safe to diverge."""

import httpx
import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


def number(page, selector: str) -> float:
    return float(page.inner_text(selector).replace(",", ""))


def wait_for_steps(page, at_least: int) -> None:
    page.wait_for_function(
        "n => Number(document.querySelector('#step-count').textContent.replace(/,/g, '')) >= n",
        arg=at_least, timeout=WAIT_MS)


def node_count(page) -> int:
    return page.locator("#network .node").count()


def test_page_draws_the_network_and_the_loss_falls(page, screenshot_dir):
    page.wait_for_selector("#network .node")
    assert node_count(page) == 2 + 4 + 2 + 1
    assert page.locator("#network path.edge").count() == 2 * 4 + 4 * 2 + 2 * 1
    wait_for_steps(page, 1)
    first_loss = number(page, "#train-loss")
    page.select_option("#speed", "1000")
    page.wait_for_function(
        "limit => Number(document.querySelector('#train-loss').textContent) < limit",
        arg=first_loss * 0.5, timeout=WAIT_MS)
    assert page.inner_text("#status") == "Training"
    assert page.inner_text("#test-accuracy").endswith("%")
    widths = page.eval_on_selector_all(
        "#network path.edge", "els => els.map(e => Number(e.getAttribute('stroke-width')))")
    assert len(set(widths)) > 1, "weight magnitudes should be drawn as different widths"
    page.screenshot(path=screenshot_dir / "training.png", full_page=True)


def test_pause_and_single_step(page, server_url):
    wait_for_steps(page, 1)
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Paused'",
                           timeout=WAIT_MS)
    session = page.inner_text("#session-id")
    paused_at = httpx.get(f"{server_url}/api/sessions/{session}").json()["step"]
    wait_for_steps(page, paused_at)
    page.click("#step")
    wait_for_steps(page, paused_at + 1)
    assert number(page, "#step-count") == paused_at + 1
    assert httpx.get(f"{server_url}/api/sessions/{session}").json()["step"] == paused_at + 1


def test_architecture_changes_take_effect_without_reload(page, screenshot_dir):
    page.wait_for_selector("#network .node")
    page.click("#add-layer")
    page.wait_for_function("() => document.querySelectorAll('#network .node').length === 11",
                           timeout=WAIT_MS)
    page.locator("#column-heads button[aria-label='Add a neuron to layer 1']").click()
    page.wait_for_function("() => document.querySelectorAll('#network .node').length === 12",
                           timeout=WAIT_MS)
    page.click("#remove-layer")
    page.wait_for_function("() => document.querySelectorAll('#network .node').length === 10",
                           timeout=WAIT_MS)
    page.click("#datasets button[data-name='xor']")
    page.wait_for_selector("#datasets button[data-name='xor'][aria-checked='true']")
    page.select_option("#activation", "relu")
    page.wait_for_function("() => document.querySelector('#activation').value === 'relu'")
    wait_for_steps(page, 20)
    page.screenshot(path=screenshot_dir / "architecture.png", full_page=True)


def test_delta_fill_and_hover_show_backprop_numbers(page, screenshot_dir):
    page.wait_for_selector("#network .node")
    wait_for_steps(page, 5)
    page.check("input[name='fill'][value='delta']")
    page.wait_for_function("() => document.querySelector('#fill-note').textContent.includes('logarithmic scale')",
                           timeout=WAIT_MS)
    page.locator("#network .node").nth(3).hover()
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    for name in ("Layer 1, neuron 2", "z", "a", "δ = ∂C/∂z", "∂C/∂b"):
        assert name in text
    page.screenshot(path=screenshot_dir / "hover-neuron-delta.png")
    page.mouse.move(0, 0)
    tooltip.wait_for(state="hidden")
    box = page.locator("#network path.edge-hit").first.bounding_box()
    middle = {"x": box["width"] / 2, "y": box["height"] / 2}
    page.locator("#network path.edge-hit").first.hover(position=middle, force=True)
    tooltip.wait_for(state="visible")
    assert "∂C/∂w" in tooltip.inner_text()


def test_divergence_is_reported_and_reset_recovers(page, screenshot_dir):
    wait_for_steps(page, 1)
    page.select_option("#loss", "mse")
    page.select_option("#output-activation", "linear")
    page.select_option("#learning-rate", "100")
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Diverged'",
                           timeout=WAIT_MS)
    assert "diverged" in page.inner_text("#banner")
    page.screenshot(path=screenshot_dir / "diverged.png")
    page.select_option("#learning-rate", "0.01")
    page.click("#reset")
    page.wait_for_function("() => document.querySelector('#status').textContent !== 'Diverged'",
                           timeout=WAIT_MS)
    assert page.locator("#banner").is_hidden()


def test_an_output_the_loss_cannot_take_switches_the_loss_instead_of_being_refused(page, server_url):
    wait_for_steps(page, 1)
    assert page.input_value("#loss") == "binary_cross_entropy"
    page.select_option("#output-activation", "tanh")
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Training'"
                           " && document.querySelector('#loss').value === 'mse'", timeout=WAIT_MS)
    session = page.inner_text("#session-id")
    network = httpx.get(f"{server_url}/api/sessions/{session}").json()["config"]["network"]
    assert (network["output_activation"], network["loss"]) == ("tanh", "mse")
    assert page.locator("#banner").is_hidden()


def test_the_tooltip_sits_at_the_pointer_and_survives_the_network_changing_under_it(page):
    wait_for_steps(page, 3)
    output = page.locator("#network .node").last
    box = output.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    tip_box = tip.bounding_box()
    assert abs(tip_box["x"] - x) < 40 and abs(tip_box["y"] - y) < 40
    steps = number(page, "#step-count")
    page.focus("#remove-layer")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#network .node').length === 2 + 4 + 1",
                           timeout=WAIT_MS)
    wait_for_steps(page, int(steps) + 5)  # frames still drawn; console errors fail the fixture
