"""Personal data under Decree 13/2023/NĐ-CP: explicit consent at registration, consent before an imported
person's first attempt, erasure on request (identity gone from every table and export, attempts kept so
statistics and the frozen ranking do not move), the retention purge."""
import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.accounts.privacy import ERASED_NAME, NOTICE_VERSION
from quiz.contest.contests import close_now
from quiz.infra.extensions import db
from quiz.models import AuditEntry, Contest, RankingEntry, RankingFreeze, User, utcnow
from tests.helpers import PASSWORD, ApiClient, Visitor, correct_option, counters, error_code, token

PEOPLE = [  # name, email, phone, address; how many right answers
    ("Phạm Thị Hồng Nhung", "nhung.pham@example.vn", "0987 111 222", "203.0.113.21", 3),
    ("Võ Minh Khôi", "khoi.vo@example.vn", "+84 903 333 444", "2001:db8::44", 2),
    ("Lý Thu Trang", "trang.ly@example.vn", "0912 777 888", "198.51.100.7", 1),
]


def users_named(session, email):
    session.rollback()
    n = len(session.execute(select(User).where(User.email == email)).scalars().all())
    session.commit()
    return n


def test_registration_needs_explicit_consent(client_app, session):
    api = ApiClient(client_app)
    body = {"full_name": "Trần Thị Lan", "email": "lan@example.vn", "password": PASSWORD}
    for consent in (None, False, "true", 1):
        r = api.post("/api/v1/auth/register", json=body if consent is None else {**body, "consent": consent})
        assert r.status_code == 422 and "consent" in r.get_json()["error"]["fields"], consent
    assert users_named(session, "lan@example.vn") == 0
    before = utcnow()
    assert api.post("/api/v1/auth/register", json={**body, "consent": True}).status_code == 201
    user = session.execute(select(User).where(User.email == "lan@example.vn")).scalar_one()
    assert user.consent_version == NOTICE_VERSION and user.consented_at >= before - timedelta(seconds=1)
    session.commit()
    # The page: the box links to the notice; unticked, the form comes back with the reason and nobody is made.
    web = client_app.test_client()
    page = web.get("/register").get_data(as_text=True)
    assert 'name="consent"' in page and 'href="/privacy"' in page
    form = {"csrf_token": token(page), "full_name": "Đỗ Văn Nam", "email": "nam@example.vn",
            "password": PASSWORD, "confirm": PASSWORD}
    r = web.post("/register", data=form)
    assert r.status_code == 422 and "Bạn cần đồng ý với Thông báo xử lý dữ liệu cá nhân" in r.get_data(as_text=True)
    assert users_named(session, "nam@example.vn") == 0
    assert web.post("/register", data={**form, "consent": "y"}).status_code == 302
    assert session.execute(select(User.consent_version).where(User.email == "nam@example.vn")).scalar_one() \
        == NOTICE_VERSION
    session.commit()


def test_the_privacy_notice(client_app):
    client_app.config["PRIVACY_CONTACT"] = "Liên minh HTX tỉnh, phòng Tuyên truyền, 0271 3 888 999"
    html = client_app.test_client().get("/privacy").get_data(as_text=True)
    for words in ("Nghị định số 13/2023/NĐ-CP", "Luật Bảo vệ dữ liệu cá nhân", "01/01/2026", "12 tháng",
                  "người đoạt giải", "Phòng chống gian lận", "Tải dữ liệu của tôi", "Rút lại sự đồng ý",
                  "0271 3 888 999", NOTICE_VERSION, 'href="/me/delete"'):
        assert words in html, words


@pytest.fixture
def season(client_app, session, bank, contest_factory, user_factory):
    """Three people with finished attempts in a contest with prizes, closed and frozen; an organizer."""
    contest_factory("thi-thu", prize_tiers="1:Giải Nhất")
    people = []
    for name, email, phone, ip, right in PEOPLE:
        v = Visitor(client_app, ip)
        uid = v.register(email, name=name, phone=phone, unit="HTX Công khai")
        a = v.start()
        answers = {q["id"]: correct_option(session, a["id"], q["id"]) for q in a["questions"][:right]}
        v.submit(a["id"], answers)
        people.append((uid, v))
    user_factory(role="organizer", email="btc@example.vn")
    contest = session.execute(select(Contest).where(Contest.slug == "thi-thu")).scalar_one()
    close_now(session, contest)
    return people


def every_row(session):
    """Every row of every table as text."""
    session.rollback()
    out = []
    for table in db.metadata.sorted_tables:
        out += [(table.name, str(tuple(row))) for row in session.execute(select(table))]
    session.commit()
    return out


def frozen(session):
    session.rollback()
    record = session.execute(select(RankingFreeze).where(RankingFreeze.current.is_(True))).scalar_one()
    rows = session.execute(select(RankingEntry.rank, RankingEntry.attempt_id, RankingEntry.user_id,
                                  RankingEntry.score, RankingEntry.duration_ms, RankingEntry.prediction,
                                  RankingEntry.full_name).where(RankingEntry.freeze_id == record.id)
                           .order_by(RankingEntry.rank)).all()
    out = (record.id, record.digest, record.rows, record.truth, list(record.erasures or []), rows)
    session.commit()
    return out


