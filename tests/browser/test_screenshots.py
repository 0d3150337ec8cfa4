"""Screenshots of the main views at phone, laptop and projector widths in both languages, for
people to look at (test-artifacts/screenshots/); the checks are that nothing runs sideways off
the page and that no label is clipped."""

import pytest

from tests.browser.conftest import open_training

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
SIZES = {"phone": (390, 844), "tablet": (820, 1180), "tablet-landscape": (1180, 820),
         "laptop": (1366, 768), "projector": (1920, 1080)}
# Elements whose text would be cut off if it did not fit.
CLIPPABLE = ("button, label, legend, h1, h2, dt, dd, .column-head, .dataset, .status, "
             ".layer-count, summary, th, figcaption")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
@pytest.mark.parametrize("size", list(SIZES))
def test_main_view_fits(browser, server_url, screenshot_dir, language, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = open_training(context, server_url, language, WAIT_MS)
    page.wait_for_timeout(500)
    page.screenshot(path=screenshot_dir / f"main-{size}-{language}.png", full_page=True)
    page.screenshot(path=screenshot_dir / f"main-{size}-{language}-first-screen.png")
    diagram_top = page.locator("#network").bounding_box()["y"]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    clipped = page.evaluate("""selector => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null && getComputedStyle(e).overflow !== 'visible'
                && e.scrollWidth > e.clientWidth + 1)
        .map(e => e.id || e.className || e.tagName)""", CLIPPABLE)
    context.close()
    assert overflow <= 0, f"the page runs {overflow}px sideways"
    assert clipped == []
    if size == "phone":
        assert diagram_top < height, "the diagram starts on the first screen"


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_dark_theme_and_reduced_motion(browser, server_url, screenshot_dir, language):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme="dark",
                                  reduced_motion="reduce")
    page = open_training(context, server_url, language, WAIT_MS)
    page.wait_for_timeout(500)
    page.screenshot(path=screenshot_dir / f"main-dark-{language}.png", full_page=True)
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    context.close()
    assert background == "rgb(17, 26, 34)"


# Machado et al. (2009), severity 1, as SVG colour matrices (linear RGB, the filter's default).
SIMULATED_VISION = {
    "protanopia": "0.152286 1.052583 -0.204868 0 0 0.114503 0.786281 0.099216 0 0 "
                  "-0.003882 -0.048116 1.051998 0 0 0 0 0 1 0",
    "deuteranopia": "0.367322 0.860646 -0.227968 0 0 0.280085 0.672501 0.047413 0 0 "
                    "-0.011820 0.042940 0.968881 0 0 0 0 0 1 0",
}


@pytest.mark.parametrize("vision", list(SIMULATED_VISION))
def test_screenshots_under_simulated_colour_blindness(browser, server_url, screenshot_dir, vision):
    """For looking: the weights' signs (orange and dashed against blue and solid) and the classes
    under protanopia and deuteranopia. The page's context bypasses the CSP to add the filter."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = open_training(context, server_url, "zh-Hans", WAIT_MS)
    page.evaluate("""matrix => {
        document.body.insertAdjacentHTML('beforeend', `<svg width="0" height="0"
          style="position:absolute"><filter id="cvd"><feColorMatrix type="matrix"
          values="${matrix}"/></filter></svg>`);
        document.documentElement.style.filter = 'url(#cvd)';
    }""", SIMULATED_VISION[vision])
    page.wait_for_timeout(500)
    page.screenshot(path=screenshot_dir / f"colour-{vision}.png")
    context.close()
