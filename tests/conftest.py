"""Fixtures: a migrated real database per backend (SQLite and PostgreSQL), the app, live servers.

Database-facing tests take the ``app`` fixture and run once per backend. With
CI=true a PostgreSQL that cannot be reached fails the run instead of skipping.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with engine.connect() as c:
            c.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _migrate(url: str) -> None:
    """Build the schema with Alembic, exactly as ``flask db upgrade`` does."""
    from flask_migrate import upgrade

    from quiz import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        from quiz.infra.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A freshly migrated database for the whole session, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'quiz.db'}"
        _migrate(url)
        yield url
        return
    if not _pg_available():
        message = f"PostgreSQL is not reachable at {PG_BASE}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing PostgreSQL is a failure)")
        pytest.skip(message)
    schema = f"t_{secrets.token_hex(4)}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    _migrate(url)
    yield url
    with admin.connect() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def app(database_url):
    """The app on a clean database (every row deleted after each test)."""
    from quiz import create_app
    from quiz.infra.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})
    with app.app_context():
        yield app
        db.session.remove()
        # Children before parents; the append-only audit log is emptied by clear_audit_log.
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "audit_entry"]
        with db.engine.begin() as c:
            if db.engine.dialect.name == "postgresql":
                c.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                c.execute(text("UPDATE question SET current_version_id = NULL"))
                for t in tables:
                    c.execute(text(f'DELETE FROM "{t}"'))
            clear_audit_log(c)
        db.engine.dispose()


def clear_audit_log(c) -> None:
    """Empty the append-only audit log between tests: its triggers are lifted for that moment only."""
    if c.dialect.name == "postgresql":
        c.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_truncate"))
        c.execute(text("TRUNCATE audit_entry RESTART IDENTITY"))
        c.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_truncate"))
        return
    triggers = c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                              "AND tbl_name = 'audit_entry'")).all()
    for name, _sql in triggers:
        c.execute(text(f"DROP TRIGGER {name}"))
    c.execute(text("DELETE FROM audit_entry"))
    for _name, sql in triggers:
        c.execute(text(sql))


@pytest.fixture
def client_app(app, database_url):
    """A second app object on the same database for test clients.

    Requests then get their own app context (and ``g``) instead of reusing the
    test's, as they would in a real server.
    """
    from quiz import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})


@pytest.fixture
def session(app):
    from quiz.infra.extensions import db

    return db.session


def make_questions(n: int = 30, prefix: str = "T") -> list:
    """Synthetic questions; option 'đúng' is always the right one (index varies)."""
    from quiz.bank.question_files import ParsedQuestion

    out = []
    for i in range(n):
        correct = i % 4
        options = [f"Phương án sai {i}-{k}" for k in range(4)]
        options[correct] = f"Phương án đúng {i}"
        out.append(ParsedQuestion(f"{prefix}-{i:03d}", 1 + i % 12, f"Điều {1 + i % 100}", f"Câu hỏi thử số {i}?",
                                  options, correct, f"Giải thích {i}.", ""))
    return out


@pytest.fixture
def bank(session):
    """A bank of 30 synthetic questions."""
    from quiz.bank.questions import import_questions

    import_questions(session, make_questions())
    return 30


@pytest.fixture
def contest_factory(session):
    from quiz.contest.contests import create_contest
    from quiz.models import utcnow

    def make(slug="thi-thu", **kw):
        now = utcnow()
        kw.setdefault("opens_at", now - timedelta(hours=1))
        kw.setdefault("closes_at", now + timedelta(days=1))
        kw.setdefault("question_count", 20)
        return create_contest(session, slug=slug, title=kw.pop("title", "Cuộc thi thử"), **kw)

    return make


@pytest.fixture
def user_factory(session):
    from quiz.accounts.users import create_user

    counter = iter(range(1, 10**6))

    def make(role="participant", password="mat-khau-123", **kw):
        n = next(counter)
        kw.setdefault("email", f"user{n}@example.vn")
        kw.setdefault("full_name", f"Người dự thi {n}")
        return create_user(session, password=password, role=role, **kw)

    return make


def correct_option(session, attempt_id: int, question_id: str) -> str:
    """The opaque id of the right option, read from the database (tests only)."""
    from quiz.models import AttemptQuestion, QuestionVersion

    aq = session.get(AttemptQuestion, (attempt_id, int(question_id)))
    v = session.get(QuestionVersion, aq.version_id)
    answer = next(oid for oid, i in aq.options if i == v.correct)
    session.commit()  # end the read: on SQLite it holds the write lock other connections wait for
    return answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving the app on a free loopback port, against the given database."""

    def __init__(self, database_url: str, workers: int = 2, threads: int = 8, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="live-secret", **(extra_env or {}))
        self.log = open(ROOT / "instance" / f"gunicorn-{self.port}.log", "w") if (ROOT / "instance").exists() else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "--keep-alive", "60", "-b",
             f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited early")
            try:
                requests.get(self.url + "/api/v1/contests", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


@pytest.fixture
def live_server(app, database_url):
    (ROOT / "instance").mkdir(exist_ok=True)
    server = LiveServer(database_url)
    yield server
    server.stop()


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connect from a given loopback address (127.0.0.2, ...): several clients, each with an address of its own."""

    def __init__(self, source: str, **kw):
        self.source = (source, 0)
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = self.source
        super().init_poolmanager(*args, **kw)


class ApiClient:
    """A requests session that logs in and carries the CSRF token, like the quiz page.

    ``source`` makes it connect from that loopback address; ``call(..., base=URL)``
    sends one request to another server with the same cookies (cookies do not
    depend on the port).
    """

    def __init__(self, base: str, source: str | None = None):
        self.base = base
        self.http = requests.Session()
        if source:
            self.http.mount("http://", SourceAddressAdapter(source))
        self.token = self.http.get(base + "/api/v1/csrf").json()["csrf_token"]

    def call(self, method: str, path: str, base: str | None = None, **kw):
        headers = kw.pop("headers", {})
        headers.setdefault("X-CSRFToken", self.token)
        return self.http.request(method, (base or self.base) + path, headers=headers, timeout=30, **kw)

    def login(self, email: str, password: str = "mat-khau-123"):
        r = self.call("POST", "/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return self


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in a Redis database for tests; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI=true: a missing Redis is a failure)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"test-{secrets.token_hex(6)}"
    yield prefix, client
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
