"""Personal data: other people's email, phone and address never reach a visitor or another participant (every
GET route, and the error answers of the usual mistakes); a participant downloads their own data, with the
answer key only where the contest's review policy allows it at that moment."""
import json
import re

import pytest
from sqlalchemy import select

from quiz.contest.ranking import mask_name
from quiz.models import AttemptQuestion, Contest
from tests.helpers import Visitor, check, correct_option, token

OTHERS = [  # name, email, phone, address
    ("Phạm Thị Hồng Nhung", "nhung.pham@example.vn", "0987 111 222", "203.0.113.21"),
    ("Võ Minh Khôi", "khoi.vo@example.vn", "+84 903 333 444", "2001:db8::44"),
]


def secrets_of(name, email, phone, ip):
    return [name, email, phone, re.sub(r"\D", "", phone), ip]


@pytest.fixture
def world(client_app, session, bank, contest_factory, user_factory):
    """Two people with finished attempts (and one open), a viewer who is another participant, an organizer."""
    contest_factory("thi-thu")
    attempts = []
    for name, email, phone, ip in OTHERS:
        v = Visitor(client_app, ip)
        r = v.call("post", "/api/v1/auth/register", json={"full_name": name, "email": email, "password": "mat-khau-123",
                                                          "phone": phone, "unit": "HTX Công khai", "consent": True})
        assert r.status_code == 201
        a = v.start()
        qid = a["questions"][0]["id"]
        v.submit(a["id"], {qid: correct_option(session, a["id"], qid)})
        attempts.append(a["id"])
    open_one = Visitor(client_app, "203.0.113.99")
    open_one.register("dang-lam@example.vn", name="Đặng Văn Làm", phone="0922 555 666")
    attempts.append(open_one.start()["id"])
    viewer = Visitor(client_app, "198.51.100.200")
    viewer.register("xem@example.vn", name="Người Xem", phone="0911000000")
    user_factory(role="organizer", email="btc@example.vn")
    return {"app": client_app, "attempts": attempts, "viewer": viewer,
            "secrets": [s for person in OTHERS for s in secrets_of(*person)]
            + ["Đặng Văn Làm", "dang-lam@example.vn", "0922 555 666", "203.0.113.99"]}


SAMPLES = {"slug": "thi-thu", "code": "T-000", "filename": "app.css", "token": "khong-hop-le", "org_slug": "hai-phong"}


