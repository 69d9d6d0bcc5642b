"""Operations: /healthz, /metrics summed over real gunicorn workers, durable SQLite commits, and a database
that cannot serve (a private PostgreSQL stopped and started mid-attempt; SQLite locked past its timeout)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from tests.helpers import ROOT, ApiClient, LiveServer, correct_option, free_port
from tests.pg_server import app_on, populate

GUNICORN_CONF = str(ROOT / "deploy" / "gunicorn.conf.py")


def _sample(text_format: str, name: str, **labels) -> float:
    """The sum of a metric's samples that carry ``labels``, from Prometheus's text format."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text_format):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


# /healthz

def test_healthz_answers_ok_without_a_cookie(client_app):
    c = client_app.test_client()
    for _ in range(3):
        r = c.get("/healthz")
        assert r.status_code == 200 and r.get_json() == {"status": "ok"}
        assert "Set-Cookie" not in r.headers


def test_healthz_is_never_rate_limited(database_url):
    app = app_on(database_url, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_PER_IP="1 per minute")
    c = app.test_client()
    assert all(c.get("/healthz").status_code == 200 for _ in range(30))


def test_healthz_is_503_when_the_database_does_not_answer():
    app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")  # nobody listens there
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.get_json() == {"status": "unavailable"}


# /metrics

def test_metrics_need_the_token(database_url):
    assert app_on(database_url).test_client().get("/metrics").status_code == 404  # METRICS_TOKEN unset
    c = app_on(database_url, METRICS_TOKEN="s3cret-token").test_client()
    assert c.get("/metrics").status_code == 401
    r = c.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = c.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert "quiz_http_request_duration_seconds_bucket" in r.get_data(as_text=True)


def test_expired_attempts_are_counted_once_committed(app, session, bank, contest_factory, user_factory):
    from prometheus_client import REGISTRY

    from quiz.contest import attempts

    def expired() -> float:
        return REGISTRY.get_sample_value("quiz_attempts_finished_total", {"how": "expired"}) or 0.0

    contest = contest_factory(time_limit_s=60)
    a, _ = attempts.start_attempt(session, user_factory().id, contest)
    before = expired()
    assert attempts.close_expired(session, now=a.deadline + timedelta(minutes=1)) == 1
    assert expired() == before + 1


