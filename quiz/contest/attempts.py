"""The attempt engine: start, answer, submit, expire. Plain functions over a session.

Time is the server's: ``deadline = started_at + time_limit``. An answer is
accepted until ``deadline + grace`` (network latency); after that the attempt
is closed with the answers saved before, whenever it is next touched or by
``flask attempts close-expired``.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import JSON, String, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz.accounts.privacy import require_consent
from quiz.contest.accommodations import Extras, extras_of
from quiz.contest.chapter_plan import plan_from_json
from quiz.contest.draw import active_pool, draw_paper, seen_questions
from quiz.contest.rounds import round_at, rounds_of
from quiz.contest.tallies import count_closed
from quiz.contest.units import require_enrollment
from quiz.contest.upsert import UPSERT_ANSWER, upsert_answers
from quiz.errors import DomainError, invalid, not_found
from quiz.i18n import N_, Text
from quiz.infra.database import current, note, reading
from quiz.models import OPEN, Attempt, AttemptQuestion, Contest, UTCDateTime, utcnow

ATTEMPT_NOT_FOUND = N_("Không tìm thấy lượt thi.")

# The answer save's one check, as fixed SQL (no compilation per request). On
# PostgreSQL it share-locks the attempt row, so a submit waits for saves in flight.
_SAVE_CHECK_SQL = (
    "SELECT attempt.status, attempt.deadline, attempt_question.options FROM attempt "
    "LEFT JOIN attempt_question ON attempt_question.attempt_id = attempt.id "
    "AND attempt_question.question_id = :question_id "
    "WHERE attempt.id = :attempt_id AND attempt.user_id = :user_id")
_SAVE_CHECK = {dialect: text(sql).columns(status=String, deadline=UTCDateTime, options=JSON)
               for dialect, sql in (("sqlite", _SAVE_CHECK_SQL),
                                    ("postgresql", _SAVE_CHECK_SQL + " FOR SHARE OF attempt"))}


def _closed_error() -> DomainError:
    return DomainError("attempt_closed", N_("Lượt thi đã kết thúc, không thể lưu thêm câu trả lời."))


def start_attempt(s: Session, user_id: int, contest: Contest, now: datetime | None = None,
                  grace_s: float = 5.0, ip: str | None = None, device: str | None = None) -> tuple[Attempt, bool]:
    """Return (attempt, created): the open attempt if there is one, else a new one.

    ``ip`` and ``device`` (quiz.web.fingerprint) go into the new attempt's own insert (no extra query),
    for the suspicious-pattern report; a resumed attempt keeps where it was started.

    The paper is drawn in a read transaction first, so the write transaction
    (and, on SQLite, the database's write lock) only covers the checks and the
    inserts. Concurrent starts are settled by the database: the partial unique
    index on open attempts and the unique attempt number make all but one insert
    fail, and the losers return the winner's attempt.
    """
    now = now or utcnow()
    mine = (Attempt.user_id == user_id, Attempt.contest_id == contest.id)
    count = select(func.count()).select_from(Attempt)
    for _ in range(3):
        with reading(s):
            require_consent(s, user_id)  # 403 consent_required: imported people agree to the notice first
            if contest.organization_id is not None:  # 409 enrollment_required: pick a unit of the directory first
                require_enrollment(s, user_id, contest)
            open_attempt = s.execute(select(Attempt).where(*mine, Attempt.status == OPEN)).scalars().first()
            if open_attempt is not None and now <= open_attempt.deadline + timedelta(seconds=grace_s):
                return open_attempt, False
            extras = extras_of(s, contest.id, user_id)
            rnd, limit = _round_and_limit(s, contest, now, extras)
            in_scope = (*mine, Attempt.round_id == rnd.id) if rnd else mine
            _check_can_start(contest, now, s.execute(count.where(*in_scope)).scalar_one(), limit)
            several = limit is None or limit > 1
            paper = draw_paper(s, active_pool(s), plan_from_json(contest.chapter_plan, contest.question_count),
                               seen_questions(s, user_id, contest.id) if several else set())
        # The write transaction: close what expired, check again, insert.
        for a in s.execute(select(Attempt).where(*mine, Attempt.status == OPEN).with_for_update()).scalars().all():
            if not _expire_if_due(s, a, now, grace_s):
                s.commit()  # another request started one meanwhile: resume it
                return a, False
        used, used_in_scope = s.execute(count.where(*mine)).scalar_one(), s.execute(count.where(*in_scope)).scalar_one()
        if limit is not None and used_in_scope >= limit:
            s.commit()  # keep any expiry just made
            _check_can_start(contest, now, used_in_scope, limit)
        # The attempt's own limit, kept on it: its deadline, the timer and the expiry all follow it. Like everyone's,
        # the deadline may pass the contest's close (an attempt started before the close runs to its end).
        time_limit_s = contest.time_limit_s + extras.time_s
        attempt = Attempt(user_id=user_id, contest_id=contest.id, round_id=rnd.id if rnd else None, number=used + 1,
                          status=OPEN, started_at=now, deadline=now + timedelta(seconds=time_limit_s),
                          time_limit_s=time_limit_s, total=contest.question_count, ip=ip, device=device)
        try:
            s.add(attempt)
            s.flush()
            s.execute(AttemptQuestion.__table__.insert(), [dict(p, attempt_id=attempt.id) for p in paper])
            note(s, "attempt_started")  # heard by the metrics once committed
            s.commit()
            return attempt, True
        except IntegrityError:
            s.rollback()  # another request started one first: loop and find it
    raise DomainError("busy", N_("Hệ thống đang bận, vui lòng thử lại."))


def attempts_left(s: Session, user_id: int, contest: Contest, now: datetime | None = None) -> int | None:
    """Attempts the person may still start: in the round open now (or the next one), else in the contest, with
    their extra attempts (quiz.contest.accommodations); None: without limit (a practice contest)."""
    now = now or utcnow()
    if contest.status_at(now) == "closed":
        return 0
    if contest.practice:
        return None
    mine = (Attempt.user_id == user_id, Attempt.contest_id == contest.id)
    rounds = rounds_of(s, contest.id)
    if not rounds:
        limit = contest.max_attempts
    else:
        rnd = round_at(s, contest.id, now) or next((r for r in rounds if r.opens_at > now), None)
        if rnd is None:
            return 0
        mine, limit = (*mine, Attempt.round_id == rnd.id), rnd.max_attempts or contest.max_attempts
    used = s.execute(select(func.count()).select_from(Attempt).where(*mine)).scalar_one()
    return max(0, limit + extras_of(s, contest.id, user_id).attempts - used)


def _round_and_limit(s: Session, contest: Contest, now: datetime, extras: Extras):
    """The round open now (None for a contest without rounds) and the attempt limit that applies, with the
    person's extra attempts (None: without limit, a practice contest)."""
    if contest.practice:
        return None, None
    if contest.status_at(now) != "open" or not rounds_of(s, contest.id):
        return None, contest.max_attempts + extras.attempts
    rnd = round_at(s, contest.id, now)
    if rnd is None:
        raise DomainError("contest_not_open", N_("Hiện không có vòng thi nào đang mở. Vui lòng quay lại khi vòng "
                                                 "tiếp theo bắt đầu."))
    return rnd, (rnd.max_attempts or contest.max_attempts) + extras.attempts


def _check_can_start(contest: Contest, now: datetime, used: int, limit: int | None) -> None:
    """Raise why a new attempt cannot start (window, attempt limit), if it cannot."""
    status = contest.status_at(now)
    if status == "upcoming":
        raise DomainError("contest_not_open", N_("Cuộc thi chưa mở."))
    if status == "closed":
        raise DomainError("contest_closed", N_("Cuộc thi đã kết thúc."))
    if limit is not None and used >= limit:
        raise DomainError("attempt_limit_reached", Text(N_("Bạn đã dùng hết %(n)s lượt thi."), n=limit))


def load_attempt(s: Session, attempt_id: int, user_id: int, *, lock: bool = False) -> Attempt:
    """Return the user's attempt (locked for update when asked); 404 for anyone else's."""
    # populate_existing: a copy already in the session is refreshed, never trusted as it was.
    q = select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id) \
        .execution_options(populate_existing=True)
    if lock:
        q = q.with_for_update()
    a = s.execute(q).scalar_one_or_none()
    if a is None:
        raise not_found(ATTEMPT_NOT_FOUND)
    return a


