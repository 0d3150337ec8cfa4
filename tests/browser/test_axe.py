"""axe-core on the main views in both languages and both colour schemes: no serious or critical
violation (contrast included). The results per view are written to
test-artifacts/axe-<language>-<scheme>.json."""

import json

import pytest

from tests.browser.conftest import ROOT, RUNNING, axe_violations, open_training

pytestmark = pytest.mark.browser

WAIT_MS = 90_000


def start_walk(page) -> None:
    """Step by step, started from its button. Under a loaded machine the click can land while
    the columns settle after the inspector closed; it is given a second try then."""
    for attempt in range(2):
        page.click("#walk-start")
        try:
            page.wait_for_selector("#walk-controls:not([hidden])", timeout=WAIT_MS // 3)
            return
        except Exception:
            if attempt:
                raise


def choose(page, language: str, dataset: str, view: str) -> None:
    page.click(f".dataset.{dataset}")
    page.wait_for_function(
        "([name, view, running]) => document.body.dataset.view === view"
        " && document.querySelector(`.dataset.${name}`).getAttribute('aria-checked') === 'true'"
        " && document.querySelector('#status').textContent === running",
        arg=[dataset, view, RUNNING[language]], timeout=WAIT_MS)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_no_serious_or_critical_violations(browser, server_url, axe, screenshot_dir, tmp_path,
                                          language, scheme):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True,
                                  color_scheme=scheme)
    page = open_training(context, server_url, language, WAIT_MS)
    page.wait_for_timeout(500)
    results = {"training": axe_violations(page, axe)}

    page.click("#network .node:not(.input)")
    page.wait_for_selector("#inspector:not([hidden]) math", timeout=WAIT_MS)
    results["inspector"] = axe_violations(page, axe)
    page.screenshot(path=screenshot_dir / f"inspector-{language}.png", full_page=True)
    page.click("#inspector .close")
    page.wait_for_selector("#inspector", state="hidden")  # the data column comes back

    start_walk(page)
    page.click("#walk-next")
    page.wait_for_timeout(300)
    results["step-by-step"] = axe_violations(page, axe)
    page.screenshot(path=screenshot_dir / f"step-by-step-{language}.png", full_page=True)
    page.click("#walk-stop")
    page.click("#play")

    for name, dataset, view in [("multiclass", "blobs", "regions"), ("regression", "sin", "curve"),
                                ("regression-2d", "saddle", "surface"),
                                ("digits", "digits", "gallery")]:
        choose(page, language, dataset, view)
        results[name] = axe_violations(page, axe)
        page.screenshot(path=screenshot_dir / f"{name}-{language}.png", full_page=True)
    table = tmp_path / "rent.csv"
    table.write_text("area,rooms,rent\n" + "\n".join(
        f"{40 + 3 * i},{1 + i % 4},{0.3 + 0.012 * (40 + 3 * i)}" for i in range(60)))
    page.click(".upload summary")
    page.set_input_files("#csv-file", str(table))
    page.wait_for_selector("#parity-view:not([hidden])", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    results["csv-table"] = axe_violations(page, axe)
    page.screenshot(path=screenshot_dir / f"csv-table-{language}.png", full_page=True)
    page.keyboard.press("?")
    results["shortcuts"] = axe_violations(page, axe)
    page.screenshot(path=screenshot_dir / f"shortcuts-{language}.png")
    context.close()

    report = ROOT / "test-artifacts" / f"axe-{language}-{scheme}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\naxe ({language}, {scheme}): {report}")
    assert {view: found for view, found in results.items() if found} == {}
