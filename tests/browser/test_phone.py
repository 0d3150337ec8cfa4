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