def every_get_path(app, other_attempt: int, question_id: str) -> list[str]:
    """Every GET route of the app with sample values; a new route with an unknown argument fails here, so
    it gets a sample (and so a scan) when it is added."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {}
        for arg in rule.arguments:
            if arg in ("attempt_id", "id"):
                values[arg] = other_attempt
            elif arg == "question_id":
                values[arg] = question_id
            elif arg in SAMPLES:
                values[arg] = SAMPLES[arg]
            else:
                pytest.fail(f"no sample value for <{arg}> in {rule.rule}: add one so the route is scanned")
        path = rule.rule
        for arg, value in values.items():
            path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(value), path)
        paths.append(path)
    return paths + ["/api/v1/contests/thi-thu/leaderboard?limit=1000", "/contests/thi-thu/leaderboard?round=1",
                     "/results/thi-thu?fragment=1"]


def assert_clean(response, secrets, what, allowed=()):
    seen = response.get_data(as_text=True) + str(response.headers)
    found = [s for s in secrets if s and s not in allowed and s in seen]
    assert not found, (what, response.status_code, found)


def test_public_answers_never_show_other_peoples_contacts(world, session):
    app, secrets = world["app"], world["secrets"]
    other = world["attempts"][0]
    qid = str(session.execute(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == other))
              .scalars().first())
    session.commit()
    viewer = world["viewer"]
    anonymous = Visitor(app, "192.0.2.1")
    paths = every_get_path(app, other, qid)
    for public in ("/contests/thi-thu/leaderboard", "/api/v1/contests/thi-thu/leaderboard", "/me", "/api/v1/me/data"):
        assert public in paths
    for who, client in (("anonymous", anonymous), ("participant", viewer)):
        for path in paths:
            assert_clean(client.http.get(path), secrets, (who, path))
    # The usual mistakes, answered without anyone else's data.
    email = OTHERS[0][1]
    mistakes = [
        ("post", "/api/v1/auth/register", {"json": {"full_name": "Ai Đó", "email": email, "password": "mat-khau-123",
                                                    "consent": True}}),
        ("post", "/api/v1/auth/login", {"json": {"email": email, "password": "sai-mat-khau"}}),
        ("put", f"/api/v1/attempts/{other}/answers/{qid}", {"json": {"option_id": "x"}}),
        ("post", f"/api/v1/attempts/{other}/submit", {"json": {}}),
        ("get", f"/api/v1/attempts/{other}", {}),
    ]
    for method, path, kw in mistakes:
        r = viewer.call(method, path, **kw)
        assert r.status_code in (401, 404, 409), (path, r.status_code)
        assert_clean(r, secrets, path, allowed=(email,))  # the email the caller typed may be named back
    page = viewer.http.get("/register").get_data(as_text=True)
    r = viewer.http.post("/register", data={"csrf_token": token(page), "full_name": "Ai Đó", "email": email,
                                         "password": "mat-khau-123", "confirm": "mat-khau-123"})
    assert r.status_code == 422
    assert_clean(r, secrets, "/register", allowed=(email,))
    # The public leaderboard shows masked names and units only.
    rows = anonymous.http.get("/api/v1/contests/thi-thu/leaderboard").get_json()["rows"]
    assert sorted(r["name"] for r in rows) == sorted(mask_name(name) for name, *_ in OTHERS)
    assert all(set(r) == {"rank", "name", "unit", "score", "duration_ms", "prediction", "submitted_at"} for r in rows)


def test_the_person_and_staff_do_see_contacts(world, session):
    app = world["app"]
    me = world["viewer"]
    html = me.http.get("/me").get_data(as_text=True)
    assert "xem@example.vn" in html and "0911000000" in html and "Tải dữ liệu của tôi" in html
    assert 'href="/api/v1/me/data"' in html
    assert app.test_client().get("/me").status_code == 302
    staff = Visitor(app, "192.0.2.9")
    staff.login("btc@example.vn")
    winners = staff.http.get("/api/v1/contests/thi-thu/winners?format=csv").get_data(as_text=True)
    from quiz.accounts.phones import normalise

    assert OTHERS[0][1] in winners and normalise(OTHERS[0][2]) in winners  # the number as kept: normalised


def answered_texts(attempt: dict) -> dict:
    return {q["id"]: [o["text"] for o in q["options"]] for q in attempt["questions"]}


def test_my_data_download(client_app, session, bank, contest_factory, user_factory):
    for slug, policy in (("sau-khi-nop", "after_submit"), ("sau-khi-dong", "after_close"), ("khong-bao-gio", "never"),
                         ("dang-lam", "after_submit")):
        contest_factory(slug, review_policy=policy, title=f"Cuộc thi {slug}")
    someone = Visitor(client_app, "203.0.113.5")
    someone.register("nguoi-khac@example.vn", name="Người Khác Hẳn")
    x = someone.start("sau-khi-nop")
    someone.submit(x["id"])
    me = Visitor(client_app, "198.51.100.42", ua="Trình duyệt của tôi")
    uid = me.register("toi@example.vn", name="Trần Văn Tôi")
    shown, chosen = {}, {}
    for slug in ("sau-khi-nop", "sau-khi-dong", "khong-bao-gio", "dang-lam"):
        a = me.start(slug)
        shown[a["id"]] = answered_texts(a)
        qid = a["questions"][0]["id"]
        option = a["questions"][0]["options"][1]
        assert me.call("put", f"/api/v1/attempts/{a['id']}/answers/{qid}", json={"option_id": option["id"]}) \
            .status_code == 200
        chosen[a["id"]] = (qid, option["text"])
        if slug != "dang-lam":
            me.submit(a["id"])

    def download():
        r = me.http.get("/api/v1/me/data")
        assert r.status_code == 200 and r.mimetype == "application/json"
        assert r.headers["Content-Disposition"] == f'attachment; filename="du-lieu-cua-toi-{uid}.json"'
        assert r.headers["Cache-Control"] == "no-store"
        body = json.loads(r.get_data(as_text=True))
        check("MyData", body)
        assert "nguoi-khac@example.vn" not in r.get_data(as_text=True) and "203.0.113.5" not in r.get_data(as_text=True)
        return {a["contest"]["slug"]: a for a in body["attempts"]}, body

    attempts, body = download()
    assert body["profile"]["email"] == "toi@example.vn" and body["profile"]["registered_ip"] == "198.51.100.42"
    assert len(body["profile"]["registered_device"]) == 16 and "Trình duyệt" not in json.dumps(body)
    for a in attempts.values():
        assert a["ip"] == "198.51.100.42" and len(a["questions"]) == 20
        # Each question as it was shown: same wording, same option order; the answer given.
        assert {q["question_id"]: q["options"] for q in a["questions"]} == shown[a["id"]]
        qid, text = chosen[a["id"]]
        assert next(q for q in a["questions"] if q["question_id"] == qid)["your_answer"] == text
        assert sum(q["your_answer"] is not None for q in a["questions"]) == 1
    assert attempts["sau-khi-nop"]["answer_key_included"] is True
    assert all("correct_answer" in q and q["explanation"] for q in attempts["sau-khi-nop"]["questions"])
    for slug in ("sau-khi-dong", "khong-bao-gio", "dang-lam"):
        a = attempts[slug]
        assert a["answer_key_included"] is False, slug
        assert not any(set(q) & {"correct_answer", "explanation", "article"} for q in a["questions"]), slug
    assert attempts["dang-lam"]["status"] == "in_progress" and attempts["dang-lam"]["score"] is None
    # Once the after_close contest has closed, its key is included too; "never" stays closed.
    from quiz.contest.contests import close_now

    close_now(session, session.execute(select(Contest).where(Contest.slug == "sau-khi-dong")).scalar_one())
    attempts, _body = download()
    assert attempts["sau-khi-dong"]["answer_key_included"] is True
    assert attempts["khong-bao-gio"]["answer_key_included"] is False
    # Not logged in: the API's error object.
    r = client_app.test_client().get("/api/v1/me/data")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "not_logged_in"
