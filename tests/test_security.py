"""Security headers on every kind of response, and the rate limits: per address, per account, in Redis."""
import re

from quiz.infra.headers import CSP
from tests.helpers import REDIS_URL, SPEC, ApiClient, check, correct_option, error_code, page_login, register, token


def make_app(database_url, **config):
    from quiz import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                       **config})


def assert_security_headers(r):
    assert r.headers["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "http" not in CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_headers_on_pages_api_static_and_errors(client_app, bank, contest_factory):
    contest_factory("thi-thu")
    web = client_app.test_client()
    for path, status in (("/", 200), ("/login", 200), ("/contests/thi-thu", 200), ("/api/v1/contests", 200),
                         ("/static/app.css", 200), ("/static/quiz.js", 200), ("/khong-co-trang-nay", 404),
                         ("/api/v1/khong-co", 404), ("/api/v1/contests/khong-co", 404)):
        r = web.get(path)
        assert r.status_code == status, path
        assert_security_headers(r)
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP: no HSTS
    r = web.post("/api/v1/auth/login", json={})  # a 400 from the API's CSRF check
    assert r.status_code == 400
    assert_security_headers(r)


def test_https_gets_hsts_and_secure_cookies(client_app, user_factory):
    user_factory(email="an@example.vn")
    plain = client_app.test_client()
    r = plain.get("/api/v1/csrf")
    assert "Secure" not in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    tls = client_app.test_client()
    r = tls.get("/api/v1/csrf", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "; Secure" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    token = r.get_json()["csrf_token"]
    r = tls.post("/api/v1/auth/login", json={"email": "an@example.vn", "password": "mat-khau-123", "remember": True},
                 headers={"X-CSRFToken": token}, base_url="https://localhost")
    cookies = r.headers.getlist("Set-Cookie")
    assert r.status_code == 200 and len(cookies) == 2  # the session and the remember-me cookie
    assert all("; Secure" in c and "HttpOnly" in c for c in cookies)


def test_proxy_headers_are_trusted_only_when_configured(database_url, app, user_factory):
    user_factory(email="an@example.vn")
    config = {"RATELIMIT_LOGIN_PER_IP": "2 per minute"}
    direct = make_app(database_url, **config).test_client()
    statuses = []
    for i in range(3):
        direct.environ_base = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{i}"}
        statuses.append(page_login(direct, "x@example.vn", "").status_code)
    assert statuses == [401, 401, 429]  # a made-up X-Forwarded-For changes nothing
    assert "Strict-Transport-Security" not in direct.get("/", headers={"X-Forwarded-Proto": "https"}).headers

    proxied_app = make_app(database_url, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1, **config)
    proxied = proxied_app.test_client()
    for address in ("203.0.113.7", "203.0.113.8"):  # two clients behind the proxy: a budget each
        proxied.environ_base = {"HTTP_X_FORWARDED_FOR": address}
        assert [page_login(proxied, f"{address}@example.vn", "").status_code for _ in range(3)] == [401, 401, 429]
    r = proxied_app.test_client().get("/api/v1/csrf", headers={"X-Forwarded-Proto": "https"})
    assert r.headers["Strict-Transport-Security"] and "; Secure" in r.headers["Set-Cookie"]


# Below the lockout's 5 failures (quiz.accounts.lockout), so these tests see the rate limit itself.
PER_ACCOUNT = "3 per minute"


def test_login_limit_per_account_leaves_other_accounts_alone(database_url, app, user_factory):
    user_factory(email="lan@example.vn")
    user_factory(email="binh@example.vn")
    client_app = make_app(database_url, RATELIMIT_LOGIN_PER_ACCOUNT=PER_ACCOUNT)
    attacker = ApiClient(client_app)
    for _ in range(3):
        r = attacker.login("lan@example.vn", "doan-mo-123")
        assert r.status_code == 401
    r = attacker.login(" LAN@example.vn", "mat-khau-123")
    assert r.status_code == 429 and error_code(r) == "rate_limited"
    assert set(r.get_json()["error"]) == {"code", "message"} and "thử lại sau" in r.get_json()["error"]["message"]
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    check("Error", r.get_json())
    assert_security_headers(r)
    # The page's form counts against the same account, and answers in Vietnamese.
    page = page_login(client_app.test_client(), "lan@example.vn", "mat-khau-123")
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    html = page.get_data(as_text=True)
    assert "Bạn thao tác quá nhanh. Vui lòng thử lại sau" in html and 'lang="vi"' in html
    # Someone else at the same address logs in as usual.
    r = ApiClient(client_app).login("binh@example.vn", "mat-khau-123")
    assert r.status_code == 200


def test_login_limit_per_address_is_generous_then_holds(client_app):
    office = client_app.test_client()  # sixty colleagues behind one address, each logging in once
    for i in range(60):
        r = page_login(office, f"xa-vien-{i}@example.vn", "")
        assert r.status_code == 401, i
    r = page_login(office, "xa-vien-60@example.vn", "")
    assert r.status_code == 429 and "Bạn thao tác quá nhanh" in r.get_data(as_text=True)
    r = ApiClient(client_app).login("moi@example.vn", "x")
    assert r.status_code == 429 and error_code(r) == "rate_limited" and r.headers["Retry-After"]


def test_register_limit_per_address(database_url, app):
    web = ApiClient(make_app(database_url, RATELIMIT_REGISTER_PER_IP="3 per minute"))
    statuses = [register(web, email=f"nguoi-{i}@example.vn", password="x").status_code for i in range(4)]
    assert statuses == [422, 422, 422, 429]  # counted whatever the outcome


def test_password_reset_requests_limited_per_address(database_url, app):
    """Each request may send a mail: the API and the page share one budget per address."""
    client_app = make_app(database_url, RATELIMIT_RESET_PER_IP="2 per minute")
    api = ApiClient(client_app)
    statuses = [api.post("/api/v1/auth/password-reset", json={"email": f"ai-{i}@example.vn"}).status_code
                for i in range(3)]
    assert statuses == [202, 202, 429]
    web = client_app.test_client()
    page = web.get("/forgot-password")
    assert page.status_code == 200  # reading the form spends nothing
    r = web.post("/forgot-password", data={"csrf_token": token(page.get_data(as_text=True)),
                                           "email": "ai-3@example.vn"})
    assert r.status_code == 429 and "Bạn thao tác quá nhanh" in r.get_data(as_text=True)


def test_password_change_spends_the_accounts_login_budget(database_url, app, user_factory):
    """Guessing the current password through the change form counts like guessing it at the login."""
    user_factory(email="lan@example.vn")
    user_factory(email="binh@example.vn")
    client_app = make_app(database_url, RATELIMIT_LOGIN_PER_ACCOUNT=PER_ACCOUNT)
    lan, binh = ApiClient(client_app), ApiClient(client_app)
    for api, email in ((lan, "lan@example.vn"), (binh, "binh@example.vn")):
        assert api.post("/api/v1/auth/login", json={"email": email, "password": "mat-khau-123"}).status_code == 200
    wrong = {"current_password": "doan-mo-123", "new_password": "Cay-lua-xanh-2026"}
    assert [lan.post("/api/v1/auth/password", json=wrong).status_code for _ in range(2)] == [422, 422]
    r = lan.post("/api/v1/auth/password", json=wrong)
    assert r.status_code == 429 and error_code(r) == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    assert page_login(client_app.test_client(), "lan@example.vn", "mat-khau-123").status_code == 429
    assert binh.post("/api/v1/auth/password", json=wrong).status_code == 422  # another account: its own budget


def test_start_limit_per_person(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    user_factory(email="an@example.vn")
    user_factory(email="binh@example.vn")
    an = ApiClient(client_app)
    an.login("an@example.vn", "mat-khau-123")
    statuses = [an.post("/api/v1/contests/thi-thu/attempts").status_code for _ in range(11)]
    assert statuses == [201] + [200] * 9 + [429]
    binh = ApiClient(client_app)
    binh.login("binh@example.vn", "mat-khau-123")
    assert binh.post("/api/v1/contests/thi-thu/attempts").status_code == 201
    # The page's start button shares the budget.
    web = client_app.test_client()
    page_login(web, "an@example.vn", "mat-khau-123")
    csrf = token(web.get("/contests/thi-thu").get_data(as_text=True))
    r = web.post("/contests/thi-thu/start", data={"csrf_token": csrf})
    assert r.status_code == 429 and "Bạn thao tác quá nhanh" in r.get_data(as_text=True)


def test_save_limit_per_attempt(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    user_factory(email="an@example.vn")
    user_factory(email="binh@example.vn")
    an, binh = ApiClient(client_app), ApiClient(client_app)
    an.login("an@example.vn", "mat-khau-123")
    binh.login("binh@example.vn", "mat-khau-123")
    attempt = an.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]
    aid, questions = attempt["id"], attempt["questions"]
    # Someone hammering another person's attempt spends only their own budget.
    hammer = [binh.put(f"/api/v1/attempts/{aid}/answers/{questions[0]['id']}", json={"option_id": "x"}).status_code
              for _ in range(121)]
    assert set(hammer[:120]) == {404} and hammer[120] == 429
    # A person answering 20 questions and changing their mind a lot stays well inside 120 a minute.
    for i in range(120):
        q = questions[i % len(questions)]
        r = an.put(f"/api/v1/attempts/{aid}/answers/{q['id']}", json={"option_id": q["options"][i % 2]["id"]})
        assert r.status_code == 200, (i, r.get_json())
    last = questions[0]
    r = an.put(f"/api/v1/attempts/{aid}/answers/{last['id']}",
               json={"option_id": correct_option(session, aid, last["id"])})
    assert r.status_code == 429 and error_code(r) == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    # Nothing is lost: the submit's final sync is not rate limited.
    answers = {q["id"]: correct_option(session, aid, q["id"]) for q in questions}
    result = an.post(f"/api/v1/attempts/{aid}/submit", json={"answers": answers}).get_json()["result"]
    assert result["score"] == len(questions)


def test_key_functions_survive_hostile_input(client_app):
    api = ApiClient(client_app)
    for body in ("[1, 2]", '{"email": 5, "password": []}', '{"email": "' + "a" * 5000 + '"}', "not json", "\xff\xfe"):
        r = api.post("/api/v1/auth/login", data=body, content_type="application/json")
        assert r.status_code in (400, 401), (body[:20], r.status_code)
    r = api.post("/api/v1/auth/login", data=b"\xff\xfe{", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    for path in ("/api/v1/attempts/abc/answers/1", "/api/v1/attempts/" + "9" * 40 + "/answers/x"):
        assert api.put(path, json={"option_id": "x"}).status_code == 401
    web = client_app.test_client()
    csrf = token(web.get("/login").get_data(as_text=True))
    assert web.post("/login", data={"csrf_token": csrf, "email": ["a", "b"]}).status_code == 401
    assert web.post("/login", data=b"\x00\xff", content_type="multipart/form-data").status_code == 400


def test_disabled_limits_let_everything_through(database_url, app):
    web = make_app(database_url, RATELIMIT_ENABLED=False).test_client()  # 70 people, one address
    assert {page_login(web, f"xa-vien-{i}@example.vn", "").status_code for i in range(70)} == {401}


def test_limits_in_redis_hold_across_app_servers(database_url, app, redis_prefix):
    prefix, client = redis_prefix
    one, two = (make_app(database_url, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                         RATELIMIT_LOGIN_PER_ACCOUNT=PER_ACCOUNT).test_client() for _ in range(2))
    for i in range(3):  # the account's 3 a minute, spread over two servers
        assert page_login(one if i % 2 else two, "lan@example.vn", "").status_code == 401
    assert page_login(one, "lan@example.vn", "").status_code == 429
    assert page_login(two, "lan@example.vn", "").status_code == 429
    assert page_login(two, "binh@example.vn", "").status_code == 401
    assert any(client.scan_iter(match=f"*{prefix}*"))
    # Another prefix (another test run, another deployment) has counters of its own.
    other = make_app(database_url, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix + "-other",
                     RATELIMIT_LOGIN_PER_ACCOUNT=PER_ACCOUNT).test_client()
    assert page_login(other, "lan@example.vn", "").status_code == 401


def test_a_missing_redis_falls_back_to_memory(database_url, app):
    web = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
                   RATELIMIT_LOGIN_PER_ACCOUNT=PER_ACCOUNT).test_client()
    statuses = [page_login(web, "lan@example.vn", "").status_code for _ in range(4)]
    assert statuses == [401] * 3 + [429]  # answered, never a 500, and still limited


def test_the_spec_documents_every_api_limit(client_app):
    for rule in client_app.url_map.iter_rules():
        declared = getattr(client_app.view_functions[rule.endpoint], "rate_limits", ())
        if declared and rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).replace("{attempt_id}", "{id}")
            for method in {limit.method for limit in declared}:
                assert "429" in SPEC["paths"][path][method.lower()]["responses"], path
