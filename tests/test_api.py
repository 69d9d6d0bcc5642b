"""The JSON API of docs/api.md through the Flask test client, CSRF on, on both databases."""
import pytest

from tests.helpers import ApiClient, correct_option, error_code, register


def test_register_login_logout(api):
    r = register(api)
    assert r.status_code == 201
    assert r.get_json()["user"] == {"id": r.get_json()["user"]["id"], "full_name": "Trần Thị Lan",
                                    "email": "lan@example.vn", "role": "participant"}
    assert register(api).status_code == 409 and error_code(register(api)) == "email_taken"
    assert api.post("/api/v1/auth/logout").status_code == 204
    bad = api.login("lan@example.vn", "sai-mat-khau")
    assert bad.status_code == 401 and error_code(bad) == "invalid_credentials"
    unknown = api.login("ai@example.vn", "sai-mat-khau")
    assert unknown.get_json() == bad.get_json()  # no account enumeration
    ok = api.login("LAN@example.vn", "mat-khau-123")
    assert ok.status_code == 200 and ok.get_json()["user"]["email"] == "lan@example.vn"


def test_register_validation_lists_fields_and_creates_nothing(api, session):
    from sqlalchemy import func, select

    from quiz.models import User

    r = api.post("/api/v1/auth/register", json={"full_name": "", "email": "not-an-email", "password": "short",
                                                "phone": "abc"})
    assert r.status_code == 422 and error_code(r) == "invalid_fields"
    assert set(r.get_json()["error"]["fields"]) == {"full_name", "email", "password", "phone"}
    r = api.post("/api/v1/auth/register", json={"full_name": "Ai Đó", "email": "x@example.vn"})
    assert r.status_code == 422 and "password" in r.get_json()["error"]["fields"]
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0


@pytest.mark.parametrize("body", [b"not json", b"[1,2]", b'"text"', b"{bad"])
def test_malformed_json_is_400(api, body):
    r = api.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert r.status_code == 400 and error_code(r) == "malformed_json"


def test_csrf_is_required(client_app):
    c = client_app.test_client()
    r = c.post("/api/v1/auth/register", json={"full_name": "A B", "email": "a@example.vn", "password": "12345678"})
    assert r.status_code == 400 and error_code(r) == "csrf_failed"


def test_whole_attempt_flow(api, session, bank, contest_factory):
    contest_factory("thi-thu", max_attempts=2)
    r = api.get("/api/v1/contests")
    assert [c["slug"] for c in r.get_json()["contests"]] == ["thi-thu"]
    assert set(r.get_json()["contests"][0]) >= {"slug", "title", "opens_at", "closes_at", "question_count",
                                                 "time_limit_s", "max_attempts", "status"}
    assert "attempts_left" not in api.get("/api/v1/contests/thi-thu").get_json()["contest"]
    assert error_code(api.post("/api/v1/contests/thi-thu/attempts")) == "not_logged_in"
    register(api)
    assert api.get("/api/v1/contests/thi-thu").get_json()["contest"]["attempts_left"] == 2
    r = api.post("/api/v1/contests/thi-thu/attempts")
    assert r.status_code == 201
    attempt = r.get_json()["attempt"]
    assert set(attempt) >= {"id", "status", "started_at", "deadline", "server_time", "questions", "answers"}
    assert attempt["started_at"].endswith("+00:00") and len(attempt["questions"]) == 20
    assert all(isinstance(q["id"], str) for q in attempt["questions"])
    again = api.post("/api/v1/contests/thi-thu/attempts")
    assert again.status_code == 200 and again.get_json()["attempt"]["id"] == attempt["id"]
    aid, qs = attempt["id"], attempt["questions"]
    right = {q["id"]: correct_option(session, aid, q["id"]) for q in qs}
    r = api.put(f"/api/v1/attempts/{aid}/answers/{qs[0]['id']}", json={"option_id": right[qs[0]["id"]]})
    assert r.status_code == 200 and r.get_json()["question_id"] == qs[0]["id"] and r.get_json()["saved_at"]
    assert error_code(api.put(f"/api/v1/attempts/{aid}/answers/{qs[1]['id']}", json={"option_id": "nope"})) \
        == "invalid_option"
    assert api.put(f"/api/v1/attempts/{aid}/answers/{qs[1]['id']}", json={}).status_code == 422
    assert api.put(f"/api/v1/attempts/{aid}/answers/abc", json={"option_id": "x"}).status_code == 404
    # A reload finds the saved answer.
    got = api.get(f"/api/v1/attempts/{aid}").get_json()["attempt"]
    assert got["answers"] == {qs[0]["id"]: right[qs[0]["id"]]}
    final = {q["id"]: right[q["id"]] for q in qs[1:10]}
    r = api.post(f"/api/v1/attempts/{aid}/submit", json={"prediction": 42, "answers": final})
    assert r.status_code == 200
    result = r.get_json()["result"]
    assert (result["score"], result["total"], result["status"], result["prediction"]) == (10, 20, "submitted", 42)
    assert len(result["review"]) == 20 and result["review"][0]["article"]
    repeat = api.post(f"/api/v1/attempts/{aid}/submit", json={"prediction": 1, "answers": right})
    assert repeat.get_json()["result"] == result
    closed = api.put(f"/api/v1/attempts/{aid}/answers/{qs[15]['id']}", json={"option_id": right[qs[15]["id"]]})
    assert closed.status_code == 409 and error_code(closed) == "attempt_closed"
    assert api.get("/api/v1/contests/thi-thu").get_json()["contest"]["attempts_left"] == 1


