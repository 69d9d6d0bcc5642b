"""Accounts by phone number: the normalisation, registration and login by a Vietnamese mobile number (API,
pages, Chromium at phone size), uniqueness across spellings, the password reset by an SMS code against a fake
HTTP gateway, throttling, the migration of old free-text phones, erasure."""
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, inspect, select, text

from quiz.accounts import phones, sms_reset
from quiz.models import AuditEntry, User, utcnow
from tests.helpers import PASSWORD, ApiClient, error_code, page_login, token
from tests.mailbox import wait_idle

NEW = "Cay-lua-xanh-2026"
NUMBER = "0912345678"


@pytest.mark.parametrize("raw, expected", [
    ("0912345678", "0912345678"),
    ("0912 345 678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("0912-345-678", "0912345678"),
    (" +84 912 345 678 ", "0912345678"),
    ("+84912345678", "0912345678"),
    ("84912345678", "0912345678"),
    ("(+84) 387 654 321", "0387654321"),
    ("0561234567", "0561234567"),
    ("0771234567", "0771234567"),
    ("0861234567", "0861234567"),
    ("024 3825 1234", None),  # a Hà Nội landline
    ("02838251234", None),  # a Hồ Chí Minh City landline
    ("0112345678", None),  # no such mobile prefix
    ("091234567", None),  # nine digits
    ("09123456789", None),  # eleven
    ("+1 415 555 0100", None),  # not Vietnamese
    ("849123456789", None),
    ("0912abc678", None),
    ("", None),
    (None, None),
    (912345678, None),
])
def test_normalisation(raw, expected):
    assert phones.normalise(raw) == expected
    if expected:
        assert phones.e164(expected) == "+84" + expected[1:]


def person(**extra):
    return {"full_name": "Nguyễn Văn Bình", "password": PASSWORD, "consent": True, **extra}


def register(api, **extra):
    return api.post("/api/v1/auth/register", json=person(**extra))


def test_register_and_log_in_by_phone(api, client_app, session):
    r = register(api, phone="0912 345 678")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["user"]["email"] is None
    user = session.execute(select(User).where(User.mobile == NUMBER)).scalar_one()
    assert (user.email, user.phone) == (None, NUMBER)
    session.commit()
    for spelling in ("+84912345678", "84 912 345 678", "0912.345.678"):
        other = ApiClient(client_app)
        r = other.post("/api/v1/auth/login", json={"phone": spelling, "password": PASSWORD})
        assert r.status_code == 200 and r.get_json()["user"]["id"] == user.id
    wrong = ApiClient(client_app).post("/api/v1/auth/login", json={"phone": NUMBER, "password": "sai-mat-khau"})
    assert wrong.status_code == 401 and error_code(wrong) == "invalid_credentials"
    assert wrong.get_json()["error"]["message"] == "Số điện thoại hoặc mật khẩu không đúng."
    # The login page: one field for an email or a number.
    web = client_app.test_client()
    assert "Email hoặc số điện thoại" in web.get("/login").get_data(as_text=True)
    assert page_login(web, "+84 912 345 678").status_code == 302
    assert "0912345678" in web.get("/me").get_data(as_text=True)


def test_the_same_number_in_any_spelling_is_taken(api, client_app):
    assert register(api, phone="0912 345 678", email="binh@example.vn").status_code == 201
    for spelling in ("+84912345678", "84912345678", "0912-345-678"):
        r = register(ApiClient(client_app), phone=spelling)
        assert r.status_code == 409 and error_code(r) == "phone_taken", r.get_json()
        assert set(r.get_json()["error"]["fields"]) == {"phone"}
    # The email taken too: email_taken, as before.
    r = register(ApiClient(client_app), phone=NUMBER, email="binh@example.vn")
    assert r.status_code == 409 and error_code(r) == "email_taken"
    # The registration page says it on the phone field.
    web = client_app.test_client()
    form = {"csrf_token": token(web.get("/register").get_data(as_text=True)), "full_name": "Lê Văn Cường",
            "password": PASSWORD, "confirm": PASSWORD, "phone": "+84 912 345 678", "consent": "y"}
    page = web.post("/register", data=form)
    assert page.status_code == 422 and "Số điện thoại này đã được đăng ký" in page.get_data(as_text=True)


def test_an_email_or_a_phone_is_required(api):
    r = register(api)
    assert r.status_code == 422 and {"email", "phone"} <= set(r.get_json()["error"]["fields"])
    r = register(api, email="", phone="  ")
    assert r.status_code == 422 and {"email", "phone"} <= set(r.get_json()["error"]["fields"])
    r = register(api, phone="024 3825 1234")  # a landline
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"phone"}
    assert register(api, email="chi@example.vn").status_code == 201  # an email alone, as before


