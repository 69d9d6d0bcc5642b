"""The quiz page for everyone, in Debian's Chromium at phone size: the whole attempt with the keyboard alone
(start, answer, flag, report, move, submit, confirm, report again on the review), flags that survive a
reload and the submit dialog listing them, and the time announced to screen readers only at 5 minutes,
1 minute, 30 seconds and zero (the page's clock driven by Playwright)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from quiz.infra.database import reading
from quiz.models import Answer, AttemptQuestion, QuestionReport
from tests.chromium import PHONE
from tests.helpers import browser_login

pytestmark = pytest.mark.browser

VISIBLE = "fieldset.question:not([hidden])"


@pytest.fixture
def lan(page, live_server, bank, contest_factory, user_factory):
    """Lan, logged in on the phone, and the contest thi-thu of four questions; (page, base url)."""
    contest_factory("thi-thu", question_count=4, time_limit_s=600)
    user_factory(email="lan@example.vn", full_name="Trần Thị Lan")
    browser_login(page, live_server.url, "lan@example.vn")
    page.wait_for_url(live_server.url + "/")
    return page, live_server.url


def focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, back: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab when ``back``) until the focus is on ``selector``."""
    for _ in range(limit):
        if focused(page, selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"the keyboard never reached {selector}")


def outline(page) -> str:
    return page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")


def report_by_keyboard(page, button: str, message: str) -> None:
    """From the focus on a "Báo lỗi câu hỏi" button: open the dialog, type, send; the focus comes back."""
    tab_to(page, button)
    page.keyboard.press("Enter")
    page.wait_for_selector("#report-dialog[open]")
    assert focused(page, "#report-message")
    page.keyboard.type(message)
    page.keyboard.press("Tab")
    assert focused(page, "#report-send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#report-status:has-text('Đã gửi báo lỗi')")
    assert page.locator("#report-dialog").get_attribute("open") is None
    assert focused(page, button)


def visible_question(page) -> str:
    return page.locator(VISIBLE).get_attribute("id")[2:]


