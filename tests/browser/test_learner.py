"""The learner's first minutes (issue 9), in a real browser: a first visit waits paused on the
untrained network; every equation holds with the numbers the page prints (diagram labels,
tooltip, inspector) for a tanh/sigmoid net, a ReLU net with MSE and a softmax net; the result of
every click is in the window; the δ colours keep their scale while training runs."""

import math

import httpx
import pytest

from tests.browser.test_backprop_page import close, displayed, named

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


@pytest.fixture
def paused_page(browser, server_url: str):
    """A first visit at 1366×768: a new session, paused, its untrained network drawn."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server_url + "/")
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    page.wait_for_selector("#network .node-value")
    yield page
    context.close()
    assert errors == []


def session_config(page, server_url: str) -> dict:
    session = page.inner_text("#session-id")
    return httpx.get(f"{server_url}/api/sessions/{session}").json()["config"]


def wait_config(page, server_url: str, check) -> None:
    """Until the server runs the config the page asked for (it applies edits in order)."""
    for _ in range(200):
        if check(session_config(page, server_url)):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the server never applied the edit")


def steps(page, n: int) -> None:
    for i in range(1, n + 1):
        page.click("#step")
        page.wait_for_function("n => document.querySelector('#step-count').textContent === String(n)",
                               arg=i, timeout=WAIT_MS)


def open_node(page, index: int, ready: str = "delta") -> None:
    """Click a neuron; wait until its inspector prints ``ready`` (δ, or a before the backward
    pass of step by step has reached it). An inspector already open keeps the last neuron's
    numbers until the new one's arrive with its title: the title must change first."""
    before = page.inner_text("#inspector h3") if page.is_visible("#inspector") else None
    page.locator("#network .node").nth(index).click()
    page.wait_for_function("""(before) => {
        const title = document.querySelector('#inspector:not([hidden]) h3');
        return title !== null && title.textContent !== before;
    }""", arg=before, timeout=WAIT_MS)
    page.wait_for_selector(f"#inspector:not([hidden]) mn[data-name='{ready}']", timeout=WAIT_MS)


def labels(page) -> list[str]:
    return page.eval_on_selector_all("#network .node-value", "els => els.map(e => e.textContent)")


def in_window(page, selector: str, whole: bool = False) -> bool:
    """The element's box inside the viewport: whole, or (a long one) from its top."""
    return page.eval_on_selector(selector, """(el, whole) => {
        const box = el.getBoundingClientRect();
        return box.top >= 0 && box.left >= 0 && box.right <= innerWidth
            && (box.bottom <= innerHeight || (!whole && box.top < innerHeight / 2));
    }""", whole)


SIGMA = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0), "sigmoid": lambda z: 1 / (1 + math.exp(-z))}
SIGMA_PRIME = {"tanh": lambda z: 1 - math.tanh(z) ** 2, "relu": lambda z: float(z > 0),
               "sigmoid": lambda z: SIGMA["sigmoid"](z) * (1 - SIGMA["sigmoid"](z))}


def check_forward(page, activation: str) -> tuple[float, float]:
    """z = Σ w·a + b and a = σ(z) from the inspector's printed terms; returns (z, a)."""
    weights, inputs = named(page, "w"), named(page, "a-in")
    [bias], [z], [a] = named(page, "bias"), named(page, "z")[:1], named(page, "a")[:1]
    products = [w * x for w, x in zip(weights, inputs)]
    assert len(weights) == len(inputs) > 0
    assert close(z, sum(products) + bias, *products, bias)
    if activation != "softmax":
        assert close(a, SIGMA[activation](z))
    return z, a


def check_hidden(page, activation: str) -> float:
    """BP2 and BP3 at a hidden neuron; returns its δ."""
    z, _ = check_forward(page, activation)
    w_up, delta_up = named(page, "w-up"), named(page, "delta-up")
    [sigma_prime], [delta] = named(page, "sigma-prime")[:1], named(page, "delta")
    assert close(sigma_prime, SIGMA_PRIME[activation](z))
    upstream = [w * d * sigma_prime for w, d in zip(w_up, delta_up)]
    assert close(delta, sum(upstream), *upstream)  # BP2
    bias_line = page.inner_text("#inspector .inspect-section:nth-of-type(3)")
    assert "BP3" in bias_line and close(displayed(bias_line.split("=")[-1]), delta)  # BP3
    return delta


