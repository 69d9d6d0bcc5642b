"""``flask results import``: finished attempts from a paper round or an earlier platform.

Columns: email,full_name,unit,locality,score,duration_s,submitted_at,prediction.
All or nothing: every row is checked first and every bad row reported as
``FILE:ROW: problem``; only a clean file is written, in one transaction, with
bulk statements (SQLite ``executemany``, PostgreSQL ``COPY``), so a million rows
take seconds, not hours. People are matched by email and created without a
password when new; their existing profiles are left as they are. When the contest's organization has a unit
directory, each row's unit must be one of its codes or exact names (else a ``FILE:ROW:`` problem), and people not
yet enrolled in the contest are enrolled in that unit (their counters go under its code).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.accounts.users import EMAIL_RE
from quiz.contest.tallies import count_imported, place_label, unit_label
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.messages import FileProblems, Problem
from quiz.models import Attempt, Contest, Enrollment, Round, Unit, User, utcnow
from quiz.timeutil import parse_iso

COLUMNS = ["email", "full_name", "unit", "locality", "score", "duration_s", "submitted_at", "prediction"]
MAX_ERRORS_SHOWN = 1000
IMPORT_CACHE_KIB = 512 * 1024


class ResultsFileError(FileProblems):
    """A results file that cannot be imported: the first problems (``problems``) and how many in all (``total``)."""


@dataclass
class ResultsReport:
    rows: int
    new_people: int


def read_results(path: str | Path, contest: Contest, rounds: list[Round], only: Round | None = None,  # noqa: C901
                 progress=None, units: dict | None = None) -> list[tuple]:
    """Check every row; return (email, name, unit, locality, score, duration_ms, submitted_at, prediction, round_id).
    ``units``: the organization's directory (quiz.contest.units.lookup) when it has one."""
    name = Path(str(path)).name
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ResultsFileError([Problem(name, 0, "no_such_file")]) from None
    except UnicodeDecodeError as exc:
        raise ResultsFileError([Problem(name, 0, "not_utf8", {"byte": exc.start})]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ResultsFileError([Problem(name, 1, "missing_columns", {"columns": ", ".join(missing)})])
    idx = [header.index(c) for c in COLUMNS]
    check = RowChecker(name, contest, rounds, only, units)
    out, errors, count = [], [], 0
    width = len(header)
    for rownum, row in enumerate(reader, start=2):
        if progress and rownum % 50000 == 0:
            progress(rownum)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        good, problems = check(rownum, [row[i].strip() for i in idx])
        if problems:
            count += len(problems)
            if len(errors) < MAX_ERRORS_SHOWN:
                errors.extend(problems)
            continue
        out.append(good)
    if errors:
        raise ResultsFileError(errors[:MAX_ERRORS_SHOWN], count)
    if not out:
        raise ResultsFileError([Problem(name, 0, "no_rows")])
    return out


class RowChecker:
    """``checker(row number, the 8 cells stripped, in COLUMNS order)`` -> (the row to import or None, problems)."""

    def __init__(self, name: str, contest: Contest, rounds: list[Round], only: Round | None = None,
                 units: dict | None = None):
        self.name, self.only, self.units = name, only, units or None
        self.limit_s, self.total = contest.time_limit_s, contest.question_count
        self.opens, self.closes = contest.opens_at, contest.closes_at
        self.scopes = [only] if only else rounds

    def __call__(self, rownum: int, cells: list[str]) -> tuple[tuple | None, list[Problem]]:
        name = self.name
        email, full_name, unit, locality, score, duration, submitted, prediction = cells
        problems = []
        email = email.lower()
        if not EMAIL_RE.match(email) or len(email) > 254:
            problems.append(Problem(name, rownum, "email_invalid", {"value": email[:60]}))
        if not full_name or len(full_name) > 120:
            problems.append(Problem(name, rownum, "full_name_length"))
        if len(unit) > 200 or len(locality) > 120:
            problems.append(Problem(name, rownum, "unit_locality_length"))
        elif self.units is not None and unit not in self.units:
            problems.append(Problem(name, rownum, "unit_unknown", {"value": unit[:60]}))
        if not score.isdigit() or int(score) > self.total:
            problems.append(Problem(name, rownum, "score_range", {"total": self.total, "value": score[:20]}))
        try:
            duration_ms = round(float(duration) * 1000)
            if not 0 <= duration_ms <= self.limit_s * 1000:
                raise ValueError
        except ValueError:
            duration_ms = 0
            problems.append(Problem(name, rownum, "duration_range", {"limit": self.limit_s, "value": duration[:20]}))
        when = round_id = None
        try:
            when = parse_iso(submitted)
        except ValueError:
            problems.append(Problem(name, rownum, "submitted_at_format", {"value": submitted[:40]}))
        else:
            round_id, problem = self.place(rownum, when)
            if problem:
                problems.append(problem)
        pred = None
        if prediction:
            if prediction.isdigit() and len(prediction) < 10:
                pred = int(prediction)
            else:
                problems.append(Problem(name, rownum, "prediction_invalid", {"value": prediction[:20]}))
        if problems:
            return None, problems
        return (email, full_name, unit, locality, int(score), duration_ms, when, pred, round_id), problems

    def place(self, rownum: int, when) -> tuple[int | None, Problem | None]:
        """The round a time falls in (None without rounds), or the problem with it."""
        if not self.opens <= when <= self.closes:
            return None, Problem(self.name, rownum, "submitted_at_window")
        if not self.scopes:
            return None, None
        match = next((r for r in self.scopes if r.opens_at <= when <= r.closes_at), None)
        if match is None:
            return None, (Problem(self.name, rownum, "submitted_at_round", {"round": self.only.number}) if self.only
                          else Problem(self.name, rownum, "submitted_at_no_round"))
        return match.id, None


def _utc_stamp(dialect: str):
    """How a UTC time goes into a bulk row: a naive datetime for COPY (dumped in C), SQLAlchemy's text on SQLite."""
    if dialect == "postgresql":
        return lambda value: value.replace(tzinfo=None)  # read_results gives UTC already
    return lambda value: value.replace(tzinfo=None).isoformat(" ", "microseconds")


def import_results(s: Session, contest: Contest, rows: list[tuple], progress=None, *, actor: Actor | None = None,
                   source: str = "", rnd: Round | None = None) -> ResultsReport:
    """Write checked rows in one transaction; return how many rows and new people. Logged as ``actor``'s
    results.import of the file ``source`` (into round ``rnd`` when one was named), in that transaction."""
    log = {"file": source, "rows": len(rows), "round": rnd.number if rnd else None}
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        return _write(s, conn, contest, rows, progress, actor, log)
    # Index pages for a million rows stay in memory during the import (SQLite's default cache is 2 MB);
    # the pooled connection goes back as it was, whatever happens.
    conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        return _write(s, conn, contest, rows, progress, actor, log)
    finally:
        s.rollback()
        s.connection().exec_driver_sql("PRAGMA cache_size = -2000")
        s.commit()


def _write(s: Session, conn, contest: Contest, rows: list[tuple], progress, actor, log: dict) -> ResultsReport:
    known, profiles = {}, {}
    for email, uid, unit, locality, code in conn.execute(select(User.email, User.id, User.unit, User.locality,
                                                                User.locality_code)):
        known[email], profiles[uid] = uid, (unit_label(unit, None), place_label(locality, code))
    dialect = conn.dialect.name
    stamp = _utc_stamp(dialect)
    now = stamp(utcnow())
    new_people, seen = [], set()
    for email, full_name, unit, locality, *_rest in rows:
        if email not in known and email not in seen:
            seen.add(email)
            new_people.append((email, full_name, "", unit, locality, "participant", now))
    raw = conn.connection.driver_connection
    user_cols = ["email", "full_name", "phone", "unit", "locality", "role", "created_at"]
    _bulk(raw, dialect, "user", user_cols, new_people)
    if progress:
        progress("people")
    if new_people:
        fresh = dict(conn.execute(select(User.email, User.id).where(User.id > max(profiles, default=0))).all())
        for email, _n, _p, unit, locality, *_r in new_people:
            known[email] = fresh[email]
            profiles[fresh[email]] = (unit_label(unit, None), place_label(locality, None))
    _enroll(s, conn, contest, rows, known, profiles, now)
    numbers = dict(conn.execute(select(Attempt.user_id, func.max(Attempt.number))
                                .where(Attempt.contest_id == contest.id).group_by(Attempt.user_id)).all())
    limit = timedelta(seconds=contest.time_limit_s)
    attempts = []
    for email, _n, _u, _l, score, duration_ms, when, pred, round_id in rows:
        uid = known[email]
        numbers[uid] = numbers.get(uid, 0) + 1
        started = when - timedelta(milliseconds=duration_ms)
        attempts.append((uid, contest.id, round_id, numbers[uid], "submitted", stamp(started), stamp(started + limit),
                         stamp(when), score, contest.question_count, duration_ms, pred))
    attempt_cols = ["user_id", "contest_id", "round_id", "number", "status", "started_at", "deadline", "submitted_at",
                    "score", "total", "duration_ms", "prediction"]
    _bulk(raw, dialect, "attempt", attempt_cols, attempts, progress)
    # The statistics' counters, in the same transaction (quiz.contest.tallies).
    counted = [(a[0], a[8], row[6], a[2]) for a, row in zip(attempts, rows, strict=True)]
    bests = count_imported(conn, contest.id, counted, profiles)
    _bulk(raw, dialect, "person_best", ["contest_id", "scope", "user_id", "best"], bests)
    if progress:
        progress("statistics")
    audit.record(s, actor, audit.RESULTS_IMPORT, "contest", contest.slug, after=log)
    s.commit()
    return ResultsReport(len(rows), len(new_people))


def _enroll(s: Session, conn, contest: Contest, rows: list[tuple], known: dict, profiles: dict, now) -> None:
    """With a unit directory: enroll each person not yet enrolled in the contest in their row's unit (their first
    row's), and count everyone's attempts under their enrollment's code."""
    from quiz.contest.units import lookup

    directory = lookup(s, contest.organization_id)
    if not directory:
        return
    enrolled = dict(conn.execute(select(Enrollment.user_id, Unit.code).join(Unit, Unit.id == Enrollment.unit_id)
                                 .where(Enrollment.contest_id == contest.id)).all())
    new = []
    for email, _n, unit, *_rest in rows:
        uid = known[email]
        if uid not in enrolled:
            unit_id, enrolled[uid] = directory[unit]
            new.append((uid, contest.id, unit_id, now))
        profiles[uid] = (unit_label("", enrolled[uid]), profiles[uid][1])
    _bulk(conn.connection.driver_connection, conn.dialect.name, "enrollment",
          ["user_id", "contest_id", "unit_id", "enrolled_at"], new)


def _bulk(raw, dialect: str, table: str, columns: list[str], rows: list[tuple], progress=None,
          chunk: int = 50000) -> None:
    """Insert rows fast on the driver's own connection (inside the session's transaction)."""
    if not rows:
        return
    quoted = f'"{table}"'
    cols = ", ".join(columns)
    cur = raw.cursor()
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        if dialect == "postgresql":
            with cur.copy(f"COPY {quoted} ({cols}) FROM STDIN") as copy:
                for row in part:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO {quoted} ({cols}) VALUES ({', '.join('?' * len(columns))})", part)
        if progress:
            progress(len(part))
    cur.close()
