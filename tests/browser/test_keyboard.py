"""The page by keyboard alone, as a screen reader hears it: every control in the tab order with a
focus ring, the diagram one tab stop walked with the arrow keys, the inspector opened with Enter
and closed with Escape, the shortcut list, and the training state said politely."""

import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


def active_label(page) -> str:
    return page.evaluate("document.activeElement.getAttribute('aria-label') || ''")


def tab_to_diagram(page) -> int:
    """Tab from the top of the page to the diagram; how many stops it took."""
    page.wait_for_selector("#network .node")
    page.locator("body").focus()
    for presses in range(1, 120):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#network')"):
            return presses
    raise AssertionError("the diagram is not in the tab order")


def test_every_control_is_reachable_by_tab_with_a_focus_ring(page):
    page.wait_for_selector("#network .node")
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Training'",
                           timeout=WAIT_MS)
    assert page.locator("#network [tabindex='0']").count() == 1, "the diagram is one tab stop"
    seen, rings = set(), []
    page.locator("body").focus()
    for _ in range(150):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            if (e === document.body) return ['(the browser)', true];
            const s = getComputedStyle(e);
            return [e.id || e.getAttribute('aria-label') || e.textContent.trim().slice(0, 20),
                    s.outlineStyle !== 'none' && s.outlineWidth !== '0px'
                    || !!e.closest('#network')]; }""")
        seen.add(info[0])
        rings.append(info)
    for control in ["play", "step", "reset", "speed", "learning-rate", "loss", "language",
                    "shortcuts-open", "add-layer", "walk-start", "gradcheck", "show-test"]:
        assert control in seen, control
    assert [name for name, ring in rings if not ring] == [], "focus without a visible ring"


def test_the_diagram_by_arrow_keys_and_the_inspector_by_enter_and_escape(page):
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Training'",
                           timeout=WAIT_MS)
    tab_to_diagram(page)
    assert active_label(page).startswith("Input x₁: ")
    page.keyboard.press("ArrowRight")
    assert active_label(page).startswith("Layer 1, neuron 1 (Tanh): a = ")
    assert ", δ = " in active_label(page)
    page.keyboard.press("ArrowDown")
    assert active_label(page).startswith("Layer 1, neuron 2 (Tanh)")
    page.keyboard.press("ArrowLeft")
    assert active_label(page).startswith(
        "Weight from neuron 2 of layer 0 to neuron 2 of layer 1: w = ")
    page.keyboard.press("ArrowUp")
    assert active_label(page).startswith("Weight from neuron 1 of layer 0 to neuron 2 of layer 1")
    page.keyboard.press("ArrowLeft")
    assert active_label(page).startswith("Input x₁")
    assert page.locator("#network [tabindex='0']").count() == 1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")  # a neuron's key here, not play/pause
    page.wait_for_selector("#inspector:not([hidden]) math", timeout=WAIT_MS)
    assert page.inner_text("#inspector h3").startswith("Layer 1, neuron 2")
    # Its numbers also as a table, not only in the equations and the colours.
    cells = page.eval_on_selector_all("#inspector table.numbers th[scope=row]",
                                      "els => els.map(e => e.textContent)")
    assert cells == ["z", "a", "b", "δ", "∂C/∂b"]
    assert page.inner_text("#status") == "Training"
    page.keyboard.press("Escape")
    page.wait_for_selector("#inspector", state="hidden")
    assert active_label(page).startswith("Layer 1, neuron 2"), "focus back on the neuron"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inspector:not([hidden]) math", timeout=WAIT_MS)
    assert page.inner_text("#inspector h3").startswith("Weight from neuron 2 of layer 0")
    # Tab goes on into the inspector (its close button, its field); Escape from there too.
    page.locator("#inspector .close").focus()
    page.keyboard.press("Escape")
    page.wait_for_selector("#inspector", state="hidden")
    assert active_label(page).startswith("Weight from neuron 2 of layer 0")


def test_the_shortcut_list_opens_with_a_question_mark(page):
    page.wait_for_selector("#network .node")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    assert dialog.is_visible()
    assert "Play or pause training" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.click("#shortcuts-open")
    assert dialog.is_visible()
    page.click("#shortcuts-close")
    assert not dialog.is_visible()


def test_training_is_announced_politely_and_the_pictures_say_what_they_show(page):
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Training'",
                           timeout=WAIT_MS)
    page.wait_for_function(
        "() => document.querySelector('#announcer').textContent.startsWith('Step ')",
        timeout=WAIT_MS)
    assert page.get_attribute("#announcer", "aria-live") == "polite"
    assert "test accuracy" in page.inner_text("#announcer")
    assert "training loss" in page.get_attribute("#loss-chart", "aria-label")
    assert "test accuracy" in page.get_attribute("#boundary", "aria-label")
    # Said at most every few seconds: the text changes rarely while frames arrive 30 times a second.
    texts = set()
    for _ in range(10):
        texts.add(page.inner_text("#announcer"))
        page.wait_for_timeout(200)
    assert len(texts) <= 2
