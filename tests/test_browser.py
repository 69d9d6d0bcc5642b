"""The participant's whole flow in Debian's Chromium at phone size, reload and expiry included; the forgotten
password flow; the suspicious-pattern report and a participant's data download."""
import csv
import io
import json
import re
import time
from pathlib import Path

import pytest

from tests.chromium import PHONE
from tests.helpers import LiveServer, browser_login, correct_option, submit_quiz
from tests.hostile import EXPLANATION, NAME, OPTIONS, STEM, TITLE, UNIT
from tests.mailbox import PASSWORD, USER, reset_path

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app, database_url):
    s = LiveServer(database_url, extra_env={"ANSWER_GRACE_S": "1"})
    yield s
    s.stop()


def register(page, base, email="hoa@example.vn"):
    page.goto(base + "/register")
    page.fill("#full_name", "Lê Thị Hoa")
    page.fill("#email", email)
    page.fill("#password", "mat-khau-123")
    page.fill("#confirm", "mat-khau-123")
    page.fill("#phone", "0987654321")
    page.fill("#unit", "HTX Dịch vụ Nông nghiệp An Bình")
    page.select_option("#province", "92")  # Thành phố Cần Thơ; its wards come from the API
    page.select_option("#locality_code", "31135")  # Phường Ninh Kiều
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert "Lê Thị Hoa" in page.inner_text("header")


def test_registration_consent_and_deletion_on_a_phone(page, server, session):
    from sqlalchemy import select

    from quiz.models import User

    base = server.url
    page.goto(base + "/register")
    page.fill("#full_name", "Đinh Thị Xoá")
    page.fill("#email", "xoa@example.vn")
    page.fill("#password", "mat-khau-123")
    page.fill("#confirm", "mat-khau-123")
    assert page.get_attribute("#consent-field a", "href") == "/privacy"
    page.click("button[type=submit]")  # unticked: the form comes back with the reason
    assert "Bạn cần đồng ý với Thông báo xử lý dữ liệu cá nhân" in page.inner_text("#consent-field")
    page.fill("#password", "mat-khau-123")
    page.fill("#confirm", "mat-khau-123")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(base + "/me")
    page.click("#delete-link")
    page.wait_for_url(base + "/me/delete")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # fits a phone, no sideways scroll
    page.fill("#password", "sai-mat-khau-1")
    page.click("#delete-submit")
    assert "Mật khẩu không đúng." in page.inner_text("#delete-form")
    page.fill("#password", "mat-khau-123")
    page.click("#delete-submit")
    page.wait_for_url(base + "/")
    assert "đã được xoá" in page.inner_text("main")
    assert "Đinh Thị Xoá" not in page.inner_text("header")
    session.rollback()
    assert session.execute(select(User).where(User.email == "xoa@example.vn")).first() is None
    session.commit()


def start(page, base, slug="thi-thu"):
    page.goto(f"{base}/contests/{slug}")
    page.click("text=Bắt đầu lượt thi")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    page.wait_for_selector("fieldset.question:not([hidden])")
    return int(page.url.rsplit("/", 1)[1])


def answer(page, session, attempt_id, index):
    """Choose the right option of question ``index`` (0-based) through the navigator."""
    page.click(f"#navigator button:nth-child({index + 1})")
    fs = page.locator(f"fieldset.question[data-index='{index}']")
    qid = fs.get_attribute("id")[2:]
    right = correct_option(session, attempt_id, qid)
    fs.locator(f"input[value='{right}']").check()
    return qid, right


