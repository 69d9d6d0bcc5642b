"""Password reset by mail (a real SMTP server), password change, and the end of the account's other sessions."""
import logging
import re
import subprocess
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from quiz.accounts import reset
from quiz.models import AuditEntry, User
from tests.helpers import ApiClient, error_code, page_login, token
from tests.mailbox import PASSWORD, USER, reset_path, start, wait_idle

NEW = "Cay-lua-xanh-2026"


@pytest.fixture
def mail_app(client_app, mailbox):
    client_app.config.update(mailbox.config)
    return client_app


def ask(api, email):
    return api.post("/api/v1/auth/password-reset", json={"email": email})


def test_reset_by_mail_end_to_end(mail_app, mailbox, session, user_factory):
    user_factory(email="lan@example.vn", full_name="Trần Thị Lan")
    other = ApiClient(mail_app)
    assert other.login("lan@example.vn").status_code == 200  # a session elsewhere, ended by the reset
    api = ApiClient(mail_app)
    r = ask(api, "LAN@example.vn")
    assert r.status_code == 202 and r.get_json() == {"message": reset.SENT}
    sent = mailbox.wait(1)[0]
    assert sent["to"] == ["lan@example.vn"] and sent["login"] and sent["message"]["Subject"] == "Đặt lại mật khẩu"
    assert "Trần Thị Lan" in sent["body"] and "1 giờ" in sent["body"]
    assert sent["message"]["From"] == "Ban tổ chức <btc@example.vn>"
    path = reset_path(sent["body"])
    tok = path.rsplit("/", 1)[1]
    # The page behind the link, then the new password through the API.
    page = api.get(path)
    assert page.status_code == 200 and "Đặt lại mật khẩu" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    weak = api.post("/api/v1/auth/password-reset/confirm", json={"token": tok, "password": "iloveyou"})
    assert weak.status_code == 422 and "password" in weak.get_json()["error"]["fields"]
    ok = api.post("/api/v1/auth/password-reset/confirm", json={"token": tok, "password": NEW})
    assert ok.status_code == 204
    again = api.post("/api/v1/auth/password-reset/confirm", json={"token": tok, "password": NEW + "x"})
    assert again.status_code == 422 and error_code(again) == "invalid_token"  # one use
    assert api.get(path).status_code == 400
    assert api.login("lan@example.vn").status_code == 401
    assert api.login("lan@example.vn", NEW).status_code == 200
    assert other.get("/api/v1/me").status_code == 401  # the other session ended
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "account.password_reset")).scalar_one()
    assert entry.actor_email == "lan@example.vn" and entry.ip == "127.0.0.1"
    session.commit()


def test_unknown_email_same_answer_no_mail(mail_app, mailbox, session, user_factory):
    user_factory(email="co@example.vn")
    api = ApiClient(mail_app)
    known, unknown = ask(api, "co@example.vn"), ask(api, "khong-co@example.vn")
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    wait_idle()
    assert [m["to"] for m in mailbox.messages] == [["co@example.vn"]]
    bad = ask(api, "khong-phai-email")
    assert bad.status_code == 422 and "email" in bad.get_json()["error"]["fields"]


def test_at_most_one_mail_a_minute(mail_app, mailbox, session, user_factory):
    user_factory(email="mot@example.vn")
    api = ApiClient(mail_app)
    for _ in range(3):
        assert ask(api, "mot@example.vn").status_code == 202
    wait_idle()
    assert len(mailbox.messages) == 1


def test_without_smtp_host_the_link_goes_to_the_log(client_app, session, user_factory, caplog):
    user_factory(email="log@example.vn")
    with caplog.at_level(logging.WARNING):
        assert ask(ApiClient(client_app), "log@example.vn").status_code == 202
        wait_idle()
    logged = [r.getMessage() for r in caplog.records if "reset-password" in r.getMessage()]
    assert len(logged) == 1 and "SMTP_HOST is not set" in logged[0] and "log@example.vn" in logged[0]
    assert re.search(r"http://localhost/reset-password/\S+", logged[0])


def test_public_url_not_the_host_header_makes_the_link(mail_app, mailbox, session, user_factory):
    user_factory(email="host@example.vn")
    mail_app.config["PUBLIC_URL"] = "https://thi.example.vn"
    web, evil = mail_app.test_client(), "http://evil.example"  # a request with a forged Host header
    csrf = web.get("/api/v1/csrf", base_url=evil).get_json()["csrf_token"]
    r = web.post("/api/v1/auth/password-reset", json={"email": "host@example.vn"}, base_url=evil,
                 headers={"X-CSRFToken": csrf})
    assert r.status_code == 202, r.get_json()
    body = mailbox.wait(1)[0]["body"]
    assert "https://thi.example.vn/reset-password/" in body and "evil" not in body


