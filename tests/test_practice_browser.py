"""Practice contests and accommodations in Debian's Chromium at phone size: the badge, a practice attempt without
the tie-break question and with its review, another attempt at once; the organizers' page with the keyboard, and
the countdown of an attempt with extra time."""
import re

import pytest

from tests.chromium import PHONE
from tests.helpers import browser_login, submit_quiz

pytestmark = pytest.mark.browser


def start(page, base, slug):
    page.goto(f"{base}/contests/{slug}")
    page.click("text=Bắt đầu lượt thi")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    page.wait_for_selector("fieldset.question:not([hidden])")


def countdown_s(page) -> int:
    minutes, seconds = page.inner_text("#countdown").split(":")[:2]
    return int(minutes) * 60 + int(seconds)


def test_practice_and_extra_time_on_a_phone(page, live_server, session, bank, contest_factory, user_factory):
    contest_factory("luyen-tap", title="Thi thử Luật HTX", practice=True, max_attempts=1, review_policy="never",
                    question_count=5, time_limit_s=600)
    contest_factory("chinh-thuc", title="Cuộc thi chính thức", time_limit_s=600, question_count=5)
    user_factory(email="hoa@example.vn", full_name="Lê Thị Hoa")
    user_factory(role="organizer", email="btc@example.vn")
    base = live_server.url

    browser_login(page, base, "hoa@example.vn")
    page.wait_for_url(re.compile(r".*/$"))
    practice_card = page.locator("article.contest", has_text="Thi thử Luật HTX")
    assert practice_card.locator(".badge.practice").inner_text() == "Thi thử"
    assert page.locator("article.contest", has_text="Cuộc thi chính thức").locator(".badge.practice").count() == 0
    for n in (1, 2):  # one attempt allowed on paper: a practice has no limit
        start(page, base, "luyen-tap")
        assert page.locator("#prediction").count() == 0  # no tie-break question: nothing is ranked
        submit_quiz(page)
        page.wait_for_selector("#result")
        assert page.locator(".review > li").count() == 5, n  # the review, though the policy says never
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The organizer gives Hoa 5 more minutes in the real contest, with the keyboard only.
    organizer = page.context.browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    staff = organizer.new_page()
    browser_login(staff, base, "btc@example.vn")
    staff.wait_for_url(re.compile(r".*/$"))
    staff.goto(base + "/organizer/contests/chinh-thuc/accommodations")
    staff.get_by_label("Email của người dự thi").focus()
    staff.keyboard.type("hoa@example.vn")
    staff.keyboard.press("Tab")
    assert staff.evaluate("document.activeElement.id") == "extra_time_min"
    staff.keyboard.press("Control+A")
    staff.keyboard.type("5")
    staff.keyboard.press("Enter")
    staff.wait_for_selector("table#accommodations")
    assert "Lê Thị Hoa" in staff.inner_text("table#accommodations")
    assert "5 phút 00 giây" in staff.inner_text("table#accommodations")
    assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    organizer.close()

    start(page, base, "chinh-thuc")
    assert 600 < countdown_s(page) <= 900  # the attempt's own limit: 10 minutes and 5 more
    assert page.locator("#prediction").count() == 1
