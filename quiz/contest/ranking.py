"""The ranking of docs/product.md: each person's best attempt, totally ordered, in one SQL query.

Order: score desc; prediction closest to the number of perfect attempts in the
round (no prediction last at that score); shorter time; earlier submission;
attempt id. Until it is frozen the ranking is provisional and computed live.
Freezing is an operation of its own, never a side effect of reading: closing a
contest early freezes it (quiz.contest.contests.close_now), ``flask attempts
close-expired`` (cron) freezes the contests and rounds whose window has ended
(``freeze_closed``), and an admin may freeze again (``flask ranking freeze``).
A freeze copies the ordered rows by one INSERT ... SELECT into ranking_entry with
a SHA-256 digest, and every later read and export uses that copy until the next
freeze. In the same transaction it issues the certificates the new ranking makes
due (quiz.contest.certificates.issue_due).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import BigInteger, case, cast, func, insert, literal, select, update
from sqlalchemy.orm import Session

from quiz.errors import DomainError
from quiz.i18n import N_
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import reading
from quiz.models import (
    OPEN,
    Attempt,
    Contest,
    Enrollment,
    RankingEntry,
    RankingFreeze,
    Round,
    Unit,
    User,
    Verdict,
    utcnow,
)

TOP_WALK_MAX = 1000  # leaderboards up to this size walk the indexes (live_top) instead of ranking everyone
NOT_RANKED = N_("Cuộc thi thử không xếp hạng: không có bảng xếp hạng, giải thưởng, danh sách đoạt giải hay giấy "
                "chứng nhận.")


def require_ranked(contest: Contest) -> Contest:
    """``contest`` when it is ranked; 404 ``not_ranked`` for a practice contest, which has no ranking and so no
    leaderboard, prizes, winner list, frozen versions, verdicts or certificates."""
    if contest.practice:
        raise DomainError("not_ranked", NOT_RANKED)
    return contest


@dataclass
class RankRow:
    rank: int
    attempt_id: int
    user_id: int
    full_name: str
    email: str
    phone: str
    unit: str
    locality: str
    score: int
    total: int
    duration_ms: int
    submitted_at: datetime
    prediction: int | None
    prediction_error: int | None
    locality_code: str | None = None  # the official ward (quiz.places), when the person picked one
    unit_code: str | None = None  # the directory's unit the person enrolled in (``unit`` is then its name)


@dataclass
class Ranking:
    rows: list[RankRow] | None  # None: a frozen ranking read for export, row by row (see export_rows)
    truth: int  # perfect attempts the predictions are measured against
    frozen: bool
    digest: str
    frozen_at: datetime | None = None
    export_rows: object = None  # callable(dates) giving export tuples in rank order (frozen exports stream them)
    erasures: list | None = None  # a frozen ranking's history of erased people (quiz.accounts.privacy)


def _scope(contest_id: int, round_id: int | None):
    where = [Attempt.contest_id == contest_id, Attempt.score.is_not(None)]  # finished: it has a score
    if round_id is not None:
        where.append(Attempt.round_id == round_id)
    return where


def disqualified_ids(contest_id: int, round_id: int | None):
    """The people a judge disqualified from this ranking (quiz.contest.verdicts), as a select of user ids: a
    verdict is on the contest's whole ranking (scope 0) or on one round's."""
    return select(Verdict.user_id).where(Verdict.contest_id == contest_id, Verdict.scope == (round_id or 0),
                                         Verdict.verdict == "disqualified")


def perfect_count(s: Session, contest_id: int, round_id: int | None = None) -> int:
    """Finished attempts with every question right: the truth the predictions aim at.

    Every attempt of a contest has its question count as total (the count cannot
    change once attempts exist), so this is one range of the (contest, score) index.
    """
    question_count = select(Contest.question_count).where(Contest.id == contest_id).scalar_subquery()
    return s.execute(select(func.count()).select_from(Attempt)
                     .where(*_scope(contest_id, round_id), Attempt.score == question_count)).scalar_one()


def paced_ms(standard_s: int):
    """The time tie-break of an attempt, as SQL: its time taken as a share of its own limit, in milliseconds of
    the contest's ``standard_s`` (docs/product.md, "Accommodations"). For an attempt with the contest's limit it
    is the time taken itself; with extra time, a person who used the same share of their longer limit ties."""
    return cast(Attempt.duration_ms, BigInteger) * standard_s // func.coalesce(Attempt.time_limit_s, standard_s)


def paced(duration_ms: int, time_limit_s: int | None, standard_s: int) -> int:
    """``paced_ms`` in Python (the same whole-number division), for rows already read."""
    return duration_ms * standard_s // (time_limit_s or standard_s)


def _ordered(contest_id: int, round_id: int | None, truth, standard_s: int, out: list[int] | None = None):
    """The best attempt per person with its rank, as a select (used live and to freeze); ``standard_s``: the
    contest's time limit (the time tie-break, ``paced_ms``); ``out``: the people left out (disqualified; a
    handful of ids, so the query is the same as without verdicts when there are none)."""
    no_prediction = case((Attempt.prediction.is_(None), 1), else_=0)
    error = func.abs(Attempt.prediction - truth)
    pace = paced_ms(standard_s)
    order = [Attempt.score.desc(), no_prediction, error, pace, Attempt.submitted_at, Attempt.id]
    best = (select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.score, Attempt.total,
                   Attempt.duration_ms, Attempt.submitted_at, Attempt.prediction, no_prediction.label("no_pred"),
                   error.label("pred_err"), pace.label("pace"),
                   func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("rn"))
            .where(*_scope(contest_id, round_id), *([Attempt.user_id.not_in(out)] if out else []))
            .subquery())
    final_order = [best.c.score.desc(), best.c.no_pred, best.c.pred_err, best.c.pace, best.c.submitted_at,
                   best.c.attempt_id]
    return (select(func.row_number().over(order_by=final_order).label("rank"), best.c.attempt_id, best.c.user_id,
                   best.c.score, best.c.total, best.c.duration_ms, best.c.prediction, best.c.pred_err,
                   best.c.submitted_at)
            .where(best.c.rn == 1).order_by(*final_order))


def _enrolled(query, contest_id: int, user_id):
    """``query`` joined to the person's enrollment in the contest and its unit (both may be missing)."""
    return (query.outerjoin(Enrollment, (Enrollment.user_id == user_id) & (Enrollment.contest_id == contest_id))
            .outerjoin(Unit, Unit.id == Enrollment.unit_id))