def test_submit_validation(api, session, bank, contest_factory):
    contest_factory("thi-thu")
    register(api)
    aid = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]["id"]
    for body in ({"prediction": -1}, {"prediction": "5"}, {"prediction": 1.5}, {"prediction": True},
                 {"answers": []}, {"answers": {"1": 5}}, {"answers": {"x": "y"}}):
        r = api.post(f"/api/v1/attempts/{aid}/submit", json=body)
        assert r.status_code == 422, body
    assert api.get(f"/api/v1/attempts/{aid}").get_json()["attempt"]["status"] == "in_progress"
    r = api.post(f"/api/v1/attempts/{aid}/submit")  # no body at all is a plain submit
    assert r.status_code == 200 and r.get_json()["result"]["prediction"] is None


def test_other_peoples_attempts_are_404(client_app, api, bank, contest_factory):
    contest_factory("thi-thu")
    register(api)
    aid = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]["id"]
    other = ApiClient(client_app)
    register(other, email="khac@example.vn")
    for r in (other.get(f"/api/v1/attempts/{aid}"), other.post(f"/api/v1/attempts/{aid}/submit"),
              other.put(f"/api/v1/attempts/{aid}/answers/1", json={"option_id": "x"}),
              other.get("/api/v1/attempts/99999999"), other.get("/api/v1/attempts/-1")):
        assert r.status_code == 404 and error_code(r) == "not_found", (r.request.path, r.get_json())


def test_contest_errors(api, bank, contest_factory):
    from datetime import timedelta

    from quiz.models import utcnow

    now = utcnow()
    contest_factory("sap-mo", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    contest_factory("da-dong", opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    register(api)
    assert api.get("/api/v1/contests/khong-co").status_code == 404
    r = api.post("/api/v1/contests/sap-mo/attempts")
    assert r.status_code == 403 and error_code(r) == "contest_not_open"
    r = api.post("/api/v1/contests/da-dong/attempts")
    assert r.status_code == 403 and error_code(r) == "contest_closed"


def test_staff_endpoints_and_leaderboard(client_app, api, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    register(api, full_name="Phạm Thị Hồng Nhung")
    aid = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]["id"]
    api.post(f"/api/v1/attempts/{aid}/submit", json={"prediction": 0})
    rows = api.get("/api/v1/contests/thi-thu/leaderboard?limit=10").get_json()["rows"]
    assert rows[0]["name"] == "Phạm T. H. N." and rows[0]["rank"] == 1
    assert "email" not in rows[0] and "phone" not in rows[0]
    assert api.get("/api/v1/contests/thi-thu/leaderboard?limit=abc").status_code == 422
    assert error_code(api.get("/api/v1/contests/thi-thu/stats")) == "forbidden"
    assert api.get("/api/v1/contests/thi-thu/winners?format=csv").status_code == 403
    anon = ApiClient(client_app)
    assert anon.get("/api/v1/contests/thi-thu/stats").status_code == 401
    user_factory(role="judge", email="judge@example.vn")
    judge = ApiClient.logged_in(client_app, "judge@example.vn")
    stats = judge.get("/api/v1/contests/thi-thu/stats").get_json()
    assert stats["participants"] == 1 and stats["attempts"] == 1 and stats["histogram"]["0"] == 1
    csv_body = judge.get("/api/v1/contests/thi-thu/winners?format=csv")
    assert csv_body.status_code == 200 and csv_body.data.startswith("\ufeff".encode())
    assert "Phạm Thị Hồng Nhung" in csv_body.data.decode("utf-8-sig")
    assert judge.get("/api/v1/contests/thi-thu/winners?format=pdf").status_code == 422


@pytest.mark.parametrize("method,path", [
    ("get", "/api/v1/nothing"), ("delete", "/api/v1/contests"), ("get", "/api/v1/attempts/abc"),
    ("put", "/api/v1/attempts/1/answers/1"), ("post", "/api/v1/attempts/1/submit"),
])
def test_errors_are_json_never_500(api, method, path):
    r = getattr(api, method)(path, data=b"\xff\xfe", content_type="application/json")
    assert r.status_code < 500 and error_code(r)


def test_attempts_left_follows_the_open_round(api, session, bank, contest_factory):
    from datetime import timedelta

    from quiz.contest.rounds import create_round
    from quiz.models import utcnow

    contest = contest_factory("theo-vong", max_attempts=3)
    now = utcnow()
    create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=now + timedelta(hours=1),
                 max_attempts=1)
    create_round(session, contest, number=2, opens_at=now + timedelta(hours=1), closes_at=contest.closes_at)
    register(api)
    assert api.get("/api/v1/contests/theo-vong").get_json()["contest"]["attempts_left"] == 1
    page = api.get("/contests/theo-vong").get_data(as_text=True)
    assert "Đang diễn ra: <strong>Vòng 1</strong>" in page and "Bạn còn 1 lượt trong vòng này." in page
    aid = api.post("/api/v1/contests/theo-vong/attempts").get_json()["attempt"]["id"]
    api.post(f"/api/v1/attempts/{aid}/submit")
    assert api.get("/api/v1/contests/theo-vong").get_json()["contest"]["attempts_left"] == 0
    page = api.get("/contests/theo-vong").get_data(as_text=True)
    assert "Bạn đã dùng hết lượt thi của vòng này." in page
    r = api.post("/api/v1/contests/theo-vong/attempts")
    assert r.status_code == 403 and error_code(r) == "attempt_limit_reached"