def test_erasure_on_request(client_app, session, season):
    (uid, khoi), _second, _third = season  # the prize winner (rank 1)
    name, email, phone, ip, _right = PEOPLE[0]
    secrets = [name, email, phone, re.sub(r"\D", "", phone), ip]
    # Traces to erase: a failed login kept under the email, a password change in the audit log.
    assert Visitor(client_app, "192.0.2.50").login(email, "sai-mat-khau-1").status_code == 401
    assert khoi.post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                    "new_password": "mat-khau-moi-456"}).status_code == 204
    other_session = Visitor(client_app, "192.0.2.51")
    assert other_session.login(email, "mat-khau-moi-456").status_code == 200
    staff = ApiClient.logged_in(client_app, "btc@example.vn")
    client_app.config["STATS_MAX_AGE_S"] = 0  # computed afresh on each read

    def stats():
        body = staff.get("/api/v1/contests/thi-thu/stats").get_json()
        body.pop("age_s", None), body.pop("computed_at", None)
        return body

    stats_before = stats()
    counted = counters(session)
    freeze_id, digest, n, truth, erasures, rows = frozen(session)
    assert erasures == [] and [r.user_id for r in rows] == [s[0] for s in season]
    assert any(s in text for _t, text in every_row(session) for s in secrets)  # the scan does find them

    # A wrong password changes nothing.
    r = khoi.post("/api/v1/me/delete", json={"password": "khong-dung-123"})
    assert r.status_code == 422 and "password" in r.get_json()["error"]["fields"]
    assert users_named(session, email) == 1
    r = khoi.post("/api/v1/me/delete", json={"password": "mat-khau-moi-456"})
    assert r.status_code == 202 and r.get_json() == {"status": "erased"}

    # Logged out everywhere, and no way back in.
    assert error_code(khoi.get("/api/v1/me")) == "not_logged_in"
    assert error_code(other_session.get("/api/v1/me")) == "not_logged_in"
    assert error_code(Visitor(client_app, "192.0.2.52").login(email, "mat-khau-moi-456")) == "invalid_credentials"
    # Gone from every row of every table (the audit log included).
    found = [(t, s) for t, text in every_row(session) for s in secrets if s in text]
    assert not found, found
    user = session.get(User, uid)
    assert (user.full_name, user.email, user.password_hash, user.phone, user.unit) == \
        (ERASED_NAME, f"deleted-{uid}@invalid", None, "", "")
    assert user.deleted_at is not None and user.registered_ip is None and user.registered_device is None
    session.commit()
    # Statistics and the frozen ranking do not move; the freeze's history says one person was erased.
    assert counters(session) == counted
    assert stats() == stats_before
    freeze_after, digest_after, n_after, truth_after, erasures_after, rows_after = frozen(session)
    assert (freeze_after, digest_after, n_after, truth_after) == (freeze_id, digest, n, truth)
    assert [r[:6] for r in rows_after] == [r[:6] for r in rows]
    assert rows_after[0].full_name == ERASED_NAME and rows_after[1].full_name == PEOPLE[1][0]
    assert [(e["reason"], e["rank"]) for e in erasures_after] == [("request", 1)]
    log = session.execute(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).scalar_one()
    assert (log.actor_id, log.actor_email, log.target_id, log.ip) == (uid, "", str(uid), None)
    session.commit()
    # Winner lists: the anonymised name, no trace of the person; the digest is the same.
    r = staff.get("/api/v1/contests/thi-thu/winners?format=csv")
    text = r.get_data(as_text=True)
    assert r.headers["X-Ranking-SHA256"] == digest and ERASED_NAME in text and "Giải Nhất" in text
    assert not [s for s in secrets if s in text]
    xlsx = staff.get("/api/v1/contests/thi-thu/winners?format=xlsx").get_data()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert ERASED_NAME in sheets and not [s for s in secrets if s in sheets]
    # The public leaderboard keeps the rank, with the anonymised name.
    board = ApiClient(client_app).get("/api/v1/contests/thi-thu/leaderboard").get_json()["rows"]
    assert [row["rank"] for row in board] == [1, 2, 3] and board[0]["name"].startswith("Người")
    html = ApiClient(client_app).http.get("/contests/thi-thu/leaderboard").get_data(as_text=True)
    assert "dữ liệu cá nhân của người xếp hạng 1 đã được xoá theo yêu cầu" in html
    # The email may register again, as a new person.
    assert Visitor(client_app, "192.0.2.53").register(email, name=name) != uid


