"""Lessons on the page: the course's list, a lesson and its variants run exactly, a link and the
number keys open one, and in a room the whole class sees it."""

import httpx
import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


def server_config(page, server_url: str) -> dict:
    session = page.inner_text("#session-id")
    return httpx.get(f"{server_url}/api/sessions/{session}").json()["config"]


def wait_config(page, server_url: str, check) -> dict:
    for _ in range(200):
        config = server_config(page, server_url)
        if check(config):
            return config
        page.wait_for_timeout(50)
    raise AssertionError("the lesson's config never reached the server")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_lesson_and_its_variant_run_their_exact_configs(browser, server_url, screenshot_dir, language):
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{server_url}/?lang={language}")
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    page.click("#lessons-open")
    page.wait_for_selector("#lessons[open] .lesson-entry")
    assert page.locator(".lesson-entry").count() == 13
    lesson = httpx.get(f"{server_url}/api/lessons/xor").json()
    page.locator(".lesson-entry", has_text=lesson["title"][language]).click()
    page.wait_for_selector("#lesson-panel:not([hidden])")
    assert page.inner_text("#lesson-title") == lesson["title"][language]
    expected = httpx.get(f"{server_url}/api/lessons/xor/config").json()
    wait_config(page, server_url, lambda c: c == expected)
    page.screenshot(path=screenshot_dir / f"lesson-xor-{language}.png")
    page.locator(".lesson-variants button").nth(1).click()
    variant = httpx.get(f"{server_url}/api/lessons/xor/config", params={"variant": "hidden-layer"}).json()
    wait_config(page, server_url, lambda c: c == variant)
    page.wait_for_function("() => document.querySelectorAll('#network .node').length === 2 + 8 + 1")
    assert page.inner_text("#step-count") == "0"
    page.context.close()


def test_a_link_and_a_number_key_open_lessons_and_a_room_follows(browser, server_url):
    teacher = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    teacher.goto(f"{server_url}/?lesson=softmax")
    teacher.wait_for_selector("#lesson-panel:not([hidden])", timeout=WAIT_MS)
    softmax = httpx.get(f"{server_url}/api/lessons/softmax/config").json()
    wait_config(teacher, server_url, lambda c: c == softmax)
    teacher.click("#present-open")
    teacher.wait_for_selector("#present[open]")
    code = teacher.inner_text("#present-code").replace(" ", "")
    teacher.keyboard.press("c")  # the join code away, back to the network
    teacher.wait_for_selector("#present", state="hidden")
    student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    student.goto(f"{server_url}/?room={code}")
    student.wait_for_selector("#network .node", timeout=WAIT_MS)
    assert not student.is_visible("#lessons-open")
    teacher.locator("#network").click(position={"x": 5, "y": 5})  # focus off the controls
    teacher.keyboard.press("1")
    first = httpx.get(f"{server_url}/api/lessons").json()[0]["id"]
    expected = httpx.get(f"{server_url}/api/lessons/{first}/config").json()
    wait_config(teacher, server_url, lambda c: c == expected)
    # The student's page shows the teacher's new network: one output neuron on the lesson's inputs.
    sizes = [len(expected["data"]["features"]), *expected["network"]["hidden_layers"], 1]
    student.wait_for_function("n => document.querySelectorAll('#network .node').length === n",
                              arg=sum(sizes), timeout=WAIT_MS)
    teacher.context.close()
    student.context.close()


def test_the_address_carries_the_whole_run_to_another_browser(browser, server_url):
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{server_url}/?lang=zh-Hans")
    page.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    page.click(".dataset.spiral")
    page.select_option("#learning-rate", "0.03")
    page.click("#add-layer")
    config = wait_config(page, server_url, lambda c: c["data"]["dataset"] == "spiral"
                         and c["training"]["learning_rate"] == 0.03 and len(c["network"]["hidden_layers"]) == 3)
    page.wait_for_function("() => location.search.includes('config=')")
    page.wait_for_timeout(300)  # the last confirmed edit's address
    link = page.url
    assert "session=" not in link and "lang=zh-Hans" in link
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(link)
    other.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    assert wait_config(other, server_url, lambda c: c == config) == config
    assert other.inner_text("#session-id") != page.inner_text("#session-id")
    assert other.evaluate("document.documentElement.lang") == "zh-Hans"
    page.context.close()
    other.context.close()


ROOM_CHOICE = {"en": ("For the whole room", "In a private session (new tab)"),
               "zh-Hans": ("为整个课堂打开", "在私人会话中打开（新标签页）")}


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_presenting_teacher_chooses_the_whole_room_or_a_private_session_in_a_new_tab(
        browser, server_url, screenshot_dir, axe, language):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    teacher = context.new_page()
    teacher.goto(f"{server_url}/?lang={language}")
    teacher.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    teacher.click("#lessons-open")
    teacher.wait_for_selector("#lessons[open] .lesson-entry")
    assert teacher.locator("#lessons .lesson-where").count() == 0  # no room: one way to open a lesson
    assert not teacher.is_visible("#lesson-room-note")
    teacher.keyboard.press("Escape")
    teacher.wait_for_selector("#lessons", state="hidden")

    teacher.click("#present-open")
    teacher.wait_for_selector("#present[open]")
    code = teacher.inner_text("#present-code")
    teacher.click("#present-hide")
    teacher.click("#lessons-open")
    teacher.wait_for_selector("#lessons[open] .lesson-where")
    assert code in teacher.inner_text("#lesson-room-note")
    lessons = httpx.get(f"{server_url}/api/lessons").json()
    for_room, own_tab = ROOM_CHOICE[language]
    assert teacher.locator("#lessons .lesson-where").count() == len(lessons)
    assert teacher.locator("#lessons .lesson-where button").all_inner_texts() == [for_room] * len(lessons)
    assert teacher.locator("#lessons .lesson-own").all_inner_texts() == [own_tab] * len(lessons)
    entry = teacher.locator("#lessons .lesson-entry", has_text=next(x["title"][language] for x in lessons
                                                                      if x["id"] == "xor"))
    own = entry.locator("a.lesson-own")
    assert own.get_attribute("href") == f"/?lesson=xor&lang={language}"
    assert own.get_attribute("target") == "_blank"
    teacher.screenshot(path=screenshot_dir / f"lessons-room-choice-{language}.png")
    assert axe_violations(teacher, axe) == []
    before = server_config(teacher, server_url)

    with context.expect_page() as opened:
        own.click()
    private = opened.value
    private.wait_for_selector("#lesson-panel:not([hidden])", timeout=WAIT_MS)
    xor = httpx.get(f"{server_url}/api/lessons/xor/config").json()
    wait_config(private, server_url, lambda c: c == xor)
    assert private.inner_text("#session-id") != teacher.inner_text("#session-id")
    assert private.evaluate("document.body.dataset.role") == "own"
    assert server_config(teacher, server_url) == before  # the room still shows what it showed
    private.close()

    teacher.wait_for_selector("#lessons", state="hidden")
    teacher.click("#lessons-open")
    entry.locator("button").click()  # for the whole room: on the presented session
    teacher.wait_for_selector("#lessons", state="hidden")
    wait_config(teacher, server_url, lambda c: c == xor)
    context.close()
