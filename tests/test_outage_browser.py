"""The quiz page in Debian's Chromium while the database is down: it keeps the unsaved answer, says so in
Vietnamese, and saves it by itself once the database is back (a private PostgreSQL stopped and started)."""
import re

import pytest
from sqlalchemy import text

from tests.helpers import LiveServer, browser_login, correct_option
from tests.pg_server import app_on, populate

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_quiz_page_keeps_the_answer_through_a_database_outage(page, private_postgres):
    pg = private_postgres
    email, = populate(pg.url)
    server = LiveServer(pg.url, workers=1, threads=4)
    try:
        base = server.url
        browser_login(page, base, email)
        page.wait_for_url(base + "/")
        page.goto(base + "/contests/thi-thu")
        page.click("text=Bắt đầu lượt thi")
        page.wait_for_url(re.compile(r".*/attempts/\d+$"))
        page.wait_for_selector("fieldset.question:not([hidden])")
        attempt_id = int(page.url.rsplit("/", 1)[1])
        qids = [page.locator(f"fieldset.question[data-index='{i}']").get_attribute("id")[2:] for i in range(2)]
        app = app_on(pg.url)
        with app.app_context():
            from quiz.infra.extensions import db

            right = {qid: correct_option(db.session, attempt_id, qid) for qid in qids}
            db.session.remove()
            db.engine.dispose()

        def choose(i):
            page.click(f"#navigator button:nth-child({i + 1})")
            page.locator(f"#q-{qids[i]} input[value='{right[qids[i]]}']").check()

        choose(0)
        page.wait_for_selector("text=Đã lưu tất cả câu trả lời")

        pg.stop("fast")
        choose(1)
        notice = page.locator("#server-notice")
        notice.wait_for(state="visible")
        assert "tạm gián đoạn" in notice.inner_text() and "giữ trên máy này" in notice.inner_text()
        assert "chưa lưu" in page.inner_text("#save-state")
        kept = page.evaluate(f"JSON.parse(localStorage.getItem('quiz-pending-{attempt_id}'))")
        assert kept == {qids[1]: right[qids[1]]}

        pg.start()
        page.wait_for_selector("text=Đã lưu tất cả câu trả lời", timeout=30000)  # retried after Retry-After
        assert notice.is_hidden()
        assert page.evaluate(f"localStorage.getItem('quiz-pending-{attempt_id}')") is None
        with app.app_context():
            saved = dict(db.session.execute(text("SELECT question_id, option_id FROM answer WHERE attempt_id = :a"),
                                            {"a": attempt_id}).all())
            db.session.remove()
            db.engine.dispose()
        assert {str(k): v for k, v in saved.items()} == right
    finally:
        server.stop()
