"""Presenter mode on a projector's screen (1920×1080 and 1280×720, English and Chinese): key F lays
the page out with the diagram and the boundary side by side filling the screen, numbers in the
diagram at 20 px or more, nothing off the screen; the presenter's keys still work in it, and
Esc or F again leaves it. Headless Chromium cannot truly go full screen: the layout must not
depend on it."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
SIZES = {"1080p": {"width": 1920, "height": 1080}, "720p": {"width": 1280, "height": 720}}

# Where the diagram and the boundary are, the diagram's numbers and whether anything sticks out.
MEASURE = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height }; };
  const network = document.querySelector('#network');
  const labels = [...network.querySelectorAll('.node-value, .node-label')].filter((e) => e.textContent !== '');
  return {
    diagram: box(network), boundary: box(document.querySelector('#boundary')),
    fonts: labels.map((e) => parseFloat(getComputedStyle(e).fontSize)),
    labels: labels.map(box),
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


def inside(box: dict, outer: dict) -> bool:
    return (box["left"] >= outer["left"] - 0.5 and box["top"] >= outer["top"] - 0.5
            and box["right"] <= outer["right"] + 0.5 and box["bottom"] <= outer["bottom"] + 0.5)


def presenting_page(browser, server_url: str, size: dict, language: str):
    """A teacher's page at this size (the CSP bypassed for axe) that opened a room (join screen
    put away) and pressed F."""
    page = browser.new_context(viewport=size, bypass_csp=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server_url}/?lang={language}")
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    page.wait_for_selector("#network .node-value")
    page.click("#present-open")
    page.wait_for_selector("#present[open]")
    page.click("#present-hide")
    page.wait_for_selector("#present", state="hidden")
    page.keyboard.press("f")
    page.wait_for_selector("body.presenter")
    # The diagram is drawn again at the size the presenter's layout gives it, its numbers in.
    page.wait_for_function("""() => { const root = document.querySelector('#network');
        const svg = root.querySelector('svg');
        return svg && Number(svg.getAttribute('height')) === root.clientHeight
          && Number(svg.getAttribute('width')) === root.clientWidth
          && [...root.querySelectorAll('.node-value')].some((e) => e.textContent !== ''); }""",
                           timeout=WAIT_MS)
    return page, errors


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("size", list(SIZES))
def test_presenter_mode_fills_the_screen_with_the_diagram_and_the_boundary(
        browser, server_url, screenshot_dir, size, language):
    viewport = SIZES[size]
    page, errors = presenting_page(browser, server_url, viewport, language)
    screen = {"left": 0, "top": 0, "right": viewport["width"], "bottom": viewport["height"]}
    shown = page.evaluate(MEASURE)
    page.screenshot(path=screenshot_dir / f"presenter-{size}-{language}.png")

    assert inside(shown["diagram"], screen), shown["diagram"]
    assert inside(shown["boundary"], screen), shown["boundary"]
    covered = sum(shown[k]["width"] * shown[k]["height"] for k in ("diagram", "boundary"))
    assert covered >= 0.55 * viewport["width"] * viewport["height"], covered / (viewport["width"] * viewport["height"])
    assert shown["diagram"]["right"] <= shown["boundary"]["left"], "side by side, not overlapping"
    assert shown["fonts"] and min(shown["fonts"]) >= 20, shown["fonts"]
    clipped = [b for b in shown["labels"] if not inside(b, shown["diagram"])]
    assert clipped == [], "a number or name of the diagram is cut off"
    assert shown["scrollWidth"] <= viewport["width"], "the page overflows sideways"
    assert page.evaluate("document.documentElement.lang").startswith(language)
    assert errors == []
    page.context.close()


def step_count(page) -> int:
    return int(page.inner_text("#step-count").replace(",", ""))


def test_the_presenters_keys_work_in_presenter_mode_and_esc_or_f_leave_it(browser, server_url, axe):
    page, errors = presenting_page(browser, server_url, SIZES["720p"], "en")
    assert axe_violations(page, axe) == []
    assert page.evaluate("document.activeElement.id") == "present-open"  # where the join screen left it
    page.keyboard.press("Space")  # play, not the badge: in presenter mode Space is the clicker's
    page.wait_for_selector("#status[data-status='running']", timeout=WAIT_MS)
    page.wait_for_function("() => Number(document.querySelector('#step-count').textContent.replace(/,/g, '')) > 0",
                           timeout=WAIT_MS)
    page.keyboard.press("Space")  # pause
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    assert step_count(page) > 0
    page.keyboard.press("r")  # new weights from the seed: back to step 0
    page.wait_for_function("() => document.querySelector('#step-count').textContent === '0'", timeout=WAIT_MS)

    page.click("#walk-start")  # step by step, in view in presenter mode
    page.wait_for_selector("#walk-controls:not([hidden])", timeout=WAIT_MS)
    first = page.inner_text("#walk-stage")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("t => document.querySelector('#walk-stage').textContent !== t", arg=first,
                           timeout=WAIT_MS)
    assert page.inner_text("#walk-stage") != first
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("t => document.querySelector('#walk-stage').textContent === t", arg=first,
                           timeout=WAIT_MS)

    page.keyboard.press("c")  # the join code over the presenter's layout, and away again
    page.wait_for_selector("#present[open]")
    assert page.evaluate("document.body.classList.contains('presenter')")
    page.keyboard.press("c")
    page.wait_for_selector("#present", state="hidden")

    page.click("#walk-stop")
    page.locator("#network .node:not(.input)").first.click()  # the inspector, over the boundary's column
    page.wait_for_selector("#inspector:not([hidden])", timeout=WAIT_MS)
    page.keyboard.press("Escape")  # closes the inspector first
    page.wait_for_selector("#inspector", state="hidden")
    assert page.evaluate("document.body.classList.contains('presenter')")
    page.keyboard.press("Escape")  # then leaves presenter mode
    page.wait_for_function("() => !document.body.classList.contains('presenter')")
    # Back in the page's own layout: the settings are there again, the numbers small.
    assert page.is_visible("#learning-rate")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('#network .node-value')).fontSize)") < 20
    page.keyboard.press("f")
    page.wait_for_selector("body.presenter")
    assert not page.is_visible("#learning-rate")
    page.keyboard.press("f")
    page.wait_for_function("() => !document.body.classList.contains('presenter')")
    assert errors == []
    page.context.close()