def _people(q, limit: int | None, contest_id: int):
    ranked = q.subquery()
    out = _enrolled(select(ranked.c.rank, ranked.c.attempt_id, ranked.c.user_id, User.full_name,
                           func.coalesce(User.email, "").label("email"), User.phone,
                           func.coalesce(Unit.name, User.unit), User.locality, ranked.c.score, ranked.c.total,
                           ranked.c.duration_ms, ranked.c.submitted_at, ranked.c.prediction,
                           ranked.c.pred_err, User.locality_code, Unit.code)
                    .join(User, User.id == ranked.c.user_id), contest_id, ranked.c.user_id).order_by(ranked.c.rank)
    return out.limit(limit) if limit is not None else out


def _rows(s: Session, q) -> list[RankRow]:
    return [RankRow(*r) for r in s.execute(q)]


def live_top(s: Session, contest_id: int, round_id: int | None, limit: int, truth: int,
             standard_s: int) -> list[RankRow]:
    """The first ``limit`` people of the live ranking without ranking everyone.

    A person's best attempt is their first attempt in the ranking's order of
    attempts, so the top people are the first distinct people met walking the
    attempts in that order: score by score from the top (index on score,
    prediction), and within a score the predictions nearest the truth, taken
    in windows [truth - w, truth + w] that widen until they hold enough new
    people; then the attempts without a prediction. A handful of index range
    reads instead of a sort of every attempt.
    """
    scope = _scope(contest_id, round_id)
    cols = (Attempt.id, Attempt.user_id, Attempt.score, Attempt.total, Attempt.duration_ms, Attempt.submitted_at,
            Attempt.prediction, Attempt.time_limit_s)

    def pace(r) -> int:
        return paced(r.duration_ms, r.time_limit_s, standard_s)

    picked: list = []
    # Disqualified people are never picked: as if already met (a handful of ids).
    seen: set[int] = set(s.execute(disqualified_ids(contest_id, round_id)).scalars())

    def take(rows, key) -> None:
        for r in sorted(rows, key=key):
            if len(picked) < limit and r.user_id not in seen:
                seen.add(r.user_id)
                picked.append(r)

    level = None
    while len(picked) < limit:
        # The next lower score present: one index seek.
        below = [] if level is None else [Attempt.score < level]
        level = s.execute(select(func.max(Attempt.score)).where(*scope, *below)).scalar_one()
        if level is None:
            break
        at_level = [*scope, Attempt.score == level]
        low, high = s.execute(select(func.min(Attempt.prediction), func.max(Attempt.prediction))
                              .where(*at_level)).one()
        width = 8
        while low is not None:
            rows = s.execute(select(*cols).where(*at_level,
                                                 Attempt.prediction.between(truth - width, truth + width))).all()
            covers_all = truth - width <= low and truth + width >= high
            if covers_all or len({r.user_id for r in rows} - seen) >= limit - len(picked):
                take(rows, lambda r: (abs(r.prediction - truth), pace(r), r.submitted_at, r.id))
                break
            width *= 4
        if len(picked) >= limit or low is not None and not covers_all:
            continue
        # Then this score's attempts without a prediction, fetched in order until enough people are met.
        batch = limit - len(picked)
        while True:
            rows = s.execute(select(*cols).where(*at_level, Attempt.prediction.is_(None))
                             .order_by(paced_ms(standard_s), Attempt.submitted_at, Attempt.id).limit(batch)).all()
            if len(rows) < batch or len({r.user_id for r in rows} - seen) >= limit - len(picked):
                take(rows, lambda r: (pace(r), r.submitted_at, r.id))
                break
            batch *= 4
    ids = [r.user_id for r in picked]
    people = {u.id: u for u in s.execute(select(User).where(User.id.in_(ids))).scalars()}
    enrolled = {uid: (code, name) for uid, code, name in s.execute(
        select(Enrollment.user_id, Unit.code, Unit.name).join(Unit, Unit.id == Enrollment.unit_id)
        .where(Enrollment.contest_id == contest_id, Enrollment.user_id.in_(ids)))} if ids else {}
    out = []
    for rank, r in enumerate(picked, start=1):
        u = people[r.user_id]
        code, name = enrolled.get(r.user_id, (None, u.unit))
        out.append(RankRow(rank, r.id, r.user_id, u.full_name, u.email or "", u.phone, name, u.locality, r.score,
                           r.total, r.duration_ms, r.submitted_at, r.prediction,
                           None if r.prediction is None else abs(r.prediction - truth), u.locality_code, code))
    return out