def test_tokens_expire_and_cannot_be_forged(app, session, user_factory):
    user = user_factory(email="tok@example.vn")
    good = reset.make_token("test-secret", user)
    assert reset.user_for_token(session, "test-secret", good, 3600).id == user.id

    class AnHourAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 3601

    old = URLSafeTimedSerializer("test-secret", salt=reset.SALT, signer=AnHourAgo).dumps(
        {"u": user.id, "f": reset.fingerprint(user)})
    other_salt = URLSafeTimedSerializer("test-secret", salt="other").dumps({"u": user.id, "f": reset.fingerprint(user)})
    other_key = reset.make_token("another-secret", user)
    payload, stamp, signature = good.split(".")
    tampered = ".".join([payload, stamp, ("A" if signature[0] != "A" else "B") + signature[1:]])
    for bad in (old, other_salt, other_key, tampered, "", None, 5, "a" * 600):
        with pytest.raises(reset.DomainError) as e:
            reset.user_for_token(session, "test-secret", bad, 3600)
        assert e.value.code == "invalid_token"
    session.rollback()


def test_a_password_change_kills_earlier_links(client_app, session, user_factory):
    user = user_factory(email="doi@example.vn")
    tok = reset.make_token("test-secret", user)
    api = ApiClient(client_app)
    api.login("doi@example.vn")
    assert api.post("/api/v1/auth/password", json={"current_password": "mat-khau-123",
                                                   "new_password": NEW}).status_code == 204
    r = api.post("/api/v1/auth/password-reset/confirm", json={"token": tok, "password": "Mot-mat-khau-khac"})
    assert r.status_code == 422 and error_code(r) == "invalid_token"


def test_change_password_api(client_app, session, user_factory):
    user_factory(email="api@example.vn", full_name="Phạm Thị Hồng Nhung")
    mine, phone, remembered = ApiClient(client_app), ApiClient(client_app), ApiClient(client_app)
    mine.login("api@example.vn")
    phone.login("api@example.vn")
    assert remembered.login("api@example.vn", remember=True).status_code == 200
    stale_cookie = phone.http.get_cookie("session").value
    anonymous = ApiClient(client_app)
    assert anonymous.post("/api/v1/auth/password", json={}).status_code == 401
    wrong = mine.post("/api/v1/auth/password", json={"current_password": "sai", "new_password": NEW})
    assert wrong.status_code == 422 and set(wrong.get_json()["error"]["fields"]) == {"current_password"}
    weak = mine.post("/api/v1/auth/password", json={"current_password": "mat-khau-123", "new_password": "nhung1234"})
    assert weak.status_code == 422 and "họ tên" in weak.get_json()["error"]["fields"]["new_password"]
    assert mine.post("/api/v1/auth/password", json={"current_password": "mat-khau-123",
                                                    "new_password": NEW}).status_code == 204
    assert mine.get("/api/v1/me").status_code == 200  # this session goes on
    assert phone.get("/api/v1/me").status_code == 401  # the others end
    # The remember-me cookie made before the change does not bring the session back either.
    remembered.http.delete_cookie("session")
    assert remembered.http.get_cookie("remember_token") is not None
    assert remembered.get("/api/v1/me").status_code == 401
    # Nor does replaying the old session cookie (the cookie cache only remembers what a cookie says).
    replay = client_app.test_client()
    replay.set_cookie("session", stale_cookie)
    assert replay.get("/api/v1/me").status_code == 401
    assert replay.get("/account/password").status_code == 302


def test_stale_sessions_cannot_save_answers(client_app, session, bank, contest_factory, user_factory):
    """The hot path reads the login from the session without loading the user; it is refused all the same."""
    contest_factory("thi-thu")
    user_factory(email="thi@example.vn")
    quiz, other = ApiClient(client_app), ApiClient(client_app)
    quiz.login("thi@example.vn")
    other.login("thi@example.vn")
    attempt = quiz.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]
    q = attempt["questions"][0]
    save = lambda c: c.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}",  # noqa: E731
                           json={"option_id": q["options"][0]["id"]})
    assert save(quiz).status_code == 200
    assert other.post("/api/v1/auth/password", json={"current_password": "mat-khau-123",
                                                     "new_password": NEW}).status_code == 204
    r = save(quiz)
    assert r.status_code == 401 and error_code(r) == "not_logged_in"
    assert save(other).status_code == 200


def test_sessions_from_before_versions_still_work(client_app, session, user_factory):
    """A cookie holding only the user id (made before session versions) is version 0."""
    from quiz.accounts.session_version import parse

    assert parse("12") == (12, 0) and parse("12:3") == (12, 3)
    assert parse("x:1") is None and parse("1:x") is None and parse("") is None
    user = user_factory(email="cu@example.vn")
    web = client_app.test_client()
    with web.session_transaction() as s:
        s["_user_id"], s["_fresh"] = str(user.id), True
    assert web.get("/api/v1/me").get_json()["user"]["email"] == "cu@example.vn"