def touch(s: Session, attempt: Attempt, now: datetime | None = None, grace_s: float = 5.0) -> Attempt:
    """Close the attempt if its deadline (plus grace) has passed; return it."""
    now = now or utcnow()
    if attempt.status == OPEN and now > attempt.deadline + timedelta(seconds=grace_s):
        s.rollback()  # close in a write transaction of its own, on a fresh, locked copy
        fresh = s.execute(select(Attempt).where(Attempt.id == attempt.id).with_for_update()
                          .execution_options(populate_existing=True)).scalar_one()
        if fresh.status == OPEN and _expire_if_due(s, fresh, now, grace_s):
            s.commit()
        else:
            s.rollback()
        return fresh
    return attempt


def save_answer(s: Session, attempt_id: int, user_id: int, question_id: int, option_id: str,
                now: datetime | None = None, grace_s: float = 5.0) -> datetime:
    """Upsert one answer; return the time it was saved.

    The deadline rush's hot path: two fixed statements (a check and an upsert)
    in one transaction, no ORM objects.
    """
    now = now or utcnow()
    # A connection of its own when the session is idle (as in a request): no ORM
    # transaction bookkeeping on the hottest path.
    with _hot_connection(s) as conn:
        row = conn.execute(_SAVE_CHECK[conn.dialect.name],
                           {"attempt_id": attempt_id, "user_id": user_id, "question_id": question_id}).one_or_none()
        problem = _save_problem(row, option_id, now, grace_s)
        if problem is None:
            conn.execute(UPSERT_ANSWER, {"attempt_id": attempt_id, "question_id": question_id,
                                         "option_id": option_id, "option_index": _option_index(row[2], option_id),
                                         "saved_at": now})
            return now
    if problem == "late":  # close it now, with the answers saved before the deadline
        touch(s, load_attempt(s, attempt_id, user_id), now, grace_s)
        raise _closed_error()
    raise problem