def test_staff_need_an_email(session):
    from quiz.accounts.users import create_user
    from quiz.errors import DomainError

    with pytest.raises(DomainError) as caught:
        create_user(session, full_name="Ban Tổ Chức", email=None, password=PASSWORD, phone=NUMBER, role="organizer")
    assert set(caught.value.fields) == {"email"}


def test_login_by_phone_shares_the_lockout_of_every_spelling(api, client_app):
    assert register(api, phone=NUMBER).status_code == 201
    spellings = ["0912 345 678", "+84912345678", "84912345678", "0912.345.678", "0912345678"]
    answers = [ApiClient(client_app).post("/api/v1/auth/login", json={"phone": s, "password": "sai-mat-khau"})
               for s in spellings]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    locked = ApiClient(client_app).post("/api/v1/auth/login", json={"phone": NUMBER, "password": PASSWORD})
    assert locked.status_code == 429 and error_code(locked) == "too_many_attempts"


# --- The password reset by SMS -----------------------------------------------------------------------------

class Gateway:
    """A fake SMS gateway: an HTTP server on a free loopback port, in a thread, keeping what it received."""

    def __init__(self):
        self.received = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                 "type": self.headers.get("Content-Type"), "json": json.loads(body)})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "queued"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def code(self, index: int = -1) -> str:
        return re.search(r"\b(\d{6})\b", self.received[index]["json"]["message"]).group(1)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.stop()


@pytest.fixture
def sms_app(client_app, gateway):
    client_app.config.update(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="khoa-bi-mat")
    return client_app


def ask_code(api, phone):
    r = api.post("/api/v1/auth/password-reset", json={"phone": phone})
    wait_idle()
    return r


def send_code(api, phone, code, password=NEW):
    return api.post("/api/v1/auth/password-reset/code", json={"phone": phone, "code": code, "password": password})


def test_reset_by_sms_end_to_end(sms_app, gateway, session):
    api = ApiClient(sms_app)
    assert register(api, phone=NUMBER).status_code == 201  # this session is ended by the reset
    r = ask_code(ApiClient(sms_app), "+84 912 345 678")
    assert r.status_code == 202 and r.get_json() == {"message": sms_reset.SENT}
    assert len(gateway.received) == 1
    sent = gateway.received[0]
    assert sent["auth"] == "Bearer khoa-bi-mat" and sent["type"].startswith("application/json")
    assert sent["json"]["to"] == "+84912345678" and "10 phút" in sent["json"]["message"]
    code = gateway.code()
    user = session.execute(select(User).where(User.mobile == NUMBER)).scalar_one()
    assert user.sms_code_hash and code not in user.sms_code_hash  # kept hashed only
    session.commit()
    other = ApiClient(sms_app)
    weak = send_code(other, NUMBER, code, "iloveyou")
    assert weak.status_code == 422 and set(weak.get_json()["error"]["fields"]) == {"password"}
    assert send_code(other, "0912.345.678", code).status_code == 204  # the code survived the refused password
    again = send_code(other, NUMBER, code, NEW + "x")
    assert again.status_code == 422 and error_code(again) == "invalid_code"  # used once
    assert api.get("/api/v1/me").status_code == 401  # every session of the account ended
    assert other.login(NUMBER).status_code == 401
    assert other.post("/api/v1/auth/login", json={"phone": NUMBER, "password": NEW}).status_code == 200
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "account.password_reset")).scalar_one()
    assert (entry.actor_email, entry.ip, entry.target_id) == ("", None, str(user.id))
    assert entry.after == {"by": "sms"}
    session.commit()


