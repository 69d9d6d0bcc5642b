"""Engine settings per database: SQLite in WAL mode with write transactions that do not deadlock,
durable commits (``SQLITE_SYNCHRONOUS``), bounded waits, and telling a database outage from a bug."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.orm import Session

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


# SQLite's PRAGMA synchronous levels a deployment may choose (SQLITE_SYNCHRONOUS). FULL syncs the WAL at
# every commit, so an acknowledged answer survives a power cut; NORMAL may lose the last commits then.
SYNCHRONOUS_LEVELS = ("FULL", "NORMAL", "EXTRA")


class ConfigError(RuntimeError):
    """A setting the app cannot start with; the message says which and what it may be."""


def configure(app: Flask) -> None:
    """Check the database settings and set engine options; call before ``db.init_app``."""
    level = str(app.config.setdefault("SQLITE_SYNCHRONOUS", "FULL")).strip().upper()
    if level not in SYNCHRONOUS_LEVELS:
        raise ConfigError(f"SQLITE_SYNCHRONOUS={app.config['SQLITE_SYNCHRONOUS']!r} is not valid: "
                          f"use one of {', '.join(SYNCHRONOUS_LEVELS)} (FULL, the default, makes every commit durable)")
    app.config["SQLITE_SYNCHRONOUS"] = level
    busy = app.config.setdefault("SQLITE_BUSY_TIMEOUT_S", 30.0)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": busy}})
    else:
        # pre_ping: after a database restart the pool's dead connections are replaced, not handed out.
        # connect_timeout: an unreachable server costs a request seconds, not the system's TCP timeout.
        connect_timeout = int(app.config.get("DATABASE_CONNECT_TIMEOUT_S", 5))
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True,
                                                            "connect_args": {"connect_timeout": connect_timeout}})


def tune(app: Flask) -> None:
    """Install per-connection settings; call after ``db.init_app``."""
    from quiz.infra.extensions import db

    with app.app_context():
        tune_engine(app, db.engine)


def tune_engine(app: Flask, engine) -> None:
    """Install per-connection settings on one engine (the benchmark's yardstick shares them)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(engine, app.config.get("SQLITE_SYNCHRONOUS", "FULL"),
                     int(float(app.config.get("SQLITE_BUSY_TIMEOUT_S", 30)) * 1000))


def _tune_sqlite(engine, synchronous: str, busy_timeout_ms: int) -> None:
    assert synchronous in SYNCHRONOUS_LEVELS  # checked by configure(); never interpolate anything else
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not pysqlite, begin transactions (see on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        # IMMEDIATE takes the write lock up front: a read-then-write transaction
        # can then never fail with SQLITE_BUSY when another writer went first.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")


def unavailable(error: BaseException) -> str | None:
    """Why ``error`` means the database cannot serve right now ("disconnect", "locked", "timeout",
    "operational"), or None when it is a bug or bad data (a 500, not a 503).

    OperationalError is the DB-API's class for trouble outside the program: a refused or lost connection,
    SQLite's "database is locked" past its busy timeout, a deadlock or a cancelled statement. All of them
    are worth a retry a few seconds later.
    """
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return "timeout"
    if not isinstance(error, exc.DBAPIError):
        return None
    if error.connection_invalidated:
        return "disconnect"
    if isinstance(error, exc.OperationalError):
        return "locked" if "database is locked" in str(error.orig) else "operational"
    return None


# Events a transaction reports once it is committed (a rolled back one never happened): the domain
# notes them with ``note``, the metrics (quiz.infra.metrics) listen with ``on_commit``.
_NOTES = "quiz_committed_events"
_LISTENERS: list = []


def note(session, name: str, label: str = "") -> None:
    """Note that ``name`` happened in the session's current transaction; listeners hear of it at commit."""
    current(session).info.setdefault(_NOTES, []).append((name, label))


def on_commit(listener) -> None:
    """Call ``listener(name, label)`` for each noted event of every committed transaction."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    for name, label in session.info.pop(_NOTES, ()):
        for listener in _LISTENERS:
            listener(name, label)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_NOTES, None)


def ping(engine) -> None:
    """One trivial query on a pooled connection, in a read transaction (no write lock on SQLite)."""
    token = _WRITING.set(False)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar()
            conn.rollback()
    finally:
        _WRITING.reset(token)
