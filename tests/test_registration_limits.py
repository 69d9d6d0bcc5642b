"""Registration behind one address: a hall of 60 signs up within a minute, a script making accounts by the
thousand does not. The real app, real password hashing, counters in memory and in Redis."""
import re
import time

import pytest
from sqlalchemy import func, select

from tests.helpers import REDIS_URL


def make_app(database_url, **config):
    from quiz import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                       **config})


def register(web, i: int, password: str = "mat-khau-123", client=None):
    """One person's registration through the API, from a browser of their own (its own cookies), or through
    ``client``, as a script would."""
    client = client or web.test_client()
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    body = {"full_name": f"Học viên {i}", "email": f"hoc-vien-{i}@example.vn", "password": password,
            "phone": f"09{i:08d}", "unit": "HTX Nông nghiệp Tân Phú", "locality": "Đồng Nai", "consent": True}
    return client.post("/api/v1/auth/register", json=body, headers={"X-CSRFToken": token})


def register_page(web, i: int):
    """The same through the registration page's form."""
    client = web.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    return client.post("/register", data={
        "csrf_token": token, "full_name": f"Học viên {i}", "email": f"hoc-vien-{i}@example.vn",
        "password": "mat-khau-123", "confirm": "mat-khau-123", "phone": f"09{i:08d}",
        "unit": "HTX Nông nghiệp Tân Phú", "locality": "Đồng Nai", "consent": "y"})


def accounts(session) -> int:
    from quiz.models import User

    count = session.scalar(select(func.count()).select_from(User))
    session.rollback()  # on SQLite the test's transaction would hold the write lock the app needs
    return count


@pytest.fixture
def clock(monkeypatch):
    """Stop time.time() (the limits' windows read it) and move it only when told: no sleeping, and the
    real time the test takes does not count."""
    start = time.time()
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: start + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def test_a_hall_of_sixty_registers_within_a_minute(database_url, app, session):
    """Default settings, one address: 60 newcomers, some retyping a refused form, all get in."""
    web = make_app(database_url)
    typos = [register(web, i, password="123").status_code for i in range(10)]  # too short: refused, typed again
    assert typos == [422] * 10
    statuses = [register(web, i).status_code for i in range(50)]
    statuses += [register_page(web, i).status_code for i in range(50, 60)]
    assert statuses == [201] * 50 + [302] * 10
    assert accounts(session) == 60


def test_a_script_making_a_thousand_accounts_in_an_hour_is_mostly_refused(database_url, app, session, clock):
    """One request every 3.6 s for an hour (the clock moved, not slept): the hourly cap lets 100 through."""
    web = make_app(database_url)
    script = web.test_client()
    statuses = []
    for i in range(1000):
        r = register(web, i, client=script)
        statuses.append(r.status_code)
        clock(3.6)
    assert statuses.count(201) == 100 and statuses.count(429) == 900
    assert accounts(session) == 100
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    message = r.get_json()["error"]["message"]
    assert message.startswith("Bạn thao tác quá nhanh. Vui lòng thử lại sau") and int(r.headers["Retry-After"]) >= 1
    # Another address is not held up by this one.
    other = web.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    token = other.get("/api/v1/csrf").get_json()["csrf_token"]
    r = other.post("/api/v1/auth/register", headers={"X-CSRFToken": token}, json={
        "full_name": "Nguyễn Văn Bình", "email": "binh@example.vn", "password": "mat-khau-123", "consent": True})
    assert r.status_code == 201, r.get_json()


def test_the_daily_cap_holds_across_hours(database_url, app, session, clock):
    web = make_app(database_url, RATELIMIT_REGISTER_ACCOUNTS_PER_IP="3 per hour;5 per day")
    made = []
    for hour in range(3):
        made.append([register(web, 10 * hour + i).status_code for i in range(4)])
        clock(3600)
    assert made == [[201, 201, 201, 429], [201, 201, 429, 429], [429] * 4]
    assert accounts(session) == 5


def test_registration_caps_count_once_for_every_server_in_redis(database_url, app, session, redis_prefix):
    prefix, client = redis_prefix
    one, two = (make_app(database_url, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                         RATELIMIT_REGISTER_ACCOUNTS_PER_IP="6 per hour") for _ in range(2))
    assert [register(one if i % 2 else two, i, password="123").status_code for i in range(4)] == [422] * 4
    statuses = [register(one if i % 2 else two, i).status_code for i in range(8)]
    assert statuses == [201] * 6 + [429] * 2  # refused forms spent nothing; the six accounts, on both servers
    assert accounts(session) == 6
    assert any(client.scan_iter(match=f"*{prefix}*register-accounts-ip*"))


def test_sixty_in_a_minute_with_default_settings_in_redis(database_url, app, session, redis_prefix):
    prefix, _client = redis_prefix
    one, two = (make_app(database_url, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix) for _ in range(2))
    assert [register(one if i % 2 else two, i).status_code for i in range(60)] == [201] * 60
