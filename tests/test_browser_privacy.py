"""In Chromium at phone size: an organizer reads the suspicious-pattern report and downloads its CSV; a
participant downloads their own data. No CSP violation on the way."""
import csv
import io
import json
import re
from pathlib import Path

import pytest

from .conftest import LiveServer
from .test_browser import PHONE, answer, browser, register, start  # noqa: F401 (browser: the fixture)

pytestmark = pytest.mark.browser
CSP_RECORDER = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture
def server(app, database_url):
    s = LiveServer(database_url)
    yield s
    s.stop()


@pytest.fixture
def phone_page(browser):  # noqa: F811 (the fixture imported above)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True,
                                  accept_downloads=True)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_organizer_reads_the_report_and_downloads_the_csv(phone_page, server, session, bank, contest_factory,
                                                          user_factory):
    from quiz.attempts import start_attempt

    contest = contest_factory("thi-thu", title="Cuộc thi tuần 1")
    user_factory(role="organizer", email="btc@example.vn")
    for i in range(5):  # a hall of five starting from one address within minutes
        u = user_factory(full_name=f"Người Hội Trường {i}", email=f"ht{i}@example.vn", unit="HTX Hội Trường")
        start_attempt(session, u.id, contest, ip="203.0.113.77", device="abcdef0123456789")
    page, base = phone_page, server.url
    page.goto(base + "/login")
    page.fill("#email", "btc@example.vn")
    page.fill("#password", "mat-khau-123")
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(base + "/organizer/contests")
    page.click("tr[data-slug='thi-thu'] >> text=Dấu hiệu bất thường")
    page.wait_for_selector("#counts")
    main = page.inner_text("main")
    assert "Dấu hiệu bất thường: Cuộc thi tuần 1" in main
    assert "5 người bắt đầu làm bài từ địa chỉ IP 203.0.113.77" in main and "ht4@example.vn" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # tables scroll inside
    page.click("#rules summary")
    assert "trong vòng 60 phút" in page.inner_text("#rules")
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename == "dau-hieu-bat-thuong-thi-thu.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][3] == "Lý do" and len(rows) == 1 + 10  # five people, flagged by address and by device
    assert {r[1] for r in rows[1:]} == {"starts_ip", "starts_device"}
    assert sorted({r[5] for r in rows[1:]}) == [f"ht{i}@example.vn" for i in range(5)]
    # The attempt behind a flag.
    page.locator("section.flag").first.locator("td a[href*='/attempts/']").first.click()
    page.wait_for_selector("text=Lượt thi #")
    assert "203.0.113.77" in page.inner_text("main")
    assert page.evaluate("window.__csp") == []


def test_participant_downloads_their_data(phone_page, server, session, bank, contest_factory):
    contest_factory("thi-thu")
    page, base = phone_page, server.url
    register(page, base, "tai-du-lieu@example.vn")
    aid = start(page, base)
    qid, _right = answer(page, session, aid, 0)
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    page.once("dialog", lambda d: d.accept())
    page.click("#submit")
    page.wait_for_selector("#result")
    page.click("text=Thông tin của tôi")
    page.wait_for_selector("#profile")
    assert "tai-du-lieu@example.vn" in page.inner_text("#profile") and "0987654321" in page.inner_text("#profile")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_download() as info:
        page.click("#download-data")
    download = info.value
    assert re.fullmatch(r"du-lieu-cua-toi-\d+\.json", download.suggested_filename)
    body = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert body["profile"]["email"] == "tai-du-lieu@example.vn" and body["profile"]["full_name"] == "Lê Thị Hoa"
    assert body["profile"]["registered_ip"] == "127.0.0.1" and len(body["profile"]["registered_device"]) == 16
    (attempt,) = body["attempts"]
    assert attempt["id"] == aid and attempt["score"] == 1 and attempt["answer_key_included"] is True
    question = next(q for q in attempt["questions"] if q["question_id"] == qid)
    assert question["your_answer"] == question["correct_answer"] and question["your_answer"] in question["options"]
    assert sum(q["your_answer"] is not None for q in attempt["questions"]) == 1
    assert page.evaluate("window.__csp") == []