@contextmanager
def _hot_connection(s: Session):
    """A transaction committed when the block ends: on a connection of its own, or the session's if it is busy."""
    if current(s).in_transaction():
        try:
            yield s.connection()
        except BaseException:
            s.rollback()
            raise
        s.commit()
        return
    with s.get_bind().begin() as conn:
        yield conn


def _save_problem(row, option_id: str, now: datetime, grace_s: float):
    """Why an answer cannot be saved (a DomainError, or "late"), or None."""
    if row is None:
        return not_found(ATTEMPT_NOT_FOUND)
    status, deadline, options = row
    if status != OPEN:
        return _closed_error()
    if now > deadline + timedelta(seconds=grace_s):
        return "late"
    if options is None:
        return not_found(N_("Câu hỏi không thuộc lượt thi này."))
    if _option_index(options, option_id) is None:
        return DomainError("invalid_option", N_("Phương án không thuộc câu hỏi này."), {"option_id": "unknown option"})
    return None


def submit(s: Session, attempt_id: int, user_id: int, answers: dict[int, str] | None = None,
           prediction: int | None = None, now: datetime | None = None, grace_s: float = 5.0) -> Attempt:
    """Save the final answers, score once, close. A repeated submit changes nothing."""
    now = now or utcnow()
    attempt = load_attempt(s, attempt_id, user_id, lock=True)
    if attempt.status != OPEN:
        s.rollback()
        return attempt
    late = now > attempt.deadline + timedelta(seconds=grace_s)
    if answers and not late:
        rows = s.execute(select(AttemptQuestion.question_id, AttemptQuestion.options)
                         .where(AttemptQuestion.attempt_id == attempt_id)).all()
        options = dict(rows)
        values, bad = [], {}
        for qid, oid in answers.items():
            index = _option_index(options[qid], oid) if qid in options else None
            if index is None:
                bad[str(qid)] = "unknown question or option"
            else:
                values.append({"attempt_id": attempt_id, "question_id": qid, "option_id": oid,
                               "option_index": index, "saved_at": now})
        if bad:
            s.rollback()
            raise DomainError("invalid_option", N_("Có câu trả lời không thuộc lượt thi này."), bad)
        upsert_answers(s, values)
    _close(s, attempt, now, late, None if late else prediction)  # nothing counts after the grace
    return attempt