def test_metrics_sum_every_gunicorn_worker(app, database_url, session, bank, contest_factory, user_factory, tmp_path):
    contest_factory()
    people = [user_factory().email for _ in range(4)]
    metrics_dir = tmp_path / "metrics"
    server = LiveServer(database_url, workers=2, threads=2, extra_env={
        "GUNICORN_CMD_ARGS": f"-c {GUNICORN_CONF}", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": "tok"})
    try:
        saved = 0
        for email in people:  # a connection each: the kernel spreads them over both workers
            api = ApiClient.logged_in(server.url, email)
            attempt = api.call("POST", "/api/v1/contests/thi-thu/attempts").json()["attempt"]
            for q in attempt["questions"][:3]:
                for _ in range(2):
                    r = api.call("PUT", f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                                 json={"option_id": q["options"][0]["id"]}, headers={"Connection": "close"})
                    assert r.status_code == 200
                    saved += 1
            assert api.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", json={}).status_code == 200
        workers = {p.name.rsplit("_", 1)[1] for p in metrics_dir.glob("counter_*.db")}
        assert len(workers) >= 2, f"one worker answered everything: {workers}"
        for _ in range(4):  # whichever worker answers the scrape, it reports every worker's counts
            body = requests.get(server.url + "/metrics", headers={"Authorization": "Bearer tok",
                                                                  "Connection": "close"}, timeout=10).text
            assert _sample(body, "quiz_answers_saved_total") == saved
            assert _sample(body, "quiz_attempts_started_total") == len(people)
            assert _sample(body, "quiz_attempts_finished_total", how="submitted") == len(people)
            assert _sample(body, "quiz_http_requests_total", endpoint="api.save_answer", status="200") == saved
            assert _sample(body, "quiz_http_request_duration_seconds_count", endpoint="api.save_answer") == saved
            assert _sample(body, "quiz_http_requests_total", endpoint="api.login", status="200") == len(people)
    finally:
        server.stop()


# Durable SQLite commits

def test_sqlite_commits_are_durable_by_default(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    from quiz.infra.extensions import db

    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    db.session.commit()
    with db.engine.connect() as c:  # every pooled connection, not only the session's
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        c.rollback()
    other = app_on(database_url, SQLITE_SYNCHRONOUS="normal")
    with other.app_context():
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        db.session.rollback()
        db.engine.dispose()


def test_a_bad_synchronous_setting_stops_the_app_at_start(tmp_path):
    from quiz.infra.database import ConfigError

    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS='OFF' is not valid: use one of FULL, NORMAL, EXTRA"):
        app_on(f"sqlite:///{tmp_path / 'x.db'}", SQLITE_SYNCHRONOUS="OFF")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SQLITE_SYNCHRONOUS": "OFF", "SECRET_KEY": "x",
           "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "contests", "list"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "SQLITE_SYNCHRONOUS='OFF' is not valid" in run.stderr


# A database that cannot serve

def test_sqlite_locked_past_its_timeout_is_a_503(app, database_url, session, bank, contest_factory, user_factory):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    contest_factory()
    user = user_factory()
    api = ApiClient.logged_in(app_on(database_url, SQLITE_BUSY_TIMEOUT_S=0.2), user.email)
    attempt = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]
    q = attempt["questions"][0]
    path = f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}"
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer keeps the write lock
    try:
        r = api.put(path, json={"option_id": q["options"][1]["id"]})
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.get_json()["error"]["code"] == "database_unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.put(path, json={"option_id": q["options"][1]["id"]}).status_code == 200



def test_postgresql_stopped_mid_attempt_loses_nothing_acknowledged(private_postgres):
    pg = private_postgres
    email, = populate(pg.url)
    server = LiveServer(pg.url, workers=2, threads=4)
    try:
        api = ApiClient.logged_in(server.url, email)
        attempt = api.call("POST", "/api/v1/contests/thi-thu/attempts").json()["attempt"]
        questions = attempt["questions"]
        app = app_on(pg.url)
        with app.app_context():
            from quiz.infra.extensions import db

            right = {q["id"]: correct_option(db.session, attempt["id"], q["id"]) for q in questions[:8]}
            db.session.remove()
            db.engine.dispose()

        def save(qid):
            return api.call("PUT", f"/api/v1/attempts/{attempt['id']}/answers/{qid}", json={"option_id": right[qid]})

        acknowledged = [q["id"] for q in questions[:4] if save(q["id"]).status_code == 200]
        assert len(acknowledged) == 4

        pg.stop("fast")
        r = save(questions[4]["id"])
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "5"
        assert r.json()["error"]["code"] == "database_unavailable"
        assert "cơ sở dữ liệu" in r.json()["error"]["message"]
        health = requests.get(server.url + "/healthz", timeout=10)
        assert health.status_code == 503 and health.json() == {"status": "unavailable"}
        for path in ("/api/v1/contests", f"/api/v1/attempts/{attempt['id']}"):
            assert api.call("GET", path).status_code == 503
        page = api.call("GET", "/")  # a page: a Vietnamese page, no 500
        assert page.status_code == 503 and "Hệ thống tạm gián đoạn" in page.text and page.headers["Retry-After"]

        pg.start()
        assert requests.get(server.url + "/healthz", timeout=10).json() == {"status": "ok"}
        for q in questions[4:8]:  # the app recovers by itself: the next saves succeed
            assert save(q["id"]).status_code == 200
            acknowledged.append(q["id"])
        result = api.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", json={}).json()["result"]
        assert result["score"] == len(acknowledged) == 8  # no final sync: only what the server acknowledged
    finally:
        server.stop()


def test_metrics_count_database_errors(private_postgres, tmp_path):
    pg = private_postgres
    populate(pg.url, 0)
    server = LiveServer(pg.url, workers=1, threads=2, extra_env={
        "GUNICORN_CMD_ARGS": f"-c {GUNICORN_CONF}", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "METRICS_TOKEN": "t"})
    try:
        pg.stop("fast")
        assert requests.get(server.url + "/api/v1/contests", timeout=10).status_code == 503
        body = requests.get(server.url + "/metrics", headers={"Authorization": "Bearer t"}, timeout=10).text
        assert _sample(body, "quiz_database_errors_total") >= 1
        assert _sample(body, "quiz_http_requests_total", endpoint="api.list_contests", status="503") >= 1
    finally:
        server.stop()
        pg.start()


def test_the_gunicorn_config_empties_the_metrics_dir_at_start(tmp_path):
    stale = tmp_path / "counter_99999.db"
    stale.write_bytes(b"old counts")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = f"import runpy; ns = runpy.run_path({GUNICORN_CONF!r}); ns['on_starting'](None)"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert not stale.exists() and Path(tmp_path).is_dir()