def test_whole_flow_on_a_phone(page, server, session, bank, contest_factory):
    contest_factory("thi-thu", time_limit_s=600)
    base = server.url
    register(page, base)
    aid = start(page, base)
    # Readable at 360 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#navigator button").count() == 20
    chosen = dict(answer(page, session, aid, i) for i in range(5))
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    assert page.locator("#navigator button.answered").count() == 5
    before = page.inner_text("#countdown")
    time.sleep(1.2)
    page.reload()
    page.wait_for_selector("fieldset.question:not([hidden])")
    for qid, option in chosen.items():
        assert page.locator(f"#q-{qid} input[value='{option}']").is_checked()
    after = page.inner_text("#countdown")
    to_s = lambda t: int(t.split(":")[0]) * 60 + int(t.split(":")[1])  # noqa: E731
    assert 0 < to_s(after) < to_s(before) <= 600  # the server's clock kept running; not reset by the reload

    # The network drops: the choice is kept, shown as unsaved, and saved when the network returns.
    page.context.set_offline(True)
    qid, option = answer(page, session, aid, 5)
    page.wait_for_selector(".save-state.offline, .save-state.saving")
    assert "chưa lưu" in page.inner_text("#save-state") or "Đang lưu" in page.inner_text("#save-state")
    page.context.set_offline(False)
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời", timeout=20000)

    # All questions on one page works too.
    page.check("#show-all")
    assert page.locator("fieldset.question:visible").count() == 20
    for i in range(6, 12):
        fs = page.locator(f"fieldset.question[data-index='{i}']")
        qid = fs.get_attribute("id")[2:]
        fs.locator(f"input[value='{correct_option(session, aid, qid)}']").check()
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    page.fill("#prediction", "1500")
    submit_quiz(page)
    page.wait_for_selector("#result")
    assert page.inner_text("#score") == "12/20"
    assert "Đã nộp bài" in page.inner_text("#result")
    assert page.locator(".review > li").count() == 20
    assert "Giải thích" in page.inner_text(".review")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The public leaderboard, reached from the contest page, fits the phone too.
    page.goto(server.url + "/contests/thi-thu")
    page.click("text=Xem bảng xếp hạng")
    page.wait_for_selector("table.leaderboard")
    assert "12/20" in page.inner_text("table.leaderboard") and "Kết quả tạm tính" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_warns_before_leaving_with_unsaved_answers(page, server, session, bank, contest_factory):
    contest_factory("thi-thu")
    register(page, server.url, "canh-bao@example.vn")
    aid = start(page, server.url)
    page.context.set_offline(True)
    answer(page, session, aid, 0)
    with page.expect_event("dialog") as info:
        page.close(run_before_unload=True)
    assert info.value.type == "beforeunload"
    info.value.accept()


def test_expiry_auto_submits_at_zero(page, server, session, bank, contest_factory):
    contest_factory("thi-thu", time_limit_s=10)
    register(page, server.url, "het-gio@example.vn")
    aid = start(page, server.url)
    for i in range(2):
        answer(page, session, aid, i)
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    page.wait_for_selector("#result", timeout=25000)  # the countdown reaches zero and submits by itself
    assert page.inner_text("#score") == "2/20"
    assert re.search(r"10 giây", page.inner_text("#duration"))


def test_attempt_left_open_is_closed_with_saved_answers(page, server, session, bank, contest_factory):
    contest_factory("thi-thu", time_limit_s=10)
    register(page, server.url, "bo-do@example.vn")
    aid = start(page, server.url)
    answer(page, session, aid, 0)
    page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
    page.goto(server.url + "/")  # walk away before the deadline
    time.sleep(12)  # 10 s limit + 1 s grace
    page.goto(f"{server.url}/attempts/{aid}")
    assert page.inner_text("#score") == "1/20"
    assert "Hết giờ" in page.inner_text("#result")
    assert "10 giây" in page.inner_text("#duration")


