"""More than one app server, for real: two gunicorns on one PostgreSQL schema and one Redis, behind nginx.

Clients connect from loopback addresses of their own (127.0.0.2, ...), so the
address nginx passes on in X-Forwarded-For differs from the proxy's own and
the per-address limits can be seen to count the real client.
"""
from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.helpers import IN_CI, REDIS_URL, ROOT, ApiClient, LiveServer, correct_option
from tests.nginx import NGINX, PROXY_HEADERS, Nginx

pytestmark = pytest.mark.multiserver
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # several servers need it

LIMITS = {"RATELIMIT_LOGIN_PER_ACCOUNT": "3 per minute", "RATELIMIT_LOGIN_PER_IP": "5 per minute"}


@pytest.fixture
def cluster(app, database_url, redis_prefix, tmp_path):
    """(nginx, server A, server B): same database, SECRET_KEY and Redis counters; everything stopped afterwards."""
    if not Path(NGINX).exists():
        if IN_CI:
            pytest.fail(f"{NGINX} is missing (CI=true: install Debian's nginx)")
        pytest.skip(f"{NGINX} is missing")
    prefix, _client = redis_prefix
    env = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1",
           "STATS_MAX_AGE_S": "0", **LIMITS}
    (ROOT / "instance").mkdir(exist_ok=True)
    started = []
    try:
        with ThreadPoolExecutor(2) as pool:  # both start at once: half the waiting
            futures = [pool.submit(LiveServer, database_url, workers=1, threads=4, extra_env=env) for _ in range(2)]
        started += [f.result() for f in futures if not f.exception()]
        for f in futures:
            if f.exception():
                raise f.exception()
        proxy = Nginx(tmp_path, [f"127.0.0.1:{s.port}" for s in started])
        started.append(proxy)
        yield proxy, started[0], started[1]
    finally:
        for process in reversed(started):
            process.stop()


