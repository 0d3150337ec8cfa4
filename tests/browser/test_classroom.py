"""A class in a real browser: the teacher presents (the join screen with its code, address, QR
code and count), a student on a phone follows read-only with no control it would be refused,
sees the teacher's training, and is told when the room ends."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

WAIT_MS = 60_000


def presenting(browser, server_url: str, language: str = "en", steps: int = 0):
    """A teacher's page (1366×768, the CSP bypassed for axe) that took ``steps`` steps and opened
    a room: the page and the room's join code."""
    teacher = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True).new_page()
    teacher.goto(f"{server_url}/?lang={language}")
    teacher.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    for step in range(1, steps + 1):
        teacher.click("#step")
        teacher.wait_for_function("n => document.querySelector('#step-count').textContent === n", arg=str(step))
    teacher.click("#present-open")
    teacher.wait_for_selector("#present[open]")
    return teacher, teacher.inner_text("#present-code").replace(" ", "")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_teacher_presents_and_a_student_follows(browser, server_url, axe, screenshot_dir, language):
    teacher, code = presenting(browser, server_url, language)
    teacher_context = teacher.context
    assert len(code) == 6 and teacher.inner_text("#present-url").endswith(f"/?room={code}")
    teacher.wait_for_function("() => document.querySelector('#present-qr').naturalWidth > 0")
    assert axe_violations(teacher, axe) == []

    student_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                          has_touch=True, bypass_csp=True)
    student = student_context.new_page()
    student.goto(f"{server_url}/?room={code.lower()}&lang={language}")
    student.wait_for_selector("#network .node", timeout=WAIT_MS)
    assert student.evaluate("document.body.dataset.role") == "follower"
    assert student.is_visible("#follower-bar")
    for control in ["#play", "#step", "#learning-rate", "#present-open", "#walk-start", "#add-layer",
                    "#datasets", "#restore-defaults"]:
        assert not student.is_visible(control), control
    teacher.wait_for_function("() => /[1１]/.test(document.querySelector('#present-count').textContent)",
                              timeout=WAIT_MS)
    teacher.screenshot(path=screenshot_dir / f"room-join-screen-{language}.png")

    teacher.click("#present-hide")
    teacher.click("#play")
    student.wait_for_function("() => Number(document.querySelector('#step-count').textContent.replace(/,/g, '')) > 20",
                              timeout=WAIT_MS)
    teacher.locator("#network .node:not(.input)").last.click()  # the teacher inspects: all follow
    student.wait_for_selector("#inspector:not([hidden]) math", timeout=WAIT_MS)
    assert student.inner_text("#inspector h3").split()[:2] == teacher.inner_text("#inspector h3").split()[:2]
    followed = student.inner_text("#inspector h3")
    student.locator("#network .node:not(.input)").first.tap()  # looking elsewhere is allowed
    student.wait_for_function("t => document.querySelector('#inspector h3').textContent !== t",
                              arg=followed, timeout=WAIT_MS)
    assert not student.is_visible("#inspector .edit-row")
    assert axe_violations(student, axe) == []
    student.screenshot(path=screenshot_dir / f"room-student-{language}.png")
    assert student.inner_text("#banner") == ""  # nothing it did was refused

    teacher.click("#present-open")  # the badge brings the join screen back
    teacher.wait_for_selector("#present[open]")
    teacher.click("#present-end")
    teacher.wait_for_selector("#present", state="hidden")
    student.wait_for_selector("#banner:not([hidden])", timeout=WAIT_MS)
    assert student.evaluate("document.querySelector('#status').dataset.status") == "disconnected"
    teacher_context.close()
    student_context.close()


def own_copy(browser, server_url: str, code: str, language: str | None = None):
    """A student's page that joined the room and made its own copy."""
    student = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    student.goto(f"{server_url}/?room={code}" + (f"&lang={language}" if language else ""))
    student.wait_for_selector("#network .node-value", timeout=WAIT_MS)
    student.click("#fork")
    student.wait_for_url("**/?session=*", timeout=WAIT_MS)
    return student


