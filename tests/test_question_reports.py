"""Question reports (quiz.contest.reports): a participant reports a question of their attempt through the API;
organizers read the queue (API and /organizer/reports), resolve with a note, and see open reports on the
question's edit page; every step audited; staff of an organization see their contests' reports only."""
import pytest
from sqlalchemy import select

from quiz import create_app
from quiz.contest.organizations import create_organization
from quiz.infra.database import reading
from quiz.models import AuditEntry, Question, QuestionReport
from tests.helpers import ApiClient, page_client, register, token


def start(api, slug="thi-thu"):
    r = api.post(f"/api/v1/contests/{slug}/attempts")
    assert r.status_code in (200, 201), r.get_json()
    return r.get_json()["attempt"]


def report(api, attempt_id, question_id, message="Đáp án B và C giống nhau."):
    return api.post(f"/api/v1/attempts/{attempt_id}/reports", json={"question_id": question_id, "message": message})


def fields(r) -> dict:
    return r.get_json()["error"].get("fields", {})


# The test's own reads run in read transactions (quiz.infra.database.reading): none may keep SQLite's write lock
# while the app answers.

def code_of(session, question_id) -> str:
    with reading(session):
        return session.execute(select(Question.code).where(Question.id == int(question_id))).scalar_one()


def stored(session, report_id) -> QuestionReport:
    with reading(session):
        return session.get(QuestionReport, report_id, populate_existing=True)


def audit_rows(session, action):
    with reading(session):
        return session.execute(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.id)).scalars().all()


@pytest.fixture
def lan(client_app, bank, contest_factory):
    """Trần Thị Lan with an attempt in progress in thi-thu (review after submit)."""
    contest_factory("thi-thu", review_policy="after_submit")
    api = ApiClient(client_app)
    assert register(api).status_code == 201
    return api, start(api)


def test_the_owner_reports_a_question_as_shown(lan, session):
    api, attempt = lan
    q = attempt["questions"][3]
    r = report(api, attempt["id"], q["id"], "  Hai phương án giống hệt nhau.  ")
    assert r.status_code == 201 and r.get_json()["report"]["status"] == "open"
    row = stored(session, r.get_json()["report"]["id"])
    # The text and the options in the order this attempt showed them, the message trimmed.
    assert row.shown == {"text": q["text"], "options": [o["text"] for o in q["options"]]}
    assert row.message == "Hai phương án giống hệt nhau." and row.attempt_id == attempt["id"]
    assert row.status == "open" and row.resolved_by_id is None and row.resolution == ""
    entry = audit_rows(session, "question.report")[-1]
    me = api.get("/api/v1/me").get_json()["user"]
    # The participant by account id only: no email, no address.
    assert entry.actor_id == me["id"] and entry.actor_email == "" and entry.ip is None
    assert entry.target_id == code_of(session, q["id"]) and entry.after == {"report": row.id, "attempt": attempt["id"]}


def test_someone_else_or_nobody_gets_nothing(lan, client_app, session):
    api, attempt = lan
    qid = attempt["questions"][0]["id"]
    other = ApiClient(client_app)
    assert register(other, email="binh@example.vn", phone="0987000111").status_code == 201
    r = report(other, attempt["id"], qid)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert report(ApiClient(client_app), attempt["id"], qid).status_code == 401
    assert report(api, 999999, qid).status_code == 404
    with reading(session):
        assert session.execute(select(QuestionReport)).first() is None


def test_a_question_outside_the_paper(lan, session):
    api, attempt = lan
    in_paper = {q["id"] for q in attempt["questions"]}
    with reading(session):
        outside = next(str(i) for i in session.execute(select(Question.id)).scalars() if str(i) not in in_paper)
    for bad in (outside, "abc", None, 12.5, True, "9" * 30):
        r = report(api, attempt["id"], bad)
        assert r.status_code == 422 and "question_id" in fields(r), bad
    r = api.post(f"/api/v1/attempts/{attempt['id']}/reports", data="không phải JSON")
    assert r.status_code == 400


