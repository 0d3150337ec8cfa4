"""Language in a real browser: chosen by ?lang=, a saved choice or the browser's languages, the
switch in the header, <html lang>, and the server's refusals in Chinese."""

from collections.abc import Callable, Iterator

import pytest

pytestmark = pytest.mark.browser

WAIT_MS = 60_000
ZH_PAUSED = "已暂停"  # a new session waits, paused


@pytest.fixture
def open_page(browser, server_url: str) -> Iterator[Callable[..., object]]:
    """Pages in contexts of their own (a locale, storage); console errors fail the test."""
    contexts, errors = [], []

    def open_page(path: str = "/", locale: str = "en-US", context=None):
        if context is None:
            context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
            contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server_url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert [e for e in errors if "status of 422" not in e] == []


def language(page) -> str:
    return page.evaluate("document.documentElement.lang")


def training(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#status').textContent === t", arg=text,
                           timeout=WAIT_MS)


def test_lang_in_the_address_chooses_chinese(open_page):
    page = open_page("/?lang=zh-CN")
    assert language(page) == "zh-Hans"
    assert page.inner_text("h1") == "反向传播游乐场"
    assert page.input_value("#language") == "zh-Hans"
    training(page, ZH_PAUSED)
    page.wait_for_selector("#column-heads .column-head span")
    assert "个神经元" in page.inner_text("#column-heads")
    assert "隐藏层" in page.inner_text("#layer-count")


def test_the_browser_languages_choose_chinese(open_page):
    page = open_page("/", locale="zh-CN")
    assert language(page) == "zh-Hans"
    training(page, ZH_PAUSED)
    assert language(open_page("/", locale="en-GB")) == "en"


def test_the_switch_keeps_the_session_and_survives_reloads_and_links(open_page, server_url):
    page = open_page("/")
    training(page, "Paused")
    session = page.inner_text("#session-id")
    with page.expect_navigation():
        page.select_option("#language", "zh-Hans")
    assert language(page) == "zh-Hans" and "lang=zh-Hans" in page.url
    training(page, ZH_PAUSED)
    assert page.inner_text("#session-id") == session
    page.reload()
    assert language(page) == "zh-Hans"
    # A page opened without ?lang= in this browser follows the saved choice.
    again = open_page("/", context=page.context)
    again.wait_for_function("() => document.documentElement.lang === 'zh-Hans'", timeout=WAIT_MS)
    # The saved choice without its cookie: the page loads again in it.
    page.context.clear_cookies()
    third = open_page("/", context=page.context)
    third.wait_for_url("**lang=zh-Hans**", timeout=WAIT_MS)
    assert language(third) == "zh-Hans"
    training(third, ZH_PAUSED)
    # A shared link carries the language to a browser that never chose it.
    shared = open_page(f"/?lang=zh-Hans&session={session}")
    assert language(shared) == "zh-Hans"
    with third.expect_navigation():
        third.select_option("#language", "en")
    assert language(third) == "en"
    training(third, "Paused")


def test_a_refusal_is_said_in_chinese(open_page, tmp_path):
    page = open_page("/?lang=zh-Hans")
    training(page, ZH_PAUSED)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,0\n3,oops,1\n4,5,0\n", encoding="utf-8")
    page.click(".upload summary")
    page.set_input_files("#csv-file", str(bad))
    page.wait_for_function("() => !document.querySelector('#banner').hidden", timeout=WAIT_MS)
    banner = page.inner_text("#banner")
    assert banner.startswith("文件未被接受：CSV文件：第3行第2列（b）："), banner