def test_organizer_manages_the_bank(browser, server, session, user_factory, tmp_path):
    from quiz.bank.check import bank_files
    from quiz.bank.question_files import parse_questions
    from quiz.bank.questions import import_questions

    import_questions(session, [q for f in bank_files() for q in parse_questions(f)])
    user_factory(role="organizer", email="btc@example.vn")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    base = server.url
    browser_login(page, base, "btc@example.vn")
    page.click("text=Ngân hàng câu hỏi")
    assert int(page.inner_text("#total")) >= 300
    # Search without diacritics finds the same questions as with them.
    page.fill("input[name=q]", "giai the")
    with page.expect_navigation():  # count the rows of the loaded result, not of a page still arriving
        page.click("text=Lọc")
    plain = page.locator("tr[data-code]").count()
    page.fill("input[name=q]", "giải thể")
    with page.expect_navigation():
        page.click("text=Lọc")
    assert plain > 0 and page.locator("tr[data-code]").count() == plain
    code = page.locator("tr[data-code]").first.get_attribute("data-code")
    page.locator("tr[data-code]").first.locator("text=Sửa").click()
    page.fill("#text", page.input_value("#text") + " (bản sửa)")
    page.click("text=Lưu phiên bản mới")
    assert "Đã lưu phiên bản mới của câu hỏi." in page.inner_text("main")
    assert "(bản sửa)" in page.inner_text(f"tr[data-code='{code}']")
    # A bad file: every row's error on the page, nothing imported.
    bad = tmp_path / "loi.csv"
    bad.write_text("code,chapter,article,question,option_a,option_b,correct,explanation\nX-1,13,,Hỏi?,a,,Z,\n",
                   encoding="utf-8")
    page.goto(base + "/organizer/questions/upload")
    page.set_input_files("#file", str(bad))
    page.click("text=Kiểm tra và nhập")
    errors = page.inner_text("#upload-errors")
    assert "chưa nhập câu nào" in errors and "loi.csv:2:" in errors
    # A contest with a blueprint.
    page.goto(base + "/organizer/contests/new")
    page.fill("#slug", "tuan-3")
    page.fill("#title", "Tuần 3")
    page.fill("#opens_at", "2026-12-01T08:00")
    page.fill("#closes_at", "2026-12-08T08:00")
    for part, n in (("1", 3), ("4", 3), ("5", 3), ("6", 3), ("7", 3), ("9", 5)):
        page.fill(f"tr[data-part='{part}'] input.count", str(n))
    page.click("main button[type=submit]")
    assert "Đã tạo cuộc thi Tuần 3." in page.inner_text("main")
    assert "1:3,4:3,5:3,6:3,7:3,9:5" in page.inner_text("tr[data-slug='tuan-3']")
    context.close()


def test_judge_watches_the_dashboard_live(browser, database_url, app, session, bank, contest_factory, user_factory):
    from quiz.contest.attempts import start_attempt, submit

    server = LiveServer(database_url, extra_env={"DASHBOARD_REFRESH_S": "1", "STATS_MAX_AGE_S": "1"})
    try:
        contest = contest_factory("thi-thu", question_count=4, blueprint="1-12:4")
        user_factory(role="judge", email="bgk@example.vn")
        first = user_factory(unit="HTX Sen Hồng")
        a, _ = start_attempt(session, first.id, contest)
        submit(session, a.id, first.id, prediction=3)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        browser_login(page, server.url, "bgk@example.vn")
        page.click("text=Thống kê")
        page.click("text=Cuộc thi thử")
        assert page.inner_text("#attempts") == "1" and page.locator("#histogram rect").count() == 5
        assert "0,00%" in page.inner_text("#dashboard") and "HTX Sen Hồng" in page.inner_text("#dashboard")
        # A new attempt elsewhere shows up without reloading the page.
        second = user_factory()
        b, _ = start_attempt(session, second.id, contest)
        submit(session, b.id, second.id)
        # A function, not a bare expression: Playwright evaluates a bare one with eval(), which the CSP refuses.
        page.wait_for_function("() => document.getElementById('attempts').textContent === '2'", timeout=10000)
        assert "cập nhật lúc" in page.inner_text("#refreshed")
        with page.expect_download() as download:
            page.click("text=Excel (.xlsx)")
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert book["winners"]["A1"].value == "rank" and book["winners"].max_row == 3
        context.close()
    finally:
        server.stop()