def test_bad_messages(lan):
    api, attempt = lan
    qid = attempt["questions"][0]["id"]
    for bad in ("", "   \n ", None, 42, "x" * 1001):
        r = report(api, attempt["id"], qid, bad)
        assert r.status_code == 422 and "message" in fields(r), bad
    assert report(api, attempt["id"], qid, "x" * 1000).status_code == 201
    assert report(api, attempt["id"], int(qid), "Số nguyên cũng được.").status_code == 201


def test_after_the_submit_only_while_reviewable(lan, client_app, contest_factory):
    api, attempt = lan
    assert api.post(f"/api/v1/attempts/{attempt['id']}/submit").status_code == 200
    assert report(api, attempt["id"], attempt["questions"][1]["id"]).status_code == 201  # after_submit: reviewable
    contest_factory("kin", review_policy="never")
    hidden = start(api, "kin")
    assert report(api, hidden["id"], hidden["questions"][0]["id"]).status_code == 201  # open: always
    assert api.post(f"/api/v1/attempts/{hidden['id']}/submit").status_code == 200
    r = report(api, hidden["id"], hidden["questions"][0]["id"])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "attempt_closed"


def test_a_flood_is_refused(database_url, bank, contest_factory):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "RATELIMIT_REPORT_PER_USER": "3 per minute"})
    contest_factory("thi-thu")
    api = ApiClient(app)
    assert register(api).status_code == 201
    attempt = start(api)
    codes = [report(api, attempt["id"], attempt["questions"][0]["id"]).status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_the_queue_with_its_status_filter_and_resolving(lan, client_app, session, user_factory):
    api, attempt = lan
    first, second = (report(api, attempt["id"], q["id"], f"Lỗi {i}").get_json()["report"]["id"]
                     for i, q in enumerate(attempt["questions"][:2]))
    user_factory(role="organizer", email="btc@example.vn")
    staff = ApiClient.logged_in(client_app, "btc@example.vn")
    listed = staff.get("/api/v1/question-reports").get_json()["reports"]
    assert [r["id"] for r in listed] == [second, first]  # newest first
    assert listed[0]["message"] == "Lỗi 1" and listed[0]["status"] == "open"
    assert listed[0]["question_code"] == code_of(session, attempt["questions"][1]["id"])
    assert staff.get("/api/v1/question-reports?status=resolved").get_json()["reports"] == []
    r = staff.get("/api/v1/question-reports?status=done")
    assert r.status_code == 422 and "status" in fields(r)
    assert api.get("/api/v1/question-reports").status_code == 403  # a participant

    web = page_client(client_app, "btc@example.vn")
    html = web.get("/organizer/reports").get_data(as_text=True)
    assert "Lỗi 0" in html and "Lỗi 1" in html and attempt["questions"][0]["text"] in html
    assert f'href="/organizer/questions/{listed[0]["question_code"]}/edit"' in html
    csrf = token(html)
    url = f"/organizer/reports/{first}/resolve"
    r = web.post(url, data={"csrf_token": csrf, "note": "   "}, follow_redirects=True)
    assert "Vui lòng viết nội dung." in r.get_data(as_text=True) and stored(session, first).status == "open"
    r = web.post(url, data={"csrf_token": csrf, "note": "Đã sửa phương án C."}, follow_redirects=True)
    assert r.status_code == 200 and f"Đã xử lý báo lỗi #{first}." in r.get_data(as_text=True)
    row = stored(session, first)
    btc = staff.get("/api/v1/me").get_json()["user"]
    assert (row.status, row.resolution, row.resolved_by_id) == ("resolved", "Đã sửa phương án C.", btc["id"])
    assert row.resolved_at is not None
    again = web.post(url, data={"csrf_token": csrf, "note": "Lần nữa"}, follow_redirects=True)
    assert "Báo lỗi này đã được xử lý." in again.get_data(as_text=True)
    assert stored(session, first).resolution == "Đã sửa phương án C."
    assert [r["id"] for r in staff.get("/api/v1/question-reports?status=resolved").get_json()["reports"]] == [first]
    assert [r["id"] for r in staff.get("/api/v1/question-reports").get_json()["reports"]] == [second]
    entries = audit_rows(session, "question.report_resolve")
    assert len(entries) == 1 and entries[0].actor_email == "btc@example.vn"
    assert entries[0].after == {"report": first, "status": "resolved", "note": "Đã sửa phương án C."}
    resolved = web.get("/organizer/reports?status=resolved").get_data(as_text=True)
    assert "Đã sửa phương án C." in resolved and "Lỗi 1" not in resolved


def test_the_edit_page_shows_open_reports(lan, client_app, session, user_factory):
    api, attempt = lan
    q = attempt["questions"][0]
    kept = report(api, attempt["id"], q["id"], "Câu này thiếu chữ “không”.").get_json()["report"]["id"]
    done = report(api, attempt["id"], q["id"], "Báo lỗi đã xử lý rồi.").get_json()["report"]["id"]
    report(api, attempt["id"], attempt["questions"][1]["id"], "Của câu khác.")
    user_factory(role="organizer", email="btc@example.vn")
    web = page_client(client_app, "btc@example.vn")
    csrf = token(web.get("/organizer/reports").get_data(as_text=True))
    edit = f"/organizer/questions/{code_of(session, q['id'])}/edit"
    r = web.post(f"/organizer/reports/{done}/resolve", data={"csrf_token": csrf, "note": "Xong.", "next": edit})
    assert r.status_code == 302 and r.headers["Location"] == edit  # back where the form was
    r = web.post(f"/organizer/reports/{done}/resolve", data={"csrf_token": csrf, "note": "Lại", "next": "//x.vn/"})
    assert r.headers["Location"] == "/organizer/reports"  # never to another site
    html = web.get(edit).get_data(as_text=True)
    assert f'name="next" value="{edit}"' in html
    assert "1 báo lỗi chưa xử lý" in html and f'id="report-{kept}"' in html
    assert "Câu này thiếu chữ “không”." in html or "Câu này thiếu chữ &#34;không&#34;." in html
    assert "Báo lỗi đã xử lý rồi." not in html and "Của câu khác." not in html
    other = web.get(f"/organizer/questions/{code_of(session, attempt['questions'][2]['id'])}/edit")
    assert "báo lỗi chưa xử lý" not in other.get_data(as_text=True)


def test_staff_see_their_organizations_reports_only(client_app, session, bank, contest_factory, user_factory):
    a = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    b = create_organization(session, slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định")
    contest_factory("thi-thu", organization_id=a.id)
    contest_factory("nd-thi", organization_id=b.id)
    user_factory(role="organizer", email="btc.hp@example.vn", organization_id=a.id)
    user_factory(role="organizer", email="btc.nd@example.vn", organization_id=b.id)
    user_factory(role="admin", email="admin@example.vn")
    api = ApiClient(client_app)
    assert register(api).status_code == 201
    ids = {}
    for slug in ("thi-thu", "nd-thi"):
        attempt = start(api, slug)
        ids[slug] = report(api, attempt["id"], attempt["questions"][0]["id"], f"Lỗi ở {slug}").get_json()["report"]
    seen = {}
    for who in ("btc.hp", "btc.nd", "admin"):
        staff = ApiClient.logged_in(client_app, f"{who}@example.vn")
        seen[who] = {r["id"] for r in staff.get("/api/v1/question-reports").get_json()["reports"]}
    hp, nd = ids["thi-thu"]["id"], ids["nd-thi"]["id"]
    assert seen == {"btc.hp": {hp}, "btc.nd": {nd}, "admin": {hp, nd}}
    web = page_client(client_app, "btc.nd@example.vn")
    html = web.get("/organizer/reports").get_data(as_text=True)
    assert "Lỗi ở nd-thi" in html and "Lỗi ở thi-thu" not in html
    r = web.post(f"/organizer/reports/{hp}/resolve", data={"csrf_token": token(html), "note": "Không phải của tôi"})
    assert r.status_code == 404 and stored(session, hp).status == "open"
