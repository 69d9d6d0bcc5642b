"""The ceremony screen (/judges/SLUG/ceremony): the key figures in Vietnamese format and the prize winners from the
lowest prize up, revealed one by one with the keyboard or the button in Chromium at a projector's size."""
from datetime import timedelta

import pytest

from quiz.contest.contests import create_contest
from quiz.models import utcnow
from tests.helpers import LiveServer, browser_login, finished_attempt, page_client

T0 = utcnow().replace(microsecond=0) - timedelta(days=2)
SCORES = {"Phạm Thị Hồng Nhung": 20, "Nguyễn Đức Ưng": 19, "Trần Thu Hà": 18, "Lê Văn Bình": 17, "Vũ Thị Yến": 10}


@pytest.fixture
def ceremony_contest(session, bank, user_factory):
    contest = create_contest(session, slug="le-tong-ket", title="Tìm hiểu Luật Hợp tác xã năm 2023",
                             opens_at=T0 - timedelta(days=1), closes_at=utcnow() + timedelta(days=1),
                             max_attempts=5, prize_tiers="1:Giải Nhất,1:Giải Nhì,2:Giải Ba")
    for i, (name, score) in enumerate(SCORES.items()):
        person = user_factory(full_name=name, unit="HTX Sen Hồng")
        finished_attempt(session, contest, person, score, 300 + i, T0, submitted_s=i)
    user_factory(role="judge", email="bgk@example.vn")
    session.commit()
    return contest


def test_the_screen_lists_figures_and_winners_lowest_prize_first(app, session, ceremony_contest):
    """(Who may open it: tests/test_roles.py walks every staff route.)"""
    session.rollback()
    judge = page_client(app, "bgk@example.vn")
    html = judge.get("/judges/le-tong-ket/ceremony").get_data(as_text=True)
    assert 'id="fig-participants">5<' in html and 'id="fig-attempts">5<' in html
    assert "20,00% số lượt thi" in html and "80,00% số lượt thi" in html  # 1 perfect, 4 at 15 or more
    order = [html.index(name) for name in ("Lê Văn Bình", "Trần Thu Hà", "Nguyễn Đức Ưng", "Phạm Thị Hồng Nhung")]
    assert order == sorted(order) and "Vũ Thị Yến" not in html
    assert "tạm tính" in html  # not frozen yet


def test_winners_are_revealed_one_by_one_with_the_keyboard(browser, database_url, session, ceremony_contest):
    session.rollback()
    server = LiveServer(database_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        browser_login(page, server.url, "bgk@example.vn")
        page.goto(server.url + "/judges/le-tong-ket/ceremony")
        winners = page.locator("#winners li.winner")
        assert winners.count() == 4

        def visible() -> list[str]:
            shown = [winners.nth(i) for i in range(4) if winners.nth(i).is_visible()]
            return [w.locator(".winner-name").inner_text() for w in shown]

        assert visible() == [] and page.inner_text("#reveal-status") == "Đã công bố 0/4"
        assert page.inner_text("#fig-participants") == "5"
        page.keyboard.press("Space")
        assert visible() == ["Lê Văn Bình"]
        assert page.inner_text("#reveal-status") == "Giải Ba: Lê Văn Bình. Đã công bố 1/4"  # read out (aria-live)
        page.keyboard.press("ArrowRight")
        page.click("#reveal-next")
        assert visible() == ["Lê Văn Bình", "Trần Thu Hà", "Nguyễn Đức Ưng"]
        page.keyboard.press("ArrowLeft")
        assert visible() == ["Lê Văn Bình", "Trần Thu Hà"]
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert visible()[-1] == "Phạm Thị Hồng Nhung" and page.is_disabled("#reveal-next")
        assert "Giải Nhất" in winners.nth(3).inner_text()
        size = page.evaluate("() => getComputedStyle(document.querySelector('.winner-name')).fontSize")
        assert float(size.removesuffix("px")) >= 30  # large type for the projector
    finally:
        context.close()
        server.stop()