def test_pages_forgot_reset_and_change(mail_app, mailbox, session, user_factory):
    user_factory(email="trang@example.vn", full_name="Vũ Thu Trang")
    web = mail_app.test_client()
    login_page = web.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in login_page and "Quên mật khẩu?" in login_page
    page = web.get("/forgot-password").get_data(as_text=True)
    answers = []
    for email in ("trang@example.vn", "ai-do@example.vn"):
        r = web.post("/forgot-password", data={"csrf_token": token(page), "email": email}, follow_redirects=True)
        answers.append((r.status_code, "Nếu email đã đăng ký, chúng tôi đã gửi liên kết" in r.get_data(as_text=True)))
    assert answers == [(200, True), (200, True)]
    path = reset_path(mailbox.wait(1)[0]["body"])
    form = web.get(path).get_data(as_text=True)
    r = web.post(path, data={"csrf_token": token(form), "password": NEW, "confirm": NEW + "?"})
    assert r.status_code == 422 and "Hai mật khẩu không khớp." in r.get_data(as_text=True)
    r = web.post(path, data={"csrf_token": token(form), "password": "trang2024!", "confirm": "trang2024!"})
    assert r.status_code == 422 and "họ tên" in r.get_data(as_text=True)
    r = web.post(path, data={"csrf_token": token(form), "password": NEW, "confirm": NEW}, follow_redirects=True)
    assert r.status_code == 200 and "Đã đặt mật khẩu mới" in r.get_data(as_text=True)
    bad = web.get(path)
    assert bad.status_code == 400 and "đã được dùng" in bad.get_data(as_text=True)
    assert 'href="/forgot-password"' in bad.get_data(as_text=True)
    # Change it again on the account page, logged in.
    assert page_login(web, "trang@example.vn", NEW).status_code == 302
    elsewhere = mail_app.test_client()
    page_login(elsewhere, "trang@example.vn", NEW)
    form = web.get("/account/password").get_data(as_text=True)
    assert "Đổi mật khẩu" in form
    r = web.post("/account/password", data={"csrf_token": token(form), "current_password": "sai-roi-123",
                                            "new_password": "Mua-xuan-2027", "confirm": "Mua-xuan-2027"})
    assert r.status_code == 422 and "Mật khẩu hiện tại không đúng." in r.get_data(as_text=True)
    r = web.post("/account/password", data={"csrf_token": token(form), "current_password": NEW,
                                            "new_password": "Mua-xuan-2027", "confirm": "Mua-xuan-2027"},
                 follow_redirects=True)
    assert "Đã đổi mật khẩu" in r.get_data(as_text=True) and "Vũ Thu Trang" in r.get_data(as_text=True)
    assert elsewhere.get("/account/password").status_code == 302  # logged out there
    assert web.get("/account/password").status_code == 200  # still in here
    assert session.execute(select(User.session_version).where(User.email == "trang@example.vn")).scalar_one() == 2
    session.commit()


def test_imported_people_without_a_password_can_set_one(mail_app, mailbox, session):
    """People created by a results import have no password; a reset link gives them one."""
    session.add(User(email="giay@example.vn", full_name="Người Dự Thi Giấy"))
    session.commit()
    api = ApiClient(mail_app)
    assert api.login("giay@example.vn").status_code == 401
    ask(api, "giay@example.vn")
    tok = reset_path(mailbox.wait(1)[0]["body"]).rsplit("/", 1)[1]
    assert api.post("/api/v1/auth/password-reset/confirm", json={"token": tok, "password": NEW}).status_code == 204
    assert api.login("giay@example.vn", NEW).status_code == 200


@pytest.fixture
def tls_mailbox(tmp_path):
    """An SMTP server that requires STARTTLS, with a self-signed certificate for 127.0.0.1."""
    import ssl

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                        "-out", str(cert)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate: {exc}")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller, box, port = start(context)
    box.port, box.cert = port, cert
    yield box
    controller.stop()


def test_starttls_and_login(tls_mailbox, monkeypatch):
    """SMTP_STARTTLS: the mail goes over TLS (the certificate checked against the system's trust store, here
    pointed at the test certificate) and the login happens inside it."""
    import smtplib
    import ssl

    from quiz.infra import mail

    monkeypatch.setenv("SSL_CERT_FILE", str(tls_mailbox.cert))
    assert ssl.get_default_verify_paths().openssl_cafile_env == "SSL_CERT_FILE"
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": tls_mailbox.port, "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD,
              "SMTP_FROM": "btc@example.vn", "SMTP_STARTTLS": True}
    mail.send(config, "a@example.vn", "Thử", "Nội dung thư có dấu.", logging.getLogger("test"))
    got = tls_mailbox.wait(1)[0]
    assert got["tls"] and got["login"] and got["body"].strip() == "Nội dung thư có dấu."
    with pytest.raises(smtplib.SMTPException):
        mail.send({**config, "SMTP_STARTTLS": False}, "a@example.vn", "Thử", "x", logging.getLogger("test"))