def digest_of(rows) -> str:
    """SHA-256 over (rank, attempt id, score, duration, prediction): equal digests, equal rankings."""
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r.rank},{r.attempt_id},{r.score},{r.duration_ms},{r.prediction}\n".encode())
    return h.hexdigest()


def _freezes_of(contest_id: int, round_id: int | None) -> tuple:
    """The freezes of a contest's whole ranking (round_id None) or of one round's."""
    return (RankingFreeze.contest_id == contest_id,
            RankingFreeze.round_id.is_(None) if round_id is None else RankingFreeze.round_id == round_id)


def current_freeze(s: Session, contest_id: int, round_id: int | None) -> RankingFreeze | None:
    return s.execute(select(RankingFreeze).where(*_freezes_of(contest_id, round_id),
                                                 RankingFreeze.current.is_(True))).scalars().first()


def freeze(s: Session, contest: Contest, rnd: Round | None, actor: Actor | None,
           commit: bool = True, reason: str = "") -> RankingFreeze:
    """Copy the ranking as it is now into ranking_entry (one INSERT ... SELECT) and make it current; logged as
    ``actor``'s ranking.freeze with the previous freeze's digest and the new one, in the same transaction.
    ``commit=False``: the caller's operation commits (closing a contest, a verdict). ``reason``: why this
    version (a verdict's), kept with it. Disqualified people are left out; everyone after moves up. A practice
    contest is never frozen (404 ``not_ranked``)."""
    require_ranked(contest)
    round_id = rnd.id if rnd else None
    previous = freeze_state(current_freeze(s, contest.id, round_id))
    s.execute(update(RankingFreeze).where(*_freezes_of(contest.id, round_id)).values(current=False))
    truth = perfect_count(s, contest.id, round_id)
    record = RankingFreeze(contest_id=contest.id, round_id=round_id, frozen_at=utcnow(),
                           frozen_by=actor.email if actor else "", truth=truth, rows=0, digest="", current=True,
                           reason=reason)
    s.add(record)
    s.flush()
    out = list(s.execute(disqualified_ids(contest.id, round_id)).scalars())
    ordered = _ordered(contest.id, round_id, literal(truth), contest.time_limit_s, out).subquery()
    s.execute(insert(RankingEntry).from_select(
        ["freeze_id", "rank", "attempt_id", "user_id", "score", "total", "duration_ms", "prediction",
         "prediction_error", "submitted_at", "full_name", "email", "phone", "unit", "locality", "locality_code",
         "unit_code"],
        _enrolled(select(literal(record.id), ordered.c.rank, ordered.c.attempt_id, ordered.c.user_id,
                         ordered.c.score, ordered.c.total, ordered.c.duration_ms, ordered.c.prediction,
                         ordered.c.pred_err, ordered.c.submitted_at, User.full_name,
                         func.coalesce(User.email, ""), User.phone, func.coalesce(Unit.name, User.unit),
                         User.locality, User.locality_code, Unit.code)
                  .join(User, User.id == ordered.c.user_id), contest.id, ordered.c.user_id)))
    entries = s.execute(select(RankingEntry.rank, RankingEntry.attempt_id, RankingEntry.score,
                               RankingEntry.duration_ms, RankingEntry.prediction)
                        .where(RankingEntry.freeze_id == record.id).order_by(RankingEntry.rank)).all()
    record.rows, record.digest = len(entries), digest_of(entries)
    audit.record(s, actor, audit.RANKING_FREEZE, "ranking", scope_name(contest, rnd), before=previous,
                 after=freeze_state(record))
    from quiz.contest.certificates import issue_due  # certificates read the freezes: imported here

    issue_due(s, contest, rnd)  # part of the freeze (its ranking.freeze entry stands for it)
    if commit:
        s.commit()
    return record