def test_the_code_and_the_answer_in_the_language_of_the_asker(sms_app, gateway, session):
    assert register(ApiClient(sms_app), phone=NUMBER).status_code == 201
    r = ApiClient(sms_app).post("/api/v1/auth/password-reset?lang=en", json={"phone": NUMBER})
    wait_idle()
    assert r.status_code == 202 and r.get_json()["message"].startswith("If the phone number is registered")
    message = gateway.received[0]["json"]["message"]
    assert message.startswith("Cooperative Law contest password reset code") and "10 minutes" in message
    assert re.search(r"\b\d{6}\b", message)


def test_an_unknown_number_gets_the_same_answer_and_no_sms(sms_app, gateway, session):
    api = ApiClient(sms_app)
    assert register(api, phone=NUMBER).status_code == 201
    unknown = ask_code(ApiClient(sms_app), "0987 654 321")
    assert unknown.status_code == 202 and unknown.get_json() == {"message": sms_reset.SENT}
    assert gateway.received == []
    guess = send_code(ApiClient(sms_app), "0987654321", "123456")
    assert guess.status_code == 422 and error_code(guess) == "invalid_code"
    # Not a mobile number at all: said so (that tells nothing about accounts).
    bad = ApiClient(sms_app).post("/api/v1/auth/password-reset", json={"phone": "024 3825 1234"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"phone"}


def test_wrong_codes_use_up_the_code(sms_app, gateway, session):
    api = ApiClient(sms_app)
    assert register(api, phone=NUMBER).status_code == 201
    ask_code(api, NUMBER)
    code = gateway.code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [send_code(api, NUMBER, wrong) for _ in range(sms_reset.MAX_TRIES)]
    assert {(a.status_code, error_code(a)) for a in answers} == {(422, "invalid_code")}
    late = send_code(api, NUMBER, code)  # the right code, after five wrong tries: gone
    assert late.status_code == 422 and error_code(late) == "invalid_code"
    assert late.get_json()["error"]["message"] == answers[0].get_json()["error"]["message"]
    assert api.post("/api/v1/auth/login", json={"phone": NUMBER, "password": PASSWORD}).status_code == 200


def test_an_expired_code_is_refused(app, session, user_factory):
    from quiz.errors import DomainError

    user_factory(email=None, phone=NUMBER)
    secret = app.secret_key
    message = sms_reset.code_message(session, NUMBER, secret, now=utcnow() - timedelta(minutes=11), code="246810")
    assert message[0] == "+84912345678" and "246810" in message[1]
    with pytest.raises(DomainError) as caught:
        sms_reset.confirm_code(session, secret, NUMBER, "246810", NEW)
    assert caught.value.code == "invalid_code"
    # A fresh one works; one a minute at most, so the clock of the test moves on.
    sms_reset.code_message(session, NUMBER, secret, code="135790")
    assert sms_reset.code_message(session, NUMBER, secret, code="111111") is None  # less than a minute later
    assert sms_reset.confirm_code(session, secret, NUMBER, "135790", NEW).mobile == NUMBER


def test_reset_requests_are_throttled_per_number(database_url, gateway, app):
    from quiz import create_app

    limited = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                          "RATELIMIT_RESET_PER_ACCOUNT": "2 per minute",
                          "RATELIMIT_RESET_CODE_PER_NUMBER": "3 per hour",
                          "SMS_GATEWAY_URL": gateway.url})
    assert register(ApiClient(limited), phone=NUMBER).status_code == 201
    # Each request from an address of its own, every spelling of the one number: counted together.
    answers = [ask_code(ApiClient(limited, source=f"10.0.0.{i}"), spelling).status_code
               for i, spelling in enumerate(["0912345678", "+84 912 345 678", "84912345678"], start=1)]
    assert answers == [202, 202, 429]
    assert len(gateway.received) == 1  # and one SMS a minute anyway
    assert ask_code(ApiClient(limited), "0987654321").status_code == 202  # another number has its own budget
    tries = [send_code(ApiClient(limited, source=f"10.0.1.{i}"), s, "000000").status_code
             for i, s in enumerate(["0912345678", "+84912345678", "0912 345 678", "0912345678"], start=1)]
    assert tries == [422, 422, 422, 429]