def test_erasure_page_and_staff(client_app, session, user_factory):
    user_factory(email="an@example.vn", full_name="Ngô Văn An")
    user_factory(role="judge", email="gk@example.vn")
    web = client_app.test_client()
    login = web.get("/login").get_data(as_text=True)
    web.post("/login", data={"csrf_token": token(login), "email": "an@example.vn", "password": PASSWORD})
    me = web.get("/me").get_data(as_text=True)
    assert 'href="/me/delete"' in me
    page = web.get("/me/delete").get_data(as_text=True)
    assert "không thể hoàn tác" in page
    r = web.post("/me/delete", data={"csrf_token": token(page), "password": "sai-mat-khau-9"})
    assert r.status_code == 422 and "Mật khẩu không đúng." in r.get_data(as_text=True)
    assert users_named(session, "an@example.vn") == 1
    r = web.post("/me/delete", data={"csrf_token": token(page), "password": PASSWORD}, follow_redirects=True)
    assert r.status_code == 200 and "đã được xoá" in r.get_data(as_text=True)
    assert users_named(session, "an@example.vn") == 0
    assert web.get("/me").status_code == 302
    # Staff accounts are not erased this way: their actions must stay attributable.
    judge = ApiClient.logged_in(client_app, "gk@example.vn")
    r = judge.post("/api/v1/me/delete", json={"password": PASSWORD})
    assert r.status_code == 403 and users_named(session, "gk@example.vn") == 1


def test_imported_person_consents_before_taking_part(client_app, session, bank, contest_factory):
    from quiz.accounts.users import create_user, set_password

    contest_factory("thi-thu")
    user = create_user(session, full_name="Hà Văn Giấy", email="giay@example.vn", password=None)  # as imported
    assert user.consent_version is None
    set_password(session, user, PASSWORD)  # as by the mailed reset link
    session.commit()
    api = ApiClient.logged_in(client_app, "giay@example.vn")
    r = api.post("/api/v1/contests/thi-thu/attempts")
    assert r.status_code == 403 and error_code(r) == "consent_required"
    assert api.post("/api/v1/me/consent", json={"consent": False}).status_code == 422
    assert api.post("/api/v1/me/consent", json={"consent": True}).status_code == 200
    assert api.post("/api/v1/contests/thi-thu/attempts").status_code == 201
    # The pages: the login leads to the notice first; a start without consent comes back to it.
    other = create_user(session, full_name="Mai Thị Giấy", email="mai@example.vn", password=None)
    set_password(session, other, PASSWORD)
    session.commit()
    web = client_app.test_client()
    login = web.get("/login").get_data(as_text=True)
    r = web.post("/login", data={"csrf_token": token(login), "email": "mai@example.vn", "password": PASSWORD})
    assert r.status_code == 302 and "/privacy/consent" in r.headers["Location"]
    contest = web.get("/contests/thi-thu").get_data(as_text=True)
    r = web.post("/contests/thi-thu/start", data={"csrf_token": token(contest)})
    assert r.status_code == 302 and "/privacy/consent" in r.headers["Location"]
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert web.post("/privacy/consent", data={"csrf_token": token(page)}).status_code == 422
    r = web.post("/privacy/consent?next=/contests/thi-thu", data={"csrf_token": token(page), "consent": "y"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/contests/thi-thu")
    r = web.post("/contests/thi-thu/start", data={"csrf_token": token(contest)})
    assert r.status_code == 302 and "/attempts/" in r.headers["Location"]


def test_retention_purge(client_app, session, season, contest_factory, user_factory):
    # A second contest still open, where the third person also took part.
    contest_factory("tuan-2")
    _first, _second, (uid3, trang) = season
    trang.submit(trang.start("tuan-2")["id"])
    runner = client_app.test_cli_runner()
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    bad = runner.invoke(args=["privacy", "purge", "--closed-before", "hôm qua"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output
    r = runner.invoke(args=["privacy", "purge", "--closed-before", tomorrow, "--keep-winners", "--by",
                            "btc@example.vn"])
    assert r.exit_code == 0, r.output
    assert "1 people erased" in r.output and "1 prize winners kept" in r.output
    session.rollback()
    assert erased_ids(session) == {season[1][0]}  # the prize winner (rank 1) is kept, and Trang still takes part
    r = runner.invoke(args=["privacy", "purge", "--closed-before", tomorrow])
    assert r.exit_code == 0 and "1 people erased" in r.output, r.output
    assert erased_ids(session) == {season[0][0], season[1][0]}
    log = session.execute(select(AuditEntry).where(AuditEntry.action == "privacy.erase")
                          .order_by(AuditEntry.id)).scalars().all()
    assert [(e.actor_email, e.after["reason"]) for e in log] == [("btc@example.vn", "retention"), ("cli", "retention")]
    _id, _digest, _n, _truth, erasures, rows = frozen(session)
    assert [e["rank"] for e in erasures] == [2, 1] and [r.full_name for r in rows][:2] == [ERASED_NAME] * 2
    assert session.get(User, uid3).deleted_at is None and session.execute(
        select(User.deleted_at).where(User.email == "btc@example.vn")).scalar_one() is None  # staff never
    session.commit()


def erased_ids(session):
    session.rollback()
    ids = set(session.execute(select(User.id).where(User.deleted_at.is_not(None))).scalars())
    session.commit()
    return ids