def freeze_closed(s: Session, actor: Actor = audit.SYSTEM, now: datetime | None = None) -> list[str]:
    """Freeze every contest and round whose window has ended, that has no freeze yet and no attempt still
    running (an attempt started before the close may run to its deadline); returns their names. Run by
    ``flask attempts close-expired`` after it has closed the expired attempts."""
    now = now or utcnow()
    done = []
    has_open = (select(Attempt.id).where(Attempt.contest_id == Contest.id, Attempt.status == OPEN).exists())
    ranked = Contest.practice.is_(False)
    for contest in s.execute(select(Contest).where(Contest.closes_at <= now, ~has_open, ranked)).scalars().all():
        if current_freeze(s, contest.id, None) is None:
            freeze(s, contest, None, actor)
            done.append(scope_name(contest, None))
    round_open = (select(Attempt.id).where(Attempt.round_id == Round.id, Attempt.status == OPEN).exists())
    for rnd, contest in s.execute(select(Round, Contest).join(Contest, Contest.id == Round.contest_id)
                                  .where(Round.closes_at <= now, ~round_open, ranked)).all():
        if current_freeze(s, contest.id, rnd.id) is None:
            freeze(s, contest, rnd, actor)
            done.append(scope_name(contest, rnd))
    s.commit()
    return done


# One table, read in its primary key's order: no join to the users (they were copied at the freeze).
_FROZEN_SQL = ('SELECT rank, attempt_id, user_id, full_name, email, phone, unit, locality, score, total, duration_ms, '
               'submitted_at, prediction, prediction_error, locality_code, unit_code FROM ranking_entry '
               'WHERE freeze_id = {p} '
               'ORDER BY rank')
_EXPORT_SQL = ('SELECT rank, full_name, email, phone, unit, locality, score, duration_ms, prediction, '
               'prediction_error, {when}, attempt_id, locality_code, unit_code, user_id FROM ranking_entry '
               'WHERE freeze_id = {p} ORDER BY rank')
# The time in Viet Nam (+07:00) to the second, written by the database: no datetime object per row. As text
# ("2024-05-12T07:01:00+07:00") for CSV, or as an Excel serial date (days since 1899-12-30) for XLSX cells.
_EXPORT_WHEN = {
    ("postgresql", False): "to_char(submitted_at + interval '7 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"')",
    ("sqlite", False): "strftime('%Y-%m-%dT%H:%M:%S+07:00', submitted_at, '+7 hours')",
    ("postgresql", True): "((floor(extract(epoch from submitted_at)) + 25200) / 86400.0 + 25569)::float8",
    ("sqlite", True): "(CAST(strftime('%s', submitted_at) AS INTEGER) + 25200) / 86400.0 + 25569",
}