def test_the_whole_attempt_with_the_keyboard_alone(lan, session):
    page, base = lan
    page.goto(base + "/contests/thi-thu")
    tab_to(page, "form[action$='/start'] button")
    assert outline(page) != "none"  # a visible focus ring
    page.keyboard.press("Enter")
    page.wait_for_selector(VISIBLE)
    aid = int(page.url.rsplit("/", 1)[1])
    # Real radio buttons, in a fieldset with its legend, one group per question.
    assert page.locator("fieldset.question > legend").count() == 4
    assert page.locator("fieldset.question label.option > input[type=radio]").count() == 16
    q1 = visible_question(page)

    # Question 1: choose with Space, change with an arrow key; flag it; report it.
    tab_to(page, f"{VISIBLE} input[type=radio]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    second = page.locator(f"#q-{q1} input[type=radio]").nth(1)
    assert second.is_checked()
    tab_to(page, f"#flag-{q1}")
    assert outline(page) != "none"
    page.keyboard.press("Space")
    assert page.get_attribute(f"#flag-{q1}", "aria-pressed") == "true"
    report_by_keyboard(page, f"#q-{q1} .report-open", "Hai phương án giống nhau.")

    # Next question (left blank), then question 3 through the navigator, which takes the focus to it.
    tab_to(page, "#next")
    page.keyboard.press("Enter")
    q2 = visible_question(page)
    assert q2 != q1 and focused(page, "#next") and page.inner_text("#question-status") == "Câu 2"
    tab_to(page, "#navigator button:nth-child(3)", back=True)
    page.keyboard.press("Enter")
    q3 = visible_question(page)
    assert focused(page, f"#q-{q3}")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    name = page.get_attribute("#navigator button:nth-child(1)", "aria-label")
    assert name == "Câu 1, đã trả lời, đã đánh dấu để xem lại"

    # Submit: the dialog lists the flagged and the unanswered questions; a link goes back to one.
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#submit-dialog[open]")
    assert page.locator("#submit-flagged a").all_inner_texts() == ["Câu 1"]
    assert page.locator("#submit-unanswered a").all_inner_texts() == ["Câu 2", "Câu 4"]
    assert "2 câu chưa trả lời và 1 câu đã đánh dấu" in page.inner_text("#submit-summary")
    tab_to(page, f"#submit-unanswered a[href='#q-{q2}']")
    page.keyboard.press("Enter")
    assert page.locator("#submit-dialog").get_attribute("open") is None
    assert visible_question(page) == q2 and focused(page, f"#q-{q2}")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    tab_to(page, "#submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#submit-dialog[open]")
    assert page.locator("#submit-unanswered a").all_inner_texts() == ["Câu 4"]
    tab_to(page, "#confirm-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The review (after each submit here): report from it too, still by keyboard.
    report_by_keyboard(page, ".review > li:nth-child(4) .report-open", "Giải thích chưa khớp với điều luật.")
    with reading(session):
        reports = session.execute(select(QuestionReport).order_by(QuestionReport.id)).scalars().all()
        saved = dict(session.execute(select(Answer.question_id, Answer.option_id)
                                     .where(Answer.attempt_id == aid)).all())
        paper = session.get(AttemptQuestion, (aid, int(q1)))
    assert [(r.attempt_id, r.message) for r in reports] == [(aid, "Hai phương án giống nhau."),
                                                            (aid, "Giải thích chưa khớp với điều luật.")]
    assert str(reports[0].question_id) == q1
    assert saved[int(q1)] == paper.options[1][0]  # the arrow key's choice, saved
    assert set(saved) == {int(q1), int(q2), int(q3)}


def test_flags_survive_a_reload_and_mark_the_navigator(lan):
    page, base = lan
    page.goto(base + "/contests/thi-thu")
    page.click("form[action$='/start'] button")
    page.wait_for_selector(VISIBLE)
    q1 = visible_question(page)
    assert page.get_attribute(f"#flag-{q1}", "aria-pressed") == "false"
    page.click(f"#flag-{q1}")
    page.click("#next")
    q2 = visible_question(page)
    page.click(f"#flag-{q2}")
    page.click(f"#flag-{q2}")  # and unflag it again
    page.reload()
    page.wait_for_selector(VISIBLE)
    assert page.get_attribute(f"#flag-{q1}", "aria-pressed") == "true"
    assert page.get_attribute(f"#flag-{q2}", "aria-pressed") == "false"
    first = "#navigator button:nth-child(1)"
    assert "flagged" in page.get_attribute(first, "class")
    assert page.get_attribute(first, "aria-label") == "Câu 1, đã đánh dấu để xem lại"
    assert "⚑" in page.evaluate("s => getComputedStyle(document.querySelector(s), '::after').content", first)
    assert page.get_attribute("#navigator button:nth-child(2)", "aria-label") == "Câu 2"
    page.click("#submit")
    page.wait_for_selector("#submit-dialog[open]")
    assert page.locator("#submit-flagged a").all_inner_texts() == ["Câu 1"]
    assert page.locator("#submit-unanswered a").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#cancel-submit")
    assert page.locator("#submit-dialog").get_attribute("open") is None and focused(page, "#submit")


def test_screen_readers_hear_the_time_only_at_its_points(page, live_server, bank, contest_factory, user_factory):
    contest_factory("thi-thu", question_count=4, time_limit_s=330)
    user_factory(email="lan@example.vn")
    page.clock.install()
    browser_login(page, live_server.url, "lan@example.vn")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/contests/thi-thu")
    page.click("form[action$='/start'] button")
    page.wait_for_selector(VISIBLE)
    page.wait_for_function("document.getElementById('countdown').textContent !== '--:--'")
    now = page.evaluate("Date.now()")
    page.clock.pause_at(datetime.fromtimestamp(now / 1000, timezone.utc) + timedelta(milliseconds=300))
    # The visible countdown is no live region; the two announcers are, and say nothing yet.
    live = "document.getElementById('countdown').closest('[aria-live]').getAttribute('aria-live')"
    assert page.evaluate(live) == "off"
    assert page.get_attribute("#time-polite", "aria-live") == "polite"
    assert page.get_attribute("#time-assertive", "aria-live") == "assertive"
    assert page.inner_text("#time-polite") == page.inner_text("#time-assertive") == ""
    page.route("**/submit", lambda route: route.abort())  # keep the page at zero: no result page yet
    page.evaluate("""() => {
        window.__log = [];
        new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(
            n => window.__log.push([r.target.id, n.textContent])))).observe(document.body,
            {childList: true, subtree: true});
    }""")
    page.clock.run_for(340_000)
    countdown, said = None, []
    for target, text in page.evaluate("window.__log"):
        if target == "countdown":
            countdown = text
        elif target in ("time-polite", "time-assertive"):
            said.append((countdown, target, text))
    assert said == [("5:00", "time-polite", "Còn 5 phút."), ("1:00", "time-polite", "Còn 1 phút."),
                    ("0:30", "time-assertive", "Còn 30 giây."),
                    ("0:00", "time-assertive", "Hết giờ. Bài làm đang được nộp.")]