def test_pages_work_under_the_content_security_policy(browser, database_url, app, session, bank, contest_factory,
                                                       user_factory):
    """Login, quiz and dashboard pages: no CSP violation, and their scripts still run."""
    server = LiveServer(database_url, extra_env={"DASHBOARD_REFRESH_S": "1", "STATS_MAX_AGE_S": "1"})
    contest_factory("thi-thu")
    user_factory(role="organizer", email="btc@example.vn")
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    # Violations reach the page as events and the console as errors: record both.
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    page = context.new_page()
    page.set_default_timeout(15000)
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    try:
        response = page.goto(server.url + "/login")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        register(page, server.url, "csp@example.vn")
        aid = start(page, server.url)  # quiz.js draws the questions and the navigator
        answer(page, session, aid, 0)
        page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
        assert page.evaluate("window.__csp") == []
        page.context.clear_cookies()
        browser_login(page, server.url, "btc@example.vn")
        page.goto(server.url + "/results/thi-thu")
        page.wait_for_function("() => document.getElementById('refreshed').textContent.includes('cập nhật lúc')")
        assert page.evaluate("window.__csp") == []
        assert not [text for text in console if "Content Security Policy" in text], console
    finally:
        context.close()
        server.stop()


NEW_PASSWORD = "Dong-lua-chin-vang-2026"


@pytest.fixture
def mail_server(app, database_url, mailbox):
    s = LiveServer(database_url, extra_env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port),
                                            "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD,
                                            "SMTP_FROM": "btc@example.vn", "SMTP_STARTTLS": "false"})
    yield s
    s.stop()


def test_forgotten_password_on_a_phone(page, mail_server, mailbox, session, user_factory):
    """The link arrives by real SMTP, refuses a common password, works once."""
    user_factory(email="hoa@example.vn", full_name="Lê Thị Hoa")
    base = mail_server.url
    page.goto(base + "/login")
    page.click("text=Quên mật khẩu?")
    page.wait_for_url(base + "/forgot-password")
    page.fill("#email", "hoa@example.vn")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Nếu email đã đăng ký, chúng tôi đã gửi liên kết")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    link = reset_path(mailbox.wait(1)[0]["body"])
    assert mailbox.messages[0]["to"] == ["hoa@example.vn"]
    page.goto(base + link)
    page.fill("#password", "iloveyou")
    page.fill("#confirm", "iloveyou")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Mật khẩu này quá phổ biến")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/login")
    assert "Đã đặt mật khẩu mới" in page.inner_text("main")

    browser_login(page, base, "hoa@example.vn", NEW_PASSWORD)
    page.wait_for_url(base + "/")
    assert "Lê Thị Hoa" in page.inner_text("header")

    # The link worked once.
    page.goto(base + link)
    assert "đã được dùng" in page.inner_text("main")


def test_markup_in_names_and_questions_shows_as_text(browser, database_url, hostile, session):
    """The quiz page (drawn by quiz.js), the review and the live dashboard: the payloads read literally, none runs."""
    server = LiveServer(database_url, extra_env={"DASHBOARD_REFRESH_S": "1", "STATS_MAX_AGE_S": "1"})
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    alerts = []  # an alert() would be a payload running: the page itself opens none

    def on_dialog(dialog):
        alerts.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    injected = "() => document.querySelectorAll('img[src=\"x\"], script:not([src])').length"
    try:
        browser_login(page, server.url, "lan@example.vn")
        page.goto(server.url + "/contests/thi-thu")
        assert page.inner_text("h1") == TITLE and NAME in page.inner_text("header")
        aid = start(page, server.url)
        page.check("#show-all")
        assert STEM in page.locator("fieldset.question p.q").all_inner_texts()
        assert set(OPTIONS) <= set(page.locator("label.option span").all_inner_texts())
        assert page.evaluate(injected) == 0
        for i in range(4):
            fs = page.locator(f"fieldset.question[data-index='{i}']")
            fs.locator(f"input[value='{correct_option(session, aid, fs.get_attribute('id')[2:])}']").check()
        page.wait_for_selector("text=Đã lưu tất cả câu trả lời")
        submit_quiz(page)
        page.wait_for_selector("#result")
        assert page.inner_text("#score") == "4/4"
        assert STEM in page.locator(".review p.q").all_inner_texts()
        assert EXPLANATION in page.inner_text(".review") and OPTIONS[1] in page.inner_text(".review")
        assert page.evaluate(injected) == 0

        # The organizer's dashboard, refreshed in place by dashboard.js (innerHTML of the server's escaped HTML).
        page.context.clear_cookies()
        browser_login(page, server.url, "-btc@example.vn")
        page.goto(server.url + "/results/thi-thu")
        page.wait_for_function("() => document.getElementById('refreshed').textContent.includes('cập nhật lúc')")
        assert UNIT in page.inner_text("#dashboard") and "@C <b>đậm</b>" in page.inner_text("#dashboard")
        assert page.evaluate(injected) == 0 and alerts == []
    finally:
        context.close()
        server.stop()


