"""A live server and Debian's Chromium for the browser tests (recipe: shared/BROWSER.md).

Without /usr/bin/chromium the tests skip, except under CI (CI=true), where that is a failure.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import serving

from app.settings import Settings

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with serving(Settings()) as url:
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
