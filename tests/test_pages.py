"""Participant pages through the test client: Vietnamese messages, nothing changed on bad input."""
import re

import pytest
from sqlalchemy import func, select

from quiz.models import AttemptQuestion, User
from tests.helpers import correct_option, page_login, token


@pytest.fixture
def web(client_app):
    return client_app.test_client()


def test_register_shows_vietnamese_errors_and_creates_nothing(web, session):
    page = web.get("/register").get_data(as_text=True)
    assert "Đăng ký dự thi" in page and "Họ và tên" in page
    r = web.post("/register", data={"csrf_token": token(page), "full_name": "A", "email": "sai",
                                    "password": "123", "confirm": "456"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for message in ("Hai mật khẩu không khớp.", "Họ và tên từ 2 đến 120 ký tự.", "Địa chỉ email không hợp lệ."):
        assert message in html
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
    session.commit()


def test_register_login_logout_and_start(web, session, bank, contest_factory):
    contest_factory("thi-thu", title="Cuộc thi tuần 1")
    page = web.get("/register").get_data(as_text=True)
    r = web.post("/register", data={"csrf_token": token(page), "full_name": "Đỗ Văn Nam", "email": "nam@example.vn",
                                    "password": "mat-khau-123", "confirm": "mat-khau-123", "phone": "0901234567",
                                    "unit": "HTX Thủy sản", "locality": "Cà Mau"}, follow_redirects=True)
    assert r.status_code == 200 and "Đăng ký thành công" in r.get_data(as_text=True)
    assert "Cuộc thi tuần 1" in r.get_data(as_text=True)
    page = web.get("/contests/thi-thu").get_data(as_text=True)
    assert "Bắt đầu lượt thi thứ 1" in page
    r = web.post("/contests/thi-thu/start", data={"csrf_token": token(page)})
    assert r.status_code == 302 and re.search(r"/attempts/\d+$", r.headers["Location"])
    quiz = web.get(r.headers["Location"]).get_data(as_text=True)
    assert 'src="/static/quiz.js"' in quiz and "Nộp bài" in quiz
    assert "Tiếp tục lượt thi đang làm" in web.get("/contests/thi-thu").get_data(as_text=True)
    home = web.get("/").get_data(as_text=True)
    r = web.post("/logout", data={"csrf_token": token(home)}, follow_redirects=True)
    assert "Bạn đã đăng xuất." in r.get_data(as_text=True)
    bad = page_login(web, "nam@example.vn", "sai-roi-123")
    assert bad.status_code == 401 and "Email hoặc mật khẩu không đúng." in bad.get_data(as_text=True)


def test_anonymous_is_sent_to_login_and_errors_are_vietnamese(web, bank, contest_factory):
    contest_factory("thi-thu")
    r = web.get("/attempts/1")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = web.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "Không tìm thấy trang." in r.get_data(as_text=True)
    r = web.get("/contests/khong-co")
    assert r.status_code == 404 and "Không tìm thấy cuộc thi." in r.get_data(as_text=True)
    r = web.post("/login", data={"email": "a@b.vn", "password": "x"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)


def test_login_next_only_goes_to_this_site(web, user_factory):
    user_factory(email="a@example.vn")
    page = web.get("/login").get_data(as_text=True)
    r = web.post("/login?next=https://evil.example/x", data={"csrf_token": token(page), "email": "a@example.vn",
                                                              "password": "mat-khau-123"})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_public_leaderboard_masks_people_and_says_whether_it_is_final(web, session, bank, contest_factory,
                                                                      user_factory):
    from datetime import timedelta

    from quiz.contest import ranking
    from quiz.contest.attempts import start_attempt, submit
    from quiz.contest.rounds import create_round
    from quiz.models import RankingFreeze, utcnow

    contest = contest_factory("xep-hang", question_count=4, blueprint="1-12:4")
    now = utcnow()
    create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=now + timedelta(hours=2))
    people = [user_factory(full_name="Phạm Thị Hồng Nhung", email="nhung@example.vn", phone="0912345678",
                           unit="HTX <b>Bình Minh</b>"),
              user_factory(full_name="Lê Văn An", email="an@example.vn", phone="0987654321", unit="HTX Hoà Bình")]
    for person, right in zip(people, (4, 2), strict=True):
        attempt, _ = start_attempt(session, person.id, contest)
        answers = {}
        for q in session.execute(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)
                                 .order_by(AttemptQuestion.position).limit(right)).scalars():
            answers[q] = correct_option(session, attempt.id, str(q))
        submit(session, attempt.id, person.id, answers, prediction=1)
    html = web.get("/contests/xep-hang/leaderboard").get_data(as_text=True)
    assert "Kết quả tạm tính" in html and "Phạm T. H. N." in html and "Lê V. A." in html
    assert html.index("Phạm T. H. N.") < html.index("Lê V. A.")  # 4/4 before 2/4
    assert "HTX &lt;b&gt;Bình Minh&lt;/b&gt;" in html and "<b>Bình" not in html
    for private in ("Hồng Nhung", "nhung@example.vn", "0912345678", "an@example.vn", "0987654321"):
        assert private not in html
    assert "Vòng 1" in web.get("/contests/xep-hang/leaderboard?round=1").get_data(as_text=True)
    assert web.get("/contests/xep-hang/leaderboard?round=9").status_code == 404
    assert web.get("/contests/khong-co/leaderboard").status_code == 404
    contest.closes_at = utcnow() - timedelta(seconds=1)
    session.commit()
    # Ended but not frozen yet (the cron job freezes it): shown live, not official, and reading writes nothing.
    html = web.get("/contests/xep-hang/leaderboard").get_data(as_text=True)
    assert "đã kết thúc nhưng bảng xếp hạng chưa được chốt chính thức" in html
    assert session.execute(select(RankingFreeze)).first() is None
    session.commit()
    ranking.freeze_closed(session)
    assert "Kết quả chính thức" in web.get("/contests/xep-hang/leaderboard").get_data(as_text=True)