@ON_POSTGRESQL
def test_an_attempt_spread_over_two_servers_loses_nothing(cluster, session, bank, contest_factory, user_factory):
    proxy, a, b = cluster
    contest_factory("thi-thu", time_limit_s=600)
    user_factory(role="organizer", email="btc@example.vn")
    # Registered through nginx; the signed session cookie then works on either server.
    lan = ApiClient(proxy.url, source="127.0.0.2")
    r = lan.call("POST", "/api/v1/auth/register", json={"full_name": "Trần Thị Lan", "email": "lan@example.vn",
                                                       "password": "mat-khau-123", "unit": "HTX Tân Phú"})
    assert r.status_code == 201, r.text
    assert {lan.call("GET", "/api/v1/me", base=s.url).json()["user"]["email"] for s in (a, b)} == {"lan@example.vn"}
    assert lan.login("lan@example.vn").status_code == 200  # through nginx as well

    attempt = lan.call("POST", "/api/v1/contests/thi-thu/attempts", base=a.url).json()["attempt"]
    aid, questions = attempt["id"], attempt["questions"]
    right = 0
    for i, q in enumerate(questions):  # alternate the servers; right on every question but each fourth
        options = [o["id"] for o in q["options"]]
        good = correct_option(session, aid, q["id"])
        choice = good if i % 4 else next(o for o in options if o != good)
        right += choice == good
        r = lan.call("PUT", f"/api/v1/attempts/{aid}/answers/{q['id']}", base=(a, b)[i % 2].url,
                     json={"option_id": choice})
        assert r.status_code == 200, r.text
    # Each server sees every answer the other saved.
    for server in (a, b):
        assert len(lan.call("GET", f"/api/v1/attempts/{aid}", base=server.url).json()["attempt"]["answers"]) == 20
    # Submitted on B without the final sync: the score can only come from the saves on both servers.
    result = lan.call("POST", f"/api/v1/attempts/{aid}/submit", base=b.url, json={"prediction": 0}).json()["result"]
    assert (result["score"], result["total"], result["status"]) == (right, 20, "submitted") and right == 15

    # Staff and the public read the same numbers through nginx, whichever server answers.
    staff = ApiClient.logged_in(proxy.url, "btc@example.vn", source="127.0.0.3")
    reports = [staff.call("GET", "/api/v1/contests/thi-thu/stats").json() for _ in range(4)]
    assert {(s["attempts"], s["participants"], s["histogram"]["15"], s["at_least"]["count"]) for s in reports} == \
        {(1, 1, 1, 1)}
    boards = [ApiClient(proxy.url, source="127.0.0.4").call("GET", "/api/v1/contests/thi-thu/leaderboard").json()
              for _ in range(4)]
    assert all(board == boards[0] for board in boards)
    assert [(row["rank"], row["score"], row["unit"]) for row in boards[0]["rows"]] == [(1, 15, "HTX Tân Phú")]
    assert proxy.upstreams_used() == {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"}  # round robin reached both


@ON_POSTGRESQL
def test_limits_hold_across_servers_and_count_the_real_client(cluster, user_factory):
    proxy, a, b = cluster
    user_factory(email="lan@example.vn")
    # Per account (3 a minute): failed logins alternating A and B; the 4th is refused whichever server gets it.
    guesser = ApiClient(a.url, source="127.0.0.5")
    statuses = [guesser.login("lan@example.vn", f"doan-{i}", base=(a, b)[i % 2].url).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    # The account is locked on every server and from every address; the address is not (4 of its 5 a minute).
    elsewhere = ApiClient(a.url, source="127.0.0.8")
    r = elsewhere.login("lan@example.vn")
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    r = guesser.login("binh@example.vn", "x", base=b.url)
    assert r.status_code == 401

    # Per address (5 a minute) through nginx: the client's own address, from X-Forwarded-For, on both servers;
    # an X-Forwarded-For the client makes up is not believed (nginx appends the real one, the app reads that).
    office = ApiClient(proxy.url, source="127.0.0.6")
    statuses = [office.login(f"nv{i}@example.vn", "x", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(6)]
    assert statuses == [401] * 5 + [429]
    neighbour = ApiClient(proxy.url, source="127.0.0.7")  # behind the same nginx, another address: its own budget
    assert neighbour.login("x@example.vn", "x").status_code == 401
    assert proxy.upstreams_used() >= {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"}

    # X-Forwarded-Proto: nginx replaces a client's made-up "https" with the real scheme (no HSTS over HTTP)...
    r = office.call("GET", "/api/v1/csrf", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers
    # ...while the app trusts the header from its one proxy (here sent straight to it, as a TLS-ending nginx would).
    r = requests.get(a.url + "/api/v1/csrf", headers={"X-Forwarded-Proto": "https"}, timeout=10)  # a new session
    assert r.headers["Strict-Transport-Security"] and "; Secure" in r.headers["Set-Cookie"]


def test_the_sample_nginx_config_is_valid_and_sets_what_the_test_uses(tmp_path):
    sample = (ROOT / "deploy" / "nginx.conf").read_text()
    for line in PROXY_HEADERS:
        assert line in sample
    assert "upstream quiz_app" in sample and "proxy_pass http://quiz_app;" in sample
    if not Path(NGINX).exists() or not shutil.which("openssl"):
        if IN_CI:
            pytest.fail("nginx and openssl are needed to check deploy/nginx.conf")
        pytest.skip("nginx or openssl is missing")
    # nginx -t reads the certificate: a throwaway one, and the machine's paths moved into tmp_path.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=thi",
                    "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"], check=True, capture_output=True)
    for old, new in (("/etc/letsencrypt/live/thi.example.vn/fullchain.pem", tmp_path / "cert.pem"),
                     ("/etc/letsencrypt/live/thi.example.vn/privkey.pem", tmp_path / "key.pem"),
                     ("/run/nginx.pid", tmp_path / "nginx.pid"), ("/var/log/nginx/", f"{tmp_path}/")):
        assert old in sample
        sample = sample.replace(old, str(new))
    (tmp_path / "nginx.conf").write_text(sample)
    check = subprocess.run([NGINX, "-t", "-c", tmp_path / "nginx.conf", "-p", tmp_path, "-e", tmp_path / "error.log"],
                           check=False, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