def test_reset_pages_by_phone(sms_app, gateway, session):
    assert register(ApiClient(sms_app), phone=NUMBER).status_code == 201
    web = sms_app.test_client()
    page = web.get("/forgot-password").get_data(as_text=True)
    assert "Email hoặc số điện thoại" in page
    r = web.post("/forgot-password", data={"csrf_token": token(page), "email": "0912 345 678"})
    wait_idle()
    assert r.status_code == 302 and r.headers["Location"].endswith("/reset-password/code")
    page = web.get("/reset-password/code").get_data(as_text=True)
    assert 'value="0912345678"' in page and sms_reset.SENT in page
    form = {"csrf_token": token(page), "phone": NUMBER, "code": "000000", "password": NEW, "confirm": NEW}
    if gateway.code() == "000000":
        form["code"] = "000001"
    wrong = web.post("/reset-password/code", data=form)
    assert wrong.status_code == 422 and "Mã không đúng hoặc đã hết hạn" in wrong.get_data(as_text=True)
    done = web.post("/reset-password/code", data={**form, "code": gateway.code()})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert page_login(sms_app.test_client(), NUMBER, NEW).status_code == 302


def test_profile_edits_the_phone(client_app, session, user_factory):
    user_factory(email="hoa@example.vn", phone="")
    user_factory(email="an@example.vn", phone="0987654321")
    web = client_app.test_client()
    assert page_login(web, "hoa@example.vn").status_code == 302
    page = web.get("/account/profile").get_data(as_text=True)
    form = {"csrf_token": token(page), "unit": "HTX Mới", "province": "", "locality_code": ""}
    taken = web.post("/account/profile", data={**form, "phone": "+84 987 654 321"})
    assert taken.status_code == 422 and "Số điện thoại đã được dùng" in taken.get_data(as_text=True)
    assert web.post("/account/profile", data={**form, "phone": "+84 909 111 222"}).status_code == 302
    assert page_login(client_app.test_client(), "0909 111 222").status_code == 302
    user = session.execute(select(User).where(User.email == "hoa@example.vn")).scalar_one()
    assert (user.phone, user.mobile, user.unit) == ("0909111222", "0909111222", "HTX Mới")
    session.commit()


def test_erasure_clears_the_phone(client_app, session, user_factory):
    from quiz.accounts import privacy

    user = user_factory(email=None, phone=NUMBER)
    sms_reset.code_message(session, NUMBER, "test-secret", code="123123")
    session.refresh(user)
    privacy.erase(session, user, None)
    session.commit()
    assert (user.phone, user.mobile, user.sms_code_hash, user.sms_code_until) == ("", None, None, None)
    # The number is free again.
    assert register(ApiClient(client_app), phone=NUMBER).status_code == 201


