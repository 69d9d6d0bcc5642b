"""Engine settings per database: SQLite in WAL mode with write transactions that do not deadlock."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event

# Whether the next transaction may write. Writes are the default (safe); reads that
# only build a response say otherwise, so on SQLite they do not hold the write lock.
_WRITING: ContextVar[bool] = ContextVar("writing", default=True)


def commit_or_conflict(session, error) -> None:
    """Commit; when a unique constraint refuses it, roll back and raise ``error`` (a DomainError) instead."""
    from sqlalchemy.exc import IntegrityError

    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise error from None


def current(session):
    """The Session behind a scoped session (Flask-SQLAlchemy's ``db.session``), or the session itself."""
    return session() if callable(session) else session


@contextmanager
def reading(session):
    """Run read-only queries in a transaction of their own that takes no write lock, then end it."""
    session = current(session)
    if session.in_transaction():
        session.commit()
    token = _WRITING.set(False)
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    else:
        session.commit()  # ends the read; unlike rollback it leaves loaded objects usable
    finally:
        _WRITING.reset(token)


def configure(app: Flask) -> None:
    """Set engine options; call before ``db.init_app``."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def tune(app: Flask) -> None:
    """Install per-connection settings; call after ``db.init_app``."""
    from quiz.infra.extensions import db

    with app.app_context():
        tune_engine(app, db.engine)


def tune_engine(app: Flask, engine) -> None:
    """Install per-connection settings on one engine (the benchmark's yardstick shares them)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(engine)


def _tune_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not pysqlite, begin transactions (see on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        # IMMEDIATE takes the write lock up front: a read-then-write transaction
        # can then never fail with SQLITE_BUSY when another writer went first.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")
