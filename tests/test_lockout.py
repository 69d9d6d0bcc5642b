"""Progressive lockout after failed logins: per email, in the database, the same answers for unknown emails."""
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from quiz.accounts import lockout
from quiz.models import LoginFailure, utcnow
from tests.helpers import ApiClient, error_code, page_login


def test_schedule():
    assert [lockout.lock_seconds(n) for n in range(1, 13)] == [0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert lockout.lock_seconds(10**6) == 3600


def test_failures_double_the_lock_and_are_forgotten_after_a_day(session):
    now = utcnow()
    waits = [lockout.record_failure(session, "a@example.vn", now + timedelta(hours=i)) for i in range(8)]
    assert waits == [0, 0, 0, 0, 60, 120, 240, 480]
    assert lockout.failures(session, "A@Example.vn ") == 8  # the key is the normalised email
    assert lockout.record_failure(session, "a@example.vn", now + timedelta(days=2)) == 0  # a day later: anew
    assert lockout.failures(session, "a@example.vn") == 1
    session.commit()


def test_lockout_answers_unknown_emails_exactly_like_registered_ones(client_app, session, user_factory):
    user_factory(email="that@example.vn")
    api = ApiClient(client_app)
    answers = {}
    for email in ("that@example.vn", "nobody@example.vn"):
        answers[email] = [(r.status_code, r.get_json(), r.headers.get("Retry-After"))
                          for r in (api.login(email, "sai-mat-khau") for _ in range(6))]
    assert answers["that@example.vn"] == answers["nobody@example.vn"]
    codes = [(status, body["error"]["code"]) for status, body, _after in answers["nobody@example.vn"]]
    assert codes == [(401, "invalid_credentials")] * 4 + [(429, "too_many_attempts")] * 2
    assert answers["nobody@example.vn"][-1][2] and 0 < int(answers["nobody@example.vn"][-1][2]) <= 60
    assert "1 phút" in answers["nobody@example.vn"][-1][1]["error"]["message"]
    # While locked even the right password is refused, and trying again does not lengthen the lock.
    r = api.login("that@example.vn", "mat-khau-123")
    assert r.status_code == 429 and error_code(r) == "too_many_attempts"
    assert lockout.failures(session, "that@example.vn") == 5
    session.commit()
    # The lock ends (time moved on): the right password works and clears the count.
    session.execute(update(LoginFailure).values(locked_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    r = api.login("that@example.vn", "mat-khau-123")
    assert r.status_code == 200, r.get_json()
    assert lockout.failures(session, "that@example.vn") == 0
    session.commit()


def test_the_count_is_shared_by_every_app_server(client_app, database_url, session, user_factory):
    """Two app objects (two servers) on one database: failures on either count towards one lock."""
    from quiz import create_app

    user_factory(email="shared@example.vn")
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})
    a, b = ApiClient(client_app), ApiClient(other)
    for i in range(4):
        assert (a if i % 2 else b).login("shared@example.vn", "sai-mat-khau").status_code == 401
    assert b.login("shared@example.vn", "sai-mat-khau").status_code == 429
    assert a.login("shared@example.vn", "mat-khau-123").status_code == 429
    with other.app_context():
        from quiz.infra.extensions import db

        db.engine.dispose()


def test_page_login_locks_out_too(client_app, session, user_factory):
    user_factory(email="page@example.vn")
    web = client_app.test_client()
    statuses = []
    for _ in range(5):
        r = page_login(web, "page@example.vn", "sai-mat-khau")
        statuses.append(r.status_code)
    assert statuses == [401] * 4 + [429]
    html = r.get_data(as_text=True)
    assert "Bạn đã đăng nhập sai nhiều lần" in html and "Quên mật khẩu?" in html


def test_unknown_emails_take_as_long_as_registered_ones(client_app, session, user_factory):
    """Both paths check one password hash; a missing hash would make unknown emails many times faster."""
    for i in range(4):
        user_factory(email=f"known{i}@example.vn")
    api = ApiClient(client_app)

    def timed(email):
        started = time.perf_counter()
        assert api.login(email, "sai-mat-khau").status_code == 401
        return time.perf_counter() - started

    known = statistics.median(timed(f"known{i}@example.vn") for i in range(4))
    unknown = statistics.median(timed(f"unknown{i}@example.vn") for i in range(4))
    assert unknown > known / 3 and known > unknown / 3, (known, unknown)


@pytest.mark.parametrize("email", [None, 5, "", "x" * 1000])
def test_odd_emails_are_just_wrong(client_app, email):
    r = ApiClient(client_app).login(email, "sai-mat-khau")
    assert r.status_code == 401 and error_code(r) == "invalid_credentials"