# An organizer reads the suspicious-pattern report and downloads its CSV; a participant downloads their own
# data (here, to share the one Playwright of this module).
CSP_RECORDER = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True,
                                  accept_downloads=True)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_organizer_reads_the_report_and_downloads_the_csv(phone_page, server, session, bank, contest_factory,
                                                          user_factory):
    from quiz.contest.attempts import start_attempt

    contest = contest_factory("thi-thu", title="Cuộc thi tuần 1")
    user_factory(role="organizer", email="btc@example.vn")
    for i in range(5):  # a hall of five starting from one address within minutes
        u = user_factory(full_name=f"Người Hội Trường {i}", email=f"ht{i}@example.vn", unit="HTX Hội Trường")
        start_attempt(session, u.id, contest, ip="203.0.113.77", device="abcdef0123456789")
    page, base = phone_page, server.url
    browser_login(page, base, "btc@example.vn")
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
    submit_quiz(page)
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


def test_organizer_fills_the_plan_table_and_prize_rows_on_a_phone(phone_page, server, session, user_factory):
    from sqlalchemy import select

    from quiz.bank.check import bank_files
    from quiz.bank.question_files import parse_questions
    from quiz.bank.questions import import_questions
    from quiz.models import Contest

    import_questions(session, [q for f in bank_files() for q in parse_questions(f)])
    user_factory(role="organizer", email="btc@example.vn")
    session.commit()
    page = phone_page
    browser_login(page, server.url, "btc@example.vn")
    page.goto(server.url + "/organizer/contests/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.fill("#slug", "tuan-4")
    page.fill("#title", "Tuần 4")
    page.fill("#opens_at", "2026-12-01T08:00")
    page.fill("#closes_at", "2026-12-08T08:00")
    # The table: a labelled number input per chapter; the total follows the numbers as they are typed.
    assert page.inner_text("#plan-total") == "Tổng: 0 câu"
    assert page.locator("#plan tbody tr").count() == 12
    page.get_by_label("Chương 1", exact=True).fill("4")
    assert page.is_checked("#plan input[value=chapters]")  # typing a number chooses a plan of one's own
    page.get_by_label("Chương 4", exact=True).fill("6")
    page.get_by_label("Chương 7", exact=True).fill("5")
    assert page.inner_text("#plan-total") == "Tổng: 15 câu"
    page.fill("#question_count", "20")
    assert page.inner_text("#plan-total") == "Tổng: 15 câu (khác số câu hỏi 20)"
    page.get_by_label("Chương 12", exact=True).fill("5")
    assert page.inner_text("#plan-total") == "Tổng: 20 câu"
    # Prize rows: three empty rows; a row added and one removed with the keyboard.
    assert page.locator("#tier-rows tr").count() == 3
    page.fill("#prize_tiers-0-name", "Giải Nhất")
    page.fill("#prize_tiers-0-count", "1")
    page.fill("#prize_tiers-1-name", "Giải Nhì")
    page.fill("#prize_tiers-1-count", "2")
    page.fill("#prize_tiers-2-name", "Nhầm")
    page.click("#add-tier")
    assert page.locator("#tier-rows tr").count() == 4
    assert page.evaluate("document.activeElement.id") == "prize_tiers-3-name"
    page.keyboard.type("Giải Ba")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.locator("#tier-rows tr").nth(2).get_by_role("button", name="Xóa dòng giải này").click()
    assert page.locator("#tier-rows tr").count() == 3
    # Chapter 12 asks for more than the bank has: the page says so by its row, keeps the numbers, saves nothing.
    page.get_by_label("Chương 12", exact=True).fill("50")
    page.get_by_label("Chương 1", exact=True).fill("0")
    page.fill("#question_count", "")
    page.click("main button[type=submit]")
    error = page.locator("tr[data-part='12'] .error")
    assert "cần 50 câu nhưng ngân hàng chỉ có" in error.inner_text()
    assert page.get_attribute("tr[data-part='12'] input.count", "aria-describedby") == error.get_attribute("id")
    assert session.execute(select(Contest)).first() is None
    session.commit()
    page.get_by_label("Chương 12", exact=True).fill("5")
    page.get_by_label("Chương 1", exact=True).fill("4")
    assert page.input_value("#prize_tiers-2-name") == "Giải Ba"
    page.click("main button[type=submit]")
    assert "Đã tạo cuộc thi Tuần 4." in page.inner_text("main")
    # Editing again shows the same rows.
    page.goto(server.url + "/organizer/contests/tuan-4/edit")
    counts = {part: page.input_value(f"tr[data-part='{part}'] input.count") for part in ("1", "4", "7", "12", "2")}
    assert counts == {"1": "4", "4": "6", "7": "5", "12": "5", "2": ""}
    assert page.inner_text("#plan-total") == "Tổng: 20 câu"
    tiers = [(page.input_value(f"#prize_tiers-{i}-name"), page.input_value(f"#prize_tiers-{i}-count"))
             for i in range(4)]
    assert tiers == [("Giải Nhất", "1"), ("Giải Nhì", "2"), ("Giải Ba", "3"), ("", "")]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("window.__csp") == []
    c = session.execute(select(Contest)).scalar_one()
    assert c.prize_tiers == [[1, "Giải Nhất"], [2, "Giải Nhì"], [3, "Giải Ba"]] and c.question_count == 20


def test_province_then_ward_picker_on_a_phone(page, server, session):
    """Registration and the profile pick a province, then one of its wards, loaded from the API."""
    base = server.url
    page.goto(base + "/register")
    assert page.locator("[data-pick-province]").count() == 0  # the no-JavaScript button is gone
    page.get_by_label("Họ và tên").fill("Phạm Văn Bảo")
    page.get_by_label("Email").fill("bao@example.vn")
    page.fill("#password", "mat-khau-123")
    page.fill("#confirm", "mat-khau-123")
    ward = page.get_by_label("Xã, phường, đặc khu")
    assert ward.locator("option").count() == 1  # nothing to choose before the province
    page.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hải Phòng")
    page.wait_for_selector("text=Đã có 114 xã, phường, đặc khu của Thành phố Hải Phòng.")
    assert ward.locator("option").count() == 115
    ward.select_option(label="Xã Vĩnh Bảo")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.check("#consent")
    page.get_by_label("Email").press("Enter")  # Enter registers (the form's own button), it does not re-list
    page.wait_for_url(base + "/")
    page.goto(base + "/me")
    assert "Xã Vĩnh Bảo, Thành phố Hải Phòng" in page.inner_text("#my-locality")

    page.click("#edit-profile")
    province = page.get_by_label("Tỉnh, thành phố")
    assert province.input_value() == "31" and ward.input_value() == "11824"  # the choice shows again
    province.select_option("01")
    page.wait_for_selector("text=Đã có 126 xã, phường, đặc khu của Thành phố Hà Nội.")
    ward.select_option(label="Phường Hoàn Kiếm")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("button.primary")
    page.wait_for_url(base + "/me")
    assert "Phường Hoàn Kiếm, Thành phố Hà Nội" in page.inner_text("#my-locality")
    from quiz.models import User

    session.rollback()
    user = session.query(User).filter_by(email="bao@example.vn").one()
    assert (user.locality_code, user.locality) == ("00070", "Phường Hoàn Kiếm, Thành phố Hà Nội")
    session.commit()
