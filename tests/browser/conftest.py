"""A live server and Debian's Chromium for the browser tests (recipe: shared/BROWSER.md).

Without /usr/bin/chromium the tests skip, except under CI (CI=true), where that is a failure.
The accessibility scans inject axe-core from node_modules (`npm ci`); without it they skip with
that message, except under CI, where that is a failure too.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import serving

from app.config import Limits
from app.settings import Settings

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The scan: WCAG 2.x A and AA rules and axe's best practices; only serious and critical count.
AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}"""


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    # Every page of the run comes from this one address and opens a session of its own: far
    # more than a classroom's per-address default, which tests of its own cover.
    with serving(Settings(limits=Limits(max_sessions_per_address=10_000))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: Playwright's sync API holds an event loop on this thread while it is open,
    which would stop later tests from calling asyncio.run()."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url: str) -> Iterator[object]:
    """A fresh page on the app; any console error (a CSP violation among them) fails the test."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server_url + "/")
    start_training(page)
    # A test that provokes an error on purpose (a refused upload logs its HTTP 422) lists the
    # message's text here; everything else still fails the test.
    page.expected_console_errors = []
    yield page
    context.close()
    assert [e for e in errors if not any(x in e for x in page.expected_console_errors)] == []


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe() -> Path:
    """axe-core's script (the npm package, pinned in package.json), to inject into pages."""
    if not AXE.exists():
        message = f"{AXE} not found: run npm ci (the accessibility scans need axe-core)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def axe_violations(page, script: Path) -> list[dict]:
    """The serious and critical violations axe-core finds in the page as it is now. The page's
    context must bypass the CSP: Playwright injects the file's text as an inline script."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    return page.evaluate(AXE_RUN)


# What the status line says once the page trains, in each language.
RUNNING = {"en": "Training", "zh-Hans": "训练中"}


def start_training(page, timeout_ms: int = 60_000) -> None:
    """A new session waits, paused, with its untrained network: press Play once it is there."""
    page.wait_for_selector("#status[data-status='paused']", timeout=timeout_ms)
    page.click("#play")
    page.wait_for_selector("#status[data-status='running']", timeout=timeout_ms)


def open_training(context, server_url: str, language: str, timeout_ms: int = 60_000):
    """A new page of the playground in ``language``, once its session trains and its diagram is
    drawn: where every test that looks at the running page starts."""
    page = context.new_page()
    page.goto(f"{server_url}/?lang={language}")
    start_training(page, timeout_ms)
    page.wait_for_function("t => document.querySelector('#status').textContent === t",
                           arg=RUNNING[language], timeout=timeout_ms)
    page.wait_for_selector("#network .node")
    return page

