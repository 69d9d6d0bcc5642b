"""Fixtures: a migrated real database per backend (SQLite and PostgreSQL), the app, test data, live servers,
Redis; the plugins ``tests.mailbox`` (a real SMTP server) and ``tests.hostile`` (markup in people's texts).

Database-facing tests take the ``app`` fixture and run once per backend. With
CI=true a PostgreSQL that cannot be reached fails the run instead of skipping.
Helpers (the API client, logins, test data) are in tests/helpers.py.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import IN_CI, PG_BASE, REDIS_URL, ROOT, ApiClient, LiveServer, make_questions, migrate, pg_available

pytest_plugins = ["tests.mailbox", "tests.hostile", "tests.chromium", "tests.pg_server"]


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A freshly migrated database for the whole session, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'quiz.db'}"
        migrate(url)
        yield url
        return
    if not pg_available():
        message = f"PostgreSQL is not reachable at {PG_BASE}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing PostgreSQL is a failure)")
        pytest.skip(message)
    schema = f"t_{secrets.token_hex(4)}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    migrate(url)
    yield url
    with admin.connect() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def app(database_url):
    """The app on a clean database (every row the test wrote is deleted after it).

    Not a rolled-back transaction: the app commits, test clients run on a second app (``client_app``) and
    live servers on connections of their own, none of which would see one test-wide transaction.
    """
    from quiz import create_app
    from quiz.infra.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as c:
            empty_tables(c, db.metadata)
        db.engine.dispose()


def empty_tables(c, metadata) -> None:
    """Delete the rows of the tables that have any, children before parents, in one transaction.

    Cheaper than TRUNCATE of every table on PostgreSQL (a test writes to a few tables; TRUNCATE costs
    each one a new file): 3 to 5 times faster there, the same on SQLite. Sequences of the emptied tables
    start again at 1, as SQLite's rowids do, so ids are the same on both databases and in every test.
    """
    tables = list(reversed(metadata.sorted_tables))
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
    used = set(c.execute(text(probe)).scalars())
    tables = [t for t in tables if t.name in used]
    if "question" in used:  # question and question_version point at each other
        c.execute(text("UPDATE question SET current_version_id = NULL"))
    for t in tables:
        if t.name != "audit_entry":
            c.execute(text(f'DELETE FROM "{t.name}"'))
    if "audit_entry" in used:
        clear_audit_log(c)
    serial = [t.name for t in tables if "id" in t.c]
    if serial and c.dialect.name == "postgresql":
        c.execute(text("SELECT " + ", ".join(f"setval(pg_get_serial_sequence('\"{t}\"', 'id'), 1, false)"
                                             for t in serial)))


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
def api(client_app):
    """An API client (in process) of its own, not logged in."""
    return ApiClient(client_app)


@pytest.fixture
def session(app):
    from quiz.infra.extensions import db

    return db.session


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
        kw.setdefault("consent", True)  # people who agreed to the privacy notice (quiz.accounts.privacy)
        kw.setdefault("email", f"user{n}@example.vn")
        kw.setdefault("full_name", f"Người dự thi {n}")
        return create_user(session, password=password, role=role, **kw)

    return make


@pytest.fixture
def live_server(app, database_url):
    (ROOT / "instance").mkdir(exist_ok=True)
    server = LiveServer(database_url)
    yield server
    server.stop()


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