def test_a_phone_only_winner_in_the_ranking_the_winner_list_and_a_verdict(app, session, bank, contest_factory,
                                                                          user_factory):
    from quiz.contest import ranking
    from quiz.files import exports
    from tests.helpers import finished_attempt

    contest = contest_factory()
    t0 = contest.opens_at
    by_phone = user_factory(email=None, phone=NUMBER, full_name="Đỗ Thị Mai")
    by_email = user_factory(email="khanh@example.vn")
    finished_attempt(session, contest, by_phone, 18, 300, t0, 600)
    finished_attempt(session, contest, by_email, 15, 300, t0, 700)
    contest.closes_at = utcnow() - timedelta(seconds=1)
    session.commit()
    ranking.freeze(session, contest, None, None)
    session.commit()
    data, _ranking, _tiers = exports.winner_list(session, contest, None, "csv")
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[1].startswith("1,") and f",Đỗ Thị Mai,,{NUMBER}," in rows[1], rows[1]
    assert exports.winner_list(session, contest, None, "xlsx")[0].startswith(b"PK")
    # A judge's verdict on the person by phone (any spelling), from the command line.
    user_factory(role="judge", email="giamkhao@example.vn")
    runner = app.test_cli_runner()
    base = ["winners", "verdict", contest.slug, "--reason", "Hai tài khoản", "--by", "giamkhao@example.vn"]
    neither = runner.invoke(args=[*base, "--disqualify"])
    assert neither.exit_code != 0 and "--email or --phone" in neither.output
    ok = runner.invoke(args=[*base, "--phone", "+84 912 345 678", "--disqualify"])
    assert ok.exit_code == 0 and ok.output.startswith(f"{NUMBER}: disqualified"), ok.output
    assert [r.full_name for r in ranking.ranking(session, contest).rows] == [by_email.full_name]


# --- The migration of old free-text phones -------------------------------------------------------------------

def test_migration_normalises_old_phones(tmp_path):
    from flask_migrate import downgrade, upgrade

    from quiz import create_app
    from quiz.infra.extensions import db

    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    old = [(1, "a@example.vn", "0912 345 678"), (2, "b@example.vn", "+84912345678"),  # one number twice
           (3, "c@example.vn", "024 3825 1234"), (4, "d@example.vn", "gọi giờ hành chính"),
           (5, "e@example.vn", ""), (6, "f@example.vn", "84.987.654.321")]
    with app.app_context():
        upgrade(revision="7e1a2b3c4d5e")
        with db.engine.begin() as c:
            for uid, email, phone in old:
                c.execute(text("INSERT INTO user (id, email, full_name, phone, unit, locality, role, created_at, "
                               "session_version) VALUES (:id, :email, 'Người cũ', :phone, '', '', 'participant', "
                               "'2025-01-01 00:00:00', 0)"), {"id": uid, "email": email, "phone": phone})
        upgrade()
        with db.engine.connect() as c:
            rows = c.execute(text("SELECT id, phone, mobile FROM user ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            (1, NUMBER, NUMBER), (2, NUMBER, None),  # the first keeps the number; the later one shows it only
            (3, "024 3825 1234", None), (4, "gọi giờ hành chính", None), (5, "", None),
            (6, "0987654321", "0987654321")]
        assert any(ix["name"] == "uq_user_mobile" and ix["unique"] for ix in inspect(db.engine).get_indexes("user"))
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO user (id, email, full_name, phone, mobile, unit, locality, role, created_at,"
                           " session_version, sms_code_tries) VALUES (7, NULL, 'Người mới', :n, :n, '', '', "
                           "'participant', '2026-01-01 00:00:00', 0, 0)"), {"n": "0331234567"})
        downgrade(revision="7e1a2b3c4d5e")  # and back: the account by phone gets an address that receives nothing
        with db.engine.connect() as c:
            assert c.execute(text("SELECT email FROM user WHERE id = 7")).scalar_one() == "phone-7@invalid"
        db.engine.dispose()
    create_engine(url).dispose()


# --- In Chromium at phone size -----------------------------------------------------------------------------

def test_register_and_log_in_by_phone_in_a_browser(page, live_server, session):
    base = live_server.url
    page.goto(base + "/register")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#full_name", "Lê Thị Hoa")
    page.fill("#phone", "0987 654 321")  # no email
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.check("#consent")
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    assert "Lê Thị Hoa" in page.inner_text("header")
    page.context.clear_cookies()
    page.goto(base + "/login")
    label = page.locator("label[for=email], label:has(#email)").first.inner_text()
    assert "Email hoặc số điện thoại" in label
    page.fill("#email", "+84 987 654 321")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(base + "/me")
    assert "0987654321" in page.inner_text("#profile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
