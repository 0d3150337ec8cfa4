"""/docs and /redoc in a real browser, offline: every operation listed, nothing fetched from
another host, no console error (so no Content-Security-Policy violation either)."""

import httpx
import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 30_000


def operation_count(server_url: str) -> int:
    paths = httpx.get(server_url + "/openapi.json").json()["paths"]
    return sum(len(methods) for methods in paths.values())


def record_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def foreign(urls: list[str], server_url: str) -> list[str]:
    """Requests that left the app: anything but its own URLs and the blob: workers it made."""
    own = (server_url + "/", f"blob:{server_url}/")
    return [url for url in urls if not url.startswith(own)]


def test_swagger_ui_lists_every_operation_and_calls_the_api(page, server_url, screenshot_dir):
    requests = record_requests(page)
    page.goto(server_url + "/docs")
    page.get_by_text("/api/sessions", exact=True).first.wait_for(timeout=WAIT_MS)
    assert page.locator(".opblock").first.is_visible()
    assert page.locator(".opblock").count() == operation_count(server_url)
    limits = page.locator(".opblock", has_text="/api/limits")
    limits.locator(".opblock-summary").click()
    limits.locator(".try-out__btn").click()
    limits.locator(".execute").click()
    limits.locator(".live-responses-table .response-col_status", has_text="200").wait_for(timeout=WAIT_MS)
    page.screenshot(path=screenshot_dir / "docs.png")
    assert foreign(requests, server_url) == []


def test_redoc_lists_every_operation_and_searches(page, server_url, screenshot_dir):
    requests = record_requests(page)
    page.goto(server_url + "/redoc")
    operations = page.locator("[data-section-id^='operation/']")
    operations.first.wait_for(timeout=WAIT_MS)
    assert operations.count() == operation_count(server_url)
    assert page.get_by_text("/api/sessions", exact=True).first.is_visible()
    page.screenshot(path=screenshot_dir / "redoc.png")
    page.get_by_placeholder("Search...").fill("predict")
    page.get_by_role("menuitem", name="Predict").first.wait_for(timeout=WAIT_MS)
    assert foreign(requests, server_url) == []
