"""A phone (390×844, touch) and a tablet in both orientations: the diagram on the first screen,
a tap shows a neuron's numbers and a second tap hides them, the inspector's equations fit
without sideways scrolling, and targets are at least 24×24 CSS px."""

import pytest

from tests.browser.conftest import open_training

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
TARGETS = "button, select, .dataset, #network .node:not(.input)"


def open_on(browser, server_url: str, width: int, height: int, language: str):
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    page = open_training(context, server_url, language, WAIT_MS)
    return context, page


def sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_phone_taps_a_neuron_for_its_numbers(browser, server_url, screenshot_dir, language):
    context, page = open_on(browser, server_url, 390, 844, language)
    assert page.locator("#network").bounding_box()["y"] < 844
    for selector in ["#play", "#step", "#learning-rate"]:
        assert page.locator(selector).bounding_box()["y"] < 844, selector
    small = page.evaluate("""selector => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null || e.closest('svg'))
        .map(e => [e.id || e.className.baseVal || e.className, e.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.width < 24 || r.height < 24))
        .map(([name, r]) => `${name} ${Math.round(r.width)}×${Math.round(r.height)}`)""", TARGETS)
    assert small == []
    node = page.locator("#network .node:not(.input)").first
    node.scroll_into_view_if_needed()
    node.tap()
    page.wait_for_selector("#inspector:not([hidden]) math", timeout=WAIT_MS)
    page.locator("#inspector").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"phone-inspector-{language}.png")
    assert sideways(page) <= 0
    overflowing = page.evaluate("""() => [...document.querySelectorAll('#inspector *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className)""")
    assert overflowing == [], "the inspector runs off the screen"
    node.scroll_into_view_if_needed()
    node.tap()
    page.wait_for_selector("#inspector", state="hidden")
    context.close()


@pytest.mark.parametrize("size", [(820, 1180), (1180, 820)])
def test_a_tablet_in_both_orientations(browser, server_url, size):
    context, page = open_on(browser, server_url, *size, "zh-Hans")
    assert sideways(page) <= 0
    assert page.locator("#network").bounding_box()["y"] < size[1]
    page.locator("#network .node:not(.input)").first.tap()
    page.wait_for_selector("#inspector:not([hidden]) math", timeout=WAIT_MS)
    assert sideways(page) <= 0
    context.close()


def test_a_phones_reading_and_keyboard_order_is_its_visual_order(browser, server_url, screenshot_dir):
    context, page = open_on(browser, server_url, 390, 844, "en")
    # One column: the panels in the document are the panels down the screen.
    tops = page.eval_on_selector_all(
        "main.columns .panel", "els => els.map(e => [e.className, e.getBoundingClientRect().top])")
    assert [name for name, _ in tops][:2] == ["panel network", "panel data"]
    assert [top for _, top in tops] == sorted(top for _, top in tops)
    # Tab order (document order, no positive tabindex) goes down the screen, panel by panel.
    focusable = page.evaluate("""() => [...document.querySelectorAll('main.columns button, main.columns select,'
        + ' main.columns input, main.columns summary')]
        .filter(e => e.offsetParent !== null && !e.disabled)
        .map(e => e.closest('.panel').getBoundingClientRect().top)""")
    assert focusable == sorted(focusable) and len(focusable) > 10
    # The settings beyond the essential ones are folded, and open with a tap.
    assert page.eval_on_selector_all("details.fold", "els => els.map(e => e.open)") == [False, False]
    assert not page.is_visible("#noise")
    page.locator("#data-fold > summary").tap()
    page.wait_for_selector("#noise", state="visible")
    page.screenshot(path=screenshot_dir / "phone-folds-en.png", full_page=True)
    context.close()


def test_wide_screens_show_every_setting_unfolded(page):
    assert page.eval_on_selector_all("details.fold", "els => els.map(e => e.open)") == [True, True]
    assert page.is_visible("#noise") and page.is_visible("#optimizer")
    assert not page.is_visible("#data-fold > summary")