def check_output(page, activation: str, loss: str) -> None:
    """BP1 at an output neuron, in its general form and in its short one where that applies."""
    z, a = check_forward(page, activation)
    [y], [dc_da], [delta] = named(page, "y")[:1] or [None], named(page, "dC-da")[:1], named(page, "delta")
    text = page.inner_text("#inspector")
    assert "BP1" in text and "C" in text
    if activation == "softmax":
        zs = named(page, "layer-z")
        assert close(a, math.exp(z) / sum(math.exp(v) for v in zs))  # a = e^z / Σ e^z_i
        assert close(delta, a - y)  # Jacobian-free BP1 for softmax with cross-entropy
        assert close(dc_da, -y / a) if a > 0 else True
        return
    [sigma_prime] = named(page, "sigma-prime")[:1]
    assert close(sigma_prime, SIGMA_PRIME[activation](z))
    if loss == "mse":
        assert close(dc_da, a - named(page, "y")[0]) if named(page, "y") else True
        assert close(delta, dc_da * sigma_prime, dc_da, sigma_prime)  # BP1 as ∇aC ⊙ σ'(z)
    else:  # sigmoid with cross-entropy: the general form, then a − y
        assert close(dc_da, (a - y) / (a * (1 - a)))
        assert close(delta, dc_da * sigma_prime, dc_da, sigma_prime)
        assert close(delta, a - y)


def check_weight(page, a_in: float, delta: float) -> None:
    """BP4 for the first weight into layer 1: ∂C/∂w = a_in · δ, of the same example the diagram
    and the neuron's inspector showed."""
    page.locator("#network path.edge-hit").first.click()
    page.wait_for_selector("#inspector mn[data-name='gradient']", timeout=WAIT_MS)
    [shown_a_in], [shown_delta], [gradient] = named(page, "a-in"), named(page, "delta"), named(page, "gradient")
    assert close(shown_a_in, a_in) and close(shown_delta, delta)
    assert close(gradient, shown_a_in * shown_delta, shown_a_in, shown_delta)  # BP4
    assert "BP4" in page.inner_text("#inspector")


NETS = [  # (name, dataset button, hidden activation, output activation, loss)
    ("tanh-sigmoid", None, "tanh", "sigmoid", "binary_cross_entropy"),
    ("relu-mse", None, "relu", "sigmoid", "mse"),
    ("softmax", "Blobs", "tanh", "softmax", "categorical_cross_entropy"),
]


@pytest.mark.parametrize(("name", "dataset", "activation", "output", "loss"), NETS, ids=[n[0] for n in NETS])
def test_every_equation_holds_with_the_numbers_the_page_prints(
        paused_page, server_url, screenshot_dir, name, dataset, activation, output, loss):
    page = paused_page
    if dataset:
        page.get_by_role("radio", name=dataset).click()
    if activation != "tanh":
        page.select_option("#activation", activation)
    if loss == "mse":
        page.select_option("#loss", loss)
    wait_config(page, server_url, lambda c: (c["network"]["activation"], c["network"]["output_activation"],
                                             c["network"]["loss"]) == (activation, output, loss))
    steps(page, 3)
    inputs = len(session_config(page, server_url)["data"]["features"])
    shown = labels(page)
    # Layer 1, neuron 1: its inspector, its diagram label and its tooltip are one example's.
    open_node(page, inputs)
    delta = check_hidden(page, activation)
    [a] = named(page, "a")[:1]
    assert close(displayed(shown[inputs]), a)
    page.hover(f"#network .node >> nth={inputs}")
    page.wait_for_selector("#tooltip:not([hidden]) dd")
    tip = dict(zip(page.eval_on_selector_all("#tooltip dt", "els => els.map(e => e.textContent)"),
                   page.eval_on_selector_all("#tooltip dd", "els => els.map(e => e.textContent)")))
    assert close(displayed(tip["a"]), SIGMA[activation](displayed(tip["z"])))
    # The output neuron (the second class of a softmax net).
    last = page.locator("#network .node").count() - 1
    open_node(page, last - 1 if output == "softmax" else last)
    check_output(page, output, loss)
    page.screenshot(path=screenshot_dir / f"equations-{name}.png")
    check_weight(page, displayed(shown[0]), delta)


def test_a_first_visit_waits_on_the_untrained_network_and_restores_defaults(paused_page, server_url,
                                                                           screenshot_dir):
    page = paused_page
    assert page.inner_text("#step-count") == "0"
    assert page.is_visible("#first-hint") and "▶" in page.inner_text("#first-hint")
    page.screenshot(path=screenshot_dir / "first-visit.png")
    # The explanation is reachable from the top, and names the four equations.
    page.click("#explain-link")
    page.wait_for_function("() => document.querySelector('#explain-title').getBoundingClientRect().top < innerHeight")
    assert [page.inner_text(f".explain .eq-row >> nth={i} >> .eq-tag") for i in range(4)] == [
        "BP1", "BP2", "BP3", "BP4"]
    assert "½" in page.inner_text("#loss-formula") or "ln" in page.inner_text("#loss-formula")
    page.click("#play")
    page.wait_for_selector("#status[data-status='running']")
    page.wait_for_selector("#first-hint", state="hidden")
    page.select_option("#learning-rate", "0.03")
    wait_config(page, server_url, lambda c: c["training"]["learning_rate"] == 0.03)
    page.click("#restore-defaults")
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    wait_config(page, server_url, lambda c: c["training"]["learning_rate"] == 0.1)
    page.wait_for_function("() => document.querySelector('#step-count').textContent === '0'")
    assert page.is_visible("#first-hint")