def close_expired(s: Session, now: datetime | None = None, grace_s: float = 5.0, batch: int = 500,
                  progress=None) -> int:
    """Close every open attempt past its deadline plus grace; return how many were closed."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=grace_s)
    closed = 0
    while True:
        ids = s.execute(select(Attempt.id).where(Attempt.status == OPEN, Attempt.deadline < cutoff)
                        .order_by(Attempt.id).limit(batch)).scalars().all()
        s.rollback()
        if not ids:
            return closed
        for attempt_id in ids:
            a = s.execute(select(Attempt).where(Attempt.id == attempt_id).with_for_update()
                          .execution_options(populate_existing=True)).scalar_one()
            if a.status == OPEN and _expire_if_due(s, a, now, grace_s):
                closed += 1
            s.commit()
        if progress:
            progress(closed)


# Each drawn question with the chosen option's index (-1: left blank) and the right one.
_CHOICES = text(
    "SELECT q.version_id, coalesce(a.option_index, -1), v.correct FROM attempt_question q "
    "JOIN question_version v ON v.id = q.version_id "
    "LEFT JOIN answer a ON a.attempt_id = q.attempt_id AND a.question_id = q.question_id "
    "WHERE q.attempt_id = :attempt_id")


def choices_of(s: Session, attempt_id: int) -> list[tuple[int, int, int]]:
    """(version id, chosen index or -1, correct index) for every question of the attempt."""
    return [tuple(row) for row in s.connection().execute(_CHOICES, {"attempt_id": attempt_id})]


def _option_index(options: list, option_id: str) -> int | None:
    for oid, index in options:
        if oid == option_id:
            return index
    return None


def _expire_if_due(s: Session, attempt: Attempt, now: datetime, grace_s: float) -> bool:
    """Close an open attempt whose deadline plus grace has passed; True if it did (caller commits)."""
    if now <= attempt.deadline + timedelta(seconds=grace_s):
        return False
    return _close(s, attempt, now, True, None, commit=False)


def _close(s: Session, attempt: Attempt, now: datetime, late: bool, prediction: int | None,
           commit: bool = True) -> bool:
    """Score and close with a conditional UPDATE, so only one closer ever scores an attempt."""
    limit_ms = int((attempt.deadline - attempt.started_at).total_seconds() * 1000)
    if late:
        status, submitted_at, duration = "expired", attempt.deadline, limit_ms
    else:
        status, submitted_at = "submitted", now
        duration = min(limit_ms, max(0, int((now - attempt.started_at).total_seconds() * 1000)))
    choices = choices_of(s, attempt.id)
    score = sum(chosen == correct for _v, chosen, correct in choices)
    done = s.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == OPEN)
        .values(status=status, score=score, submitted_at=submitted_at, duration_ms=duration,
                prediction=prediction).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not done:
        s.rollback()
        s.refresh(attempt)
        return False
    # The statistics' counters move in the same transaction as the score: never one without the other.
    count_closed(s.connection(), attempt.contest_id, attempt.round_id, attempt.user_id, score, submitted_at,
                 [(version_id, chosen) for version_id, chosen, _c in choices])
    note(s, "attempt_finished", status)  # heard by the metrics once the caller commits
    attempt.status, attempt.score, attempt.submitted_at = status, score, submitted_at
    attempt.duration_ms, attempt.prediction = duration, prediction
    if commit:
        s.commit()
    return True


def validate_prediction(value) -> int | None:
    """Return the prediction as a non-negative int (or None); raise 422 otherwise."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():  # 63.0 is a whole number in JSON (and in the spec)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        raise invalid({"prediction": "must be a whole number from 0 to 1000000000"},
                      N_("Dự đoán phải là một số nguyên không âm."))
    return value
