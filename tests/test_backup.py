"""flask backup and flask restore, against real databases: a populated database of either kind backed up and
restored into a fresh PostgreSQL schema and a fresh SQLite file; the restored app works; restore refuses a
database that holds data, another schema revision and a damaged file; a backup taken while answers keep
being saved restores to a consistent state."""
from __future__ import annotations

import gzip
import json
import random
import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import JSON, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from quiz.contest.attempts import close_expired, save_answer, start_attempt, submit
from quiz.contest.rounds import create_round
from quiz.contest.tallies import rebuild
from quiz.infra import audit
from quiz.infra.backup import BackupError, dump, read_header, restore
from quiz.models import Attempt, AttemptQuestion, AuditEntry, ItemTally, PersonBest, ScoreTally, utcnow
from tests.helpers import IN_CI, PG_BASE, migrate, pg_available

PASSWORD = "mat-khau-123"


@pytest.fixture
def fresh_target(tmp_path):
    """make(kind): a freshly migrated, empty database of that kind ("sqlite" or "postgresql"); its URL."""
    schemas = []
    admin = None

    def make(kind: str) -> str:
        nonlocal admin
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'target-{secrets.token_hex(3)}.db'}"
        else:
            if not pg_available():
                if IN_CI:
                    pytest.fail(f"PostgreSQL is not reachable at {PG_BASE}")
                pytest.skip(f"PostgreSQL is not reachable at {PG_BASE}")
            schema = f"r_{secrets.token_hex(4)}"
            admin = admin or create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f"CREATE SCHEMA {schema}"))
            schemas.append(schema)
            url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
        migrate(url)
        return url

    yield make
    if admin is not None:
        with admin.connect() as c:
            for schema in schemas:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def everything(url: str) -> dict:
    """Every row of every table, read through the models' own types (aware datetimes, parsed JSON), with
    whether each JSON value is SQL NULL (a JSON null is another value), plus alembic's version."""
    from quiz.infra.extensions import db

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            out = {"alembic_version": c.execute(text("SELECT version_num FROM alembic_version")).all()}
            for table in db.metadata.sorted_tables:
                nulls = [c_.is_(None) for c_ in table.columns if isinstance(c_.type, JSON)]
                out[table.name] = sorted(tuple(r) for r in c.execute(select(*table.columns, *nulls)).all())
        return out
    finally:
        engine.dispose()


def populate(session, contest_factory, user_factory):
    """Users, a contest with two rounds, attempts submitted, expired and in progress with their answers, a frozen
    ranking, counters, audit entries and a login failure."""
    from quiz.accounts import lockout
    from quiz.contest import ranking

    # Whole milliseconds: the frozen winner list writes times with the database's own rounding of the
    # sub-millisecond part, which differs between SQLite and PostgreSQL (quiz.contest.ranking._EXPORT_WHEN).
    now = utcnow().replace(microsecond=utcnow().microsecond // 1000 * 1000)
    rng = random.Random(12)
    admin = user_factory(role="admin", email="admin@example.vn", full_name="Quản Trị Viên")
    contest = contest_factory("sao-luu", question_count=4, blueprint="1-12:4", max_attempts=3,
                              opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=2),
                              prize_tiers="1:Giải Nhất,2:Giải Nhì")
    first = create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=now - timedelta(days=1))
    create_round(session, contest, number=2, opens_at=now - timedelta(days=1), closes_at=contest.closes_at)
    people = [user_factory(unit=rng.choice(["HTX Hòa Bình", "HTX Đồng Tâm", ""]), locality=rng.choice(["Huế", "Vinh"]),
                           phone=f"09123456{i:02d}") for i in range(8)]
    for i, person in enumerate(people):
        for when in (now - timedelta(days=1, hours=12), now - timedelta(minutes=5)):
            attempt, _ = start_attempt(session, person.id, contest, now=when, ip=f"10.0.0.{i}", device="a1b2c3d4")
            paper = select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
            for aq in session.execute(paper).scalars().all():
                option_id = rng.choice(aq.options)[0]
                session.commit()
                save_answer(session, attempt.id, person.id, aq.question_id, option_id, now=when + timedelta(seconds=20))
            if i % 4 == 0 and when < now - timedelta(days=1):
                close_expired(session, now=when + timedelta(hours=2))
            elif i % 4 != 3 or when < now - timedelta(days=1):
                submit(session, attempt.id, person.id, prediction=i, now=when + timedelta(seconds=40 + i))
            # else: the last round's attempt is left in progress
    ranking.freeze(session, contest, first, audit.Actor(admin.id, admin.email))  # logs ranking.freeze itself
    audit.record_now(session, audit.CLI, "contest.close", "contest", "sao-luu", before=None,
                     after={"note": "Đóng thử ✓", "at": now.isoformat()})
    session.commit()
    emails = [p.email for p in people]
    lockout.record_failure(session, emails[0])
    return contest, first, emails