@pytest.mark.parametrize(("width", "height", "scale"), [(1366, 768, 1), (1280, 720, 1.5)],
                         ids=["laptop", "projector-150%"])
def test_the_result_of_every_click_is_in_the_window(browser, server_url, screenshot_dir, width, height, scale):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)
    page = context.new_page()
    page.goto(server_url + "/")
    page.wait_for_selector("#network .node-value", timeout=WAIT_MS)
    assert in_window(page, "#network svg")
    open_node(page, 3)
    # The numbers, all of them, and the neuron they are about, both in view.
    assert in_window(page, "#inspector", whole=True) and in_window(page, "#network .node.selected")
    page.screenshot(path=screenshot_dir / f"in-view-inspector-{width}.png")
    page.click("#inspector .close")
    page.wait_for_selector("#inspector", state="hidden")
    page.click("#gradcheck")
    page.wait_for_selector("#gradcheck-result li", timeout=WAIT_MS)
    assert in_window(page, "#gradcheck-result")
    page.click("#walk-start")
    page.wait_for_selector("#walk-description:not([hidden])", timeout=WAIT_MS)
    assert in_window(page, "#walk-description") and in_window(page, "#walk-next")
    page.screenshot(path=screenshot_dir / f"in-view-walk-{width}.png")
    context.close()


def test_delta_colours_keep_their_scale_while_training(paused_page):
    page = paused_page
    page.check("input[name='fill'][value='delta']")
    page.wait_for_selector("#fill-legend:not([hidden])")
    page.click("#play")
    ticks = []
    for _ in range(6):
        page.wait_for_timeout(150)
        ticks.append(page.inner_text("#fill-legend .fill-ticks"))
    assert len(set(ticks)) == 1 and "0.01" in ticks[0]  # one fixed legend, frame after frame
    # One δ has one colour: a δ printed now is drawn with the tone the legend gives it.
    page.click("#play")
    page.wait_for_selector("#status[data-status='paused']")
    value = displayed(labels(page)[2].replace("δ", ""))
    expected = page.evaluate("""d => Promise.all([import('/static/js/shown.js'), import('/static/js/colors.js')])
        .then(([shown, colors]) => colors.css(shown.deltaTone(d)))""", value)
    drawn = page.eval_on_selector("#network .node >> nth=2", "g => g.querySelector('rect').getAttribute('fill')")
    channels = [[int(c) for c in rgb[4:-1].split(",")] for rgb in (expected, drawn)]
    assert all(abs(p - q) <= 3 for p, q in zip(*channels)), (expected, drawn, value)



def test_each_step_by_step_stage_shows_numbers_that_satisfy_their_equations(paused_page):
    """The stage's diagram labels and the inspector are one example's numbers: forward, a = σ(z)
    once layer 1 is computed; backward, δ of layer 1 = (Σ w·δ of layer 2) · σ′(z) with layer 2's
    δ as the diagram prints them."""
    page = paused_page
    steps(page, 2)
    page.click("#walk-start")
    page.wait_for_selector("#walk-controls:not([hidden])", timeout=WAIT_MS)
    page.keyboard.press("ArrowRight")  # stage 2: forward through layer 1
    page.wait_for_function("() => document.querySelectorAll('#network .node.pending').length === 3")
    open_node(page, 2, ready="a")
    _, a = check_forward(page, "tanh")
    assert close(displayed(labels(page)[2]), a)
    assert "BP2" in page.inner_text("#inspector")  # its section waits for the backward pass
    for _ in range(6):  # on to stage 8: backward through layer 1 (the arrows now move in the diagram)
        page.click("#walk-next")
    page.wait_for_function("() => [...document.querySelectorAll('#network .node-value')][2]"
                           ".textContent.startsWith('δ')", timeout=WAIT_MS)
    page.wait_for_selector("#inspector mn[data-name='upstream-sum']", timeout=WAIT_MS)
    shown = labels(page)
    delta = check_hidden(page, "tanh")
    assert close(displayed(shown[2].replace("δ", "")), delta)
    printed_up = [displayed(text.replace("δ", "")) for text in shown[6:8]]  # layer 2's δ in the diagram
    assert all(close(p, q) for p, q in zip(printed_up, named(page, "delta-up")))