def frozen_export_rows(s: Session, freeze_id: int, limit: int | None = None, dates: bool = False):
    """Export tuples (rank, name, email, phone, unit, locality, score, duration_ms, prediction, error, time,
    attempt id, locality code, unit code, user id) of a frozen ranking, streamed from the driver's own cursor: no
    object per person. The time is Viet Nam time as text, or with ``dates`` an Excel serial date."""
    conn = s.connection()
    dialect = conn.dialect.name
    sql = _EXPORT_SQL.format(when=_EXPORT_WHEN[dialect, dates], p="%s" if dialect == "postgresql" else "?")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(sql, (freeze_id,))
        while chunk := cur.fetchmany(10000):
            yield from chunk
    finally:
        cur.close()


def frozen_rows(s: Session, freeze_id: int, limit: int | None = None) -> list[RankRow]:
    """A frozen ranking in order. Plain driver SQL: a 700,000-row winner list is read in seconds."""
    conn = s.connection()
    sql = _FROZEN_SQL.format(p="%s" if conn.dialect.name == "postgresql" else "?")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = []
    for r in conn.exec_driver_sql(sql, (freeze_id,)):
        when = r[11]
        when = (datetime.fromisoformat(when) if isinstance(when, str) else when).replace(tzinfo=timezone.utc)
        rows.append(RankRow(*r[:11], when, r[12], r[13], r[14], r[15]))
    return rows


def ranking(s: Session, contest: Contest, rnd: Round | None = None, limit: int | None = None,
            for_export: bool = False) -> Ranking:
    """The ranking of a contest (or of one of its rounds): the current freeze, else provisional (computed live,
    also after the close until it is frozen). A read: it writes nothing.

    ``for_export``: a frozen ranking comes without ``rows``; its ``export_rows()``
    streams it from the database instead (hundreds of thousands of people). 404 ``not_ranked`` for a practice
    contest."""
    require_ranked(contest)
    round_id = rnd.id if rnd else None
    with reading(s):
        record = current_freeze(s, contest.id, round_id)
    # Reads in a read transaction: on SQLite a long ranking must not hold the lock answer saves need.
    if record is not None and for_export:
        def stream(dates: bool = False):
            with reading(s):
                yield from frozen_export_rows(s, record.id, limit, dates)

        return Ranking(None, record.truth, True, record.digest, record.frozen_at, stream)
    with reading(s):
        if record is not None:
            return Ranking(frozen_rows(s, record.id, limit), record.truth, True, record.digest, record.frozen_at,
                           erasures=record.erasures)
        truth = perfect_count(s, contest.id, round_id)
        if limit is not None and limit <= TOP_WALK_MAX:
            rows = live_top(s, contest.id, round_id, limit, truth, contest.time_limit_s)
        else:
            out = list(s.execute(disqualified_ids(contest.id, round_id)).scalars())
            rows = _rows(s, _people(_ordered(contest.id, round_id, literal(truth), contest.time_limit_s, out), limit,
                                    contest.id))
    return Ranking(rows, truth, False, digest_of(rows))


def scope_name(contest: Contest, rnd: Round | None) -> str:
    """'slug' or 'slug/round number', as the audit log names a ranking."""
    return contest.slug + (f"/{rnd.number}" if rnd else "")


def freeze_state(record: RankingFreeze | None) -> dict | None:
    """What the audit log keeps of a freeze."""
    if record is None:
        return None
    return {"digest": record.digest, "rows": record.rows, "truth": record.truth,
            "frozen_at": record.frozen_at.isoformat(), "frozen_by": record.frozen_by}


def mask_name(full_name: str) -> str:
    """'Phạm Thị Hồng Nhung' -> 'Phạm T. H. N.': enough to recognise oneself, not to identify."""
    words = full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(w[0].upper() + "." for w in words[1:])])


def versions(s: Session, contest_id: int, round_id: int | None) -> list[RankingFreeze]:
    """Every freeze of a ranking, oldest first: version n is the n-th (each stays readable, rows and digest)."""
    with reading(s):
        return list(s.execute(select(RankingFreeze).where(*_freezes_of(contest_id, round_id))
                              .order_by(RankingFreeze.id)).scalars())