def app_on(url: str):
    from quiz import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test-secret",
                       "RATELIMIT_ENABLED": False})


def reports(url: str, slug: str) -> dict:
    """What people see of the contest: the statistics report and the winner lists, whole and per round."""
    from quiz.contest.contests import get_contest
    from quiz.contest.rounds import get_round
    from quiz.contest.stats import contest_stats
    from quiz.files import exports
    from quiz.infra.extensions import db

    app = app_on(url)
    with app.app_context():
        try:
            contest = get_contest(db.session, slug)
            out = {}
            for number in (None, "1", "2"):
                rnd = get_round(db.session, contest, number) if number else None
                out[number] = (contest_stats(db.session, contest, rnd),
                               exports.winner_list(db.session, contest, rnd, "csv")[0])
            db.session.rollback()
            return out
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("target", ["postgresql", "sqlite"])
def test_backup_restores_everything_into_either_kind_and_the_app_works(
        app, session, database_url, bank, contest_factory, user_factory, fresh_target, tmp_path, target):
    _contest, _first, emails = populate(session, contest_factory, user_factory)
    session.remove()
    original = everything(database_url)
    assert [t for t in ("user", "attempt", "answer", "ranking_entry", "ranking_freeze", "score_tally", "item_tally",
                        "person_best", "audit_entry", "login_failure", "round") if not original[t]] == []
    statuses = {row[5] for row in original["attempt"]}
    assert statuses == {"submitted", "expired", "in_progress"}
    file = tmp_path / "quiz.jsonl.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(file)])
    assert result.exit_code == 0, result.output
    assert "đã sao lưu" in result.output
    header = read_header(file)
    assert header["alembic_revision"] == original["alembic_version"][0][0]
    assert {t["name"]: t["rows"] for t in header["tables"]}["attempt"] == len(original["attempt"])

    url = fresh_target(target)
    restored_app = app_on(url)
    with restored_app.app_context():  # the command runs in the current app context: this app's
        result = restored_app.test_cli_runner().invoke(args=["restore", str(file)])
    assert result.exit_code == 0, result.output
    assert everything(url) == original
    assert reports(url, "sao-luu") == reports(database_url, "sao-luu")

    # The restored app: log in, start a new attempt (a fresh id, no sequence clash), write the audit log,
    # which still refuses to change.
    with restored_app.app_context():
        from quiz.infra.extensions import db

        client = restored_app.test_client()
        token = client.get("/api/v1/csrf").get_json()["csrf_token"]
        login = client.post("/api/v1/auth/login", json={"email": emails[1], "password": PASSWORD},
                            headers={"X-CSRFToken": token})
        assert login.status_code == 200, login.get_data(as_text=True)
        token = client.get("/api/v1/csrf").get_json()["csrf_token"]
        started = client.post("/api/v1/contests/sao-luu/attempts", headers={"X-CSRFToken": token})
        assert started.status_code == 201, started.get_data(as_text=True)
        assert started.get_json()["attempt"]["id"] == max(row[0] for row in original["attempt"]) + 1
        audit.record_now(db.session, audit.CLI, "stats.export", "contest", "sao-luu")
        newest = db.session.execute(select(func.max(AuditEntry.id))).scalar()
        db.session.commit()
        assert newest == max(row[0] for row in original["audit_entry"]) + 1
        with pytest.raises(DBAPIError):
            with db.engine.begin() as c:
                c.execute(text("UPDATE audit_entry SET action = 'x'"))
        with pytest.raises(DBAPIError):
            with db.engine.begin() as c:
                c.execute(text("DELETE FROM audit_entry"))
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_with_data_a_damaged_file_and_another_revision(
        app, session, database_url, bank, contest_factory, user_factory, fresh_target, tmp_path):
    user_factory(full_name="Lê Thị Hoa")
    contest_factory("mot")
    session.remove()
    file = tmp_path / "b.jsonl.gz"
    dump(database_url, file)
    before = everything(database_url)

    # Into the database it came from: refused, nothing changed.
    result = app.test_cli_runner().invoke(args=["restore", str(file)])
    assert result.exit_code == 1
    assert "đã có dữ liệu" in result.output and "không có gì thay đổi" in result.output
    assert everything(database_url) == before

    # One row anywhere is enough (here only a login failure).
    target = fresh_target("sqlite")
    engine = create_engine(target)
    with engine.begin() as c:
        c.execute(text("INSERT INTO login_failure (email_hash, failures, last_failed_at) "
                       "VALUES ('x', 1, '2026-01-01 00:00:00.000000')"))
    engine.dispose()
    with pytest.raises(BackupError, match="login_failure"):
        restore(target, file)

    empty = fresh_target("sqlite")
    nothing = everything(empty)
    lines = gzip.decompress(file.read_bytes()).split(b"\n")
    # Cut short (the gzip stream ends early), one row changed (the checksum), not a backup at all.
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(file.read_bytes()[: len(file.read_bytes()) * 2 // 3])
    changed = tmp_path / "changed.jsonl.gz"
    user_row = next(i for i, line in enumerate(lines) if "Lê Thị Hoa".encode() in line)
    changed.write_bytes(gzip.compress(b"\n".join(lines[:user_row] + [lines[user_row].replace("Hoa".encode(), b"Hoz")]
                                                 + lines[user_row + 1:])))
    other = tmp_path / "other.jsonl.gz"
    header = json.loads(lines[0])
    header["alembic_revision"] = "000000000000"
    other.write_bytes(gzip.compress(b"\n".join([json.dumps(header).encode()] + lines[1:])))
    plain = tmp_path / "plain.csv"
    plain.write_text("email,full_name\n", encoding="utf-8")
    for bad, message in ((cut, "bị hỏng"), (changed, "bị hỏng"), (other, "phiên bản lược đồ 000000000000"),
                         (plain, "không phải là bản sao lưu"), (tmp_path / "none.gz", "không có tệp")):
        with pytest.raises(BackupError, match=message):
            restore(empty, bad)
        assert everything(empty) == nothing
    restore(empty, file)  # the good file still goes in afterwards
    assert everything(empty) == before


def test_backup_says_what_is_wrong_with_a_bad_path(app, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["backup", "--out", str(tmp_path / "khong-co" / "b.jsonl.gz")])
    assert missing.exit_code == 1 and "không có thư mục" in missing.output
    folder = runner.invoke(args=["backup", "--out", str(tmp_path)])
    assert folder.exit_code == 1 and "là một thư mục" in folder.output
    assert list(tmp_path.iterdir()) == []  # no half-written file left behind


def counters(conn) -> dict:
    rows = {}
    for model in (ScoreTally, ItemTally, PersonBest):
        value = model.best if model is PersonBest else model.n
        key = [c for c in model.__table__.primary_key.columns]
        for row in conn.execute(select(*key, value).where(value != 0)).all():
            rows[(model.__name__, *row[:-1])] = row[-1]
    return rows


def test_a_backup_taken_while_answers_are_saved_restores_consistent(
        app, session, database_url, bank, contest_factory, user_factory, fresh_target, tmp_path):
    contest = contest_factory("dang-thi", question_count=4, blueprint="1-12:4", max_attempts=50)
    people = [user_factory(unit=f"HTX số {i % 3}") for i in range(4)]
    session.remove()
    busy, stop, failures = threading.Event(), threading.Event(), []
    saved = [0]

    def keep_answering(person, writer):
        try:  # every failure, the set-up's too, is reported by the main thread
            client = writer.test_client()
            token = client.get("/api/v1/csrf").get_json()["csrf_token"]
            headers = {"X-CSRFToken": token}
            client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}, headers=headers)
            headers = {"X-CSRFToken": client.get("/api/v1/csrf").get_json()["csrf_token"]}
            while not stop.is_set():
                r = client.post("/api/v1/contests/dang-thi/attempts", headers=headers)
                if r.status_code == 409:  # attempts used up
                    return
                assert r.status_code in (200, 201), r.get_data(as_text=True)
                attempt = r.get_json()["attempt"]
                for q in attempt["questions"]:
                    put = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                                     json={"option_id": q["options"][0]["id"]}, headers=headers)
                    assert put.status_code == 200, put.get_data(as_text=True)
                    saved[0] += 1
                done = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}, headers=headers)
                assert done.status_code == 200, done.get_data(as_text=True)
                busy.set()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            busy.set()
        finally:
            with writer.app_context():
                from quiz.infra.extensions import db

                db.engine.dispose()

    # The writers' apps are made here, one after another: CPython 3.11 can fail compiling code in several threads
    # at once ("AST constructor recursion depth mismatch"), which app set-up does (dataclasses, templates).
    writers = [app_on(database_url) for _ in people]
    threads = [threading.Thread(target=keep_answering, args=(p, w)) for p, w in zip(people, writers, strict=True)]
    for t in threads:
        t.start()
    try:
        assert busy.wait(60)
        file = tmp_path / "live.jsonl.gz"
        dump(database_url, file)
        at_backup = saved[0]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures, failures
    assert saved[0] > 0 and at_backup > 0

    target = fresh_target("sqlite")
    restore(target, file)
    engine = create_engine(target)
    try:
        with engine.connect() as c:
            orphans = c.execute(text("SELECT count(*) FROM answer a LEFT JOIN attempt t ON t.id = a.attempt_id "
                                     "WHERE t.id IS NULL")).scalar()
            assert orphans == 0
            finished = c.execute(select(func.count()).select_from(Attempt).where(Attempt.score.is_not(None))).scalar()
            assert finished > 0
            kept = counters(c)
            rebuild(c, contest.id)
            assert counters(c) == kept
    finally:
        engine.dispose()