def test_a_student_makes_an_own_copy_and_goes_back_to_the_class(browser, server_url, screenshot_dir):
    teacher, code = presenting(browser, server_url, steps=1)
    student = own_copy(browser, server_url, code)
    student.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    assert student.evaluate("document.body.dataset.role") == "own"
    assert student.inner_text("#step-count") == "1"  # the teacher's network as it was
    assert student.is_visible("#play") and student.is_visible("#back-to-class")
    student.select_option("#learning-rate", "0.03")  # it is the student's to change
    student.click("#play")
    student.wait_for_selector("#status[data-status='running']")
    assert teacher.inner_text("#step-count") == "1"  # the teacher's is untouched
    teacher.wait_for_function("() => document.querySelector('#present-count').textContent.includes('1 own copy')",
                              timeout=WAIT_MS)
    student.screenshot(path=screenshot_dir / "room-own-copy.png")
    student.click("#back-to-class")
    student.wait_for_url(f"**/?room={code}", timeout=WAIT_MS)
    student.wait_for_selector("body[data-role='follower']", timeout=WAIT_MS)
    student.context.close()
    teacher.context.close()


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_the_teacher_sees_a_students_renamed_copy_on_the_dashboard_and_calls_everyone_back(
        browser, server_url, axe, screenshot_dir, language):
    teacher, code = presenting(browser, server_url, language)
    student = own_copy(browser, server_url, code, language)
    student.wait_for_selector("#own-name-input", timeout=WAIT_MS)
    assert student.input_value("#own-name-input")  # the anonymous name it was given
    name = "<b>Ada</b> 小明"
    student.fill("#own-name-input", name)
    with student.expect_response("**/name"):
        student.click("#own-name button[type=submit]")
    student.click("#play")
    student.wait_for_selector("#status[data-status='running']")

    assert "Ada" not in teacher.inner_text("#present")  # the projector shows counts only
    teacher.click("#present-dashboard")
    teacher.wait_for_selector("#dashboard[open]")
    assert not teacher.is_visible("#present")
    card = teacher.locator("#dashboard-cards .dash-card").filter(has_text=name)
    card.wait_for(timeout=WAIT_MS)  # the name as text, never as markup
    assert card.locator("b").count() == 0
    teacher.wait_for_function(
        "() => document.querySelector('#dashboard-cards .dash-card')?.dataset.status === 'training'",
        timeout=WAIT_MS)
    assert axe_violations(teacher, axe) == []
    teacher.screenshot(path=screenshot_dir / f"room-dashboard-{language}.png")

    # "Look at this one": a classmate following the room watches the student's copy, then the
    # teacher's network again.
    copy, own = student.inner_text("#session-id"), teacher.inner_text("#session-id")
    classmate = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    classmate.goto(f"{server_url}/?room={code}")
    classmate.wait_for_function("s => document.querySelector('#session-id').textContent === s", arg=own,
                                timeout=WAIT_MS)
    card.locator("button").click()
    classmate.wait_for_function("s => document.querySelector('#session-id').textContent === s", arg=copy,
                                timeout=WAIT_MS)
    assert classmate.evaluate("document.body.dataset.role") == "follower"
    teacher.click("#dashboard-unproject")
    classmate.wait_for_function("s => document.querySelector('#session-id').textContent === s", arg=own,
                                timeout=WAIT_MS)
    classmate.context.close()

    teacher.click("#dashboard-pause")
    student.wait_for_selector("#status[data-status='paused']", timeout=WAIT_MS)
    teacher.click("#dashboard-recall")
    student.wait_for_url(f"**/?room={code}", timeout=WAIT_MS)
    student.wait_for_selector("body[data-role='follower']", timeout=WAIT_MS)
    teacher.click("#dashboard-close")
    teacher.wait_for_selector("#dashboard", state="hidden")
    student.context.close()
    teacher.context.close()


def test_the_teacher_filters_the_dashboard_by_status_and_by_a_piece_of_a_name(browser, server_url, screenshot_dir):
    teacher, code = presenting(browser, server_url)
    api = teacher.request
    for name in ["Ada Lovelace", "小明", "Alan 小红"]:
        copy = api.post(f"{server_url}/api/rooms/{code}/fork").json()
        steer = {"Authorization": f"Bearer {copy['token']}"}
        assert api.patch(f"{server_url}/api/sessions/{copy['id']}/name", data={"name": name}, headers=steer).ok
        if name == "Alan 小红":  # this one diverges
            config = api.get(f"{server_url}/api/sessions/{copy['id']}").json()["config"]
            config["training"]["learning_rate"] = 100.0
            config["network"]["loss"], config["network"]["output_activation"] = "mse", "linear"
            assert api.put(f"{server_url}/api/sessions/{copy['id']}/config", data=config, headers=steer).ok
            api.post(f"{server_url}/api/sessions/{copy['id']}/train", data={"steps": 500}, headers=steer)

    teacher.click("#present-dashboard")
    teacher.wait_for_selector("#dashboard[open]")
    teacher.wait_for_function("() => document.querySelectorAll('#dashboard-cards .dash-card').length === 3",
                              timeout=WAIT_MS)
    labels = teacher.locator("#dashboard-status label")
    assert [labels.nth(i).inner_text().strip() for i in range(4)] == [
        "All (3)", "Training (0)", "Paused (2)", "Diverged (1)"]

    def names() -> list[str]:
        return teacher.locator("#dashboard-cards .dash-name").all_inner_texts()

    def showing(expected: list[str]) -> None:
        teacher.wait_for_function("n => document.querySelectorAll('#dashboard-cards .dash-card').length === n",
                                  arg=len(expected), timeout=WAIT_MS)
        assert sorted(names()) == sorted(expected)

    teacher.check("#dashboard-status input[value='diverged']")
    showing(["Alan 小红"])
    assert teacher.locator("#dashboard-cards .dash-card").get_attribute("data-status") == "diverged"
    teacher.check("#dashboard-status input[value='paused']")
    showing(["Ada Lovelace", "小明"])
    teacher.check("#dashboard-status input[value='all']")
    teacher.fill("#dashboard-search", "AL")  # any case
    showing(["Alan 小红"])
    teacher.fill("#dashboard-search", "小")  # Chinese names too
    showing(["小明", "Alan 小红"])
    teacher.check("#dashboard-status input[value='paused']")  # both filters at once
    showing(["小明"])
    teacher.screenshot(path=screenshot_dir / "room-dashboard-filtered.png")
    teacher.fill("#dashboard-search", "zzz")
    showing([])
    assert teacher.is_visible("#dashboard-nomatch") and not teacher.is_visible("#dashboard-empty")
    # Closed and opened again, the dashboard keeps the filter the teacher chose.
    teacher.click("#dashboard-close")
    teacher.wait_for_selector("#dashboard", state="hidden")
    teacher.click("#present-open")
    teacher.click("#present-dashboard")
    teacher.wait_for_selector("#dashboard[open]")
    assert teacher.input_value("#dashboard-search") == "zzz"
    assert teacher.is_checked("#dashboard-status input[value='paused']")
    teacher.context.close()
