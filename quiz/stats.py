"""The statistics report of PRODUCT.md from SQL aggregates (no row-by-row work in Python)."""
from __future__ import annotations

import math
import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import (Answer, Attempt, AttemptQuestion, Contest, Question, QuestionVersion, Round, StatsSnapshot,
                     User, utcnow)
from .database import reading
from .timeutil import iso, parse_iso


def _summary(hist: Counter, n: int, total: int, threshold: int) -> dict:
    perfect = hist.get(total, 0)
    at_least = sum(c for s, c in hist.items() if s >= threshold)
    return {"perfect": {"count": perfect, "share": perfect / n if n else 0.0},
            "at_least": {"threshold": threshold, "count": at_least, "share": at_least / n if n else 0.0}}


def _moments(hist: Counter, n: int) -> tuple[float | None, float | None, float | None]:
    """Mean, median and (population) standard deviation of a score histogram."""
    if not n:
        return None, None, None
    mean = sum(s * c for s, c in hist.items()) / n
    var = sum(c * (s - mean) ** 2 for s, c in hist.items()) / n

    median = _nth(hist, n // 2) if n % 2 else (_nth(hist, n // 2 - 1) + _nth(hist, n // 2)) / 2
    return mean, float(median), math.sqrt(var)


def contest_stats(s: Session, contest: Contest, rnd: Round | None = None, threshold: int | None = None,
                  with_items: bool = True) -> dict:
    """Return the stats object of API.md for a contest, or one of its rounds."""
    total = contest.question_count
    threshold = threshold if threshold is not None else math.ceil(total * 0.75)
    # A score is set exactly when an attempt closes: "finished" stays inside the (contest, score) index.
    finished = (Attempt.contest_id == contest.id, Attempt.score.is_not(None))
    if rnd is not None:
        finished = (*finished, Attempt.round_id == rnd.id)
    hist = Counter(dict(s.execute(select(Attempt.score, func.count()).where(*finished)
                                  .group_by(Attempt.score)).all()))
    best = select(Attempt.user_id, func.max(Attempt.score).label("best")).where(*finished) \
        .group_by(Attempt.user_id).subquery()
    best_hist = Counter(dict(s.execute(select(best.c.best, func.count()).group_by(best.c.best)).all()))
    attempts = sum(hist.values())
    participants = sum(best_hist.values())
    mean, median, stdev = _moments(hist, attempts)
    body = {"participants": participants, "attempts": attempts, "question_count": total,
            "histogram": {str(k): hist.get(k, 0) for k in range(total + 1)},
            **_summary(hist, attempts, total, threshold), "mean": mean, "median": median, "stdev": stdev}
    bmean, bmedian, bstdev = _moments(best_hist, participants)
    body["best_attempts"] = {"count": participants, **_summary(best_hist, participants, total, threshold),
                             "mean": bmean, "median": bmedian, "stdev": bstdev}
    for key, column in (("by_unit", User.unit), ("by_locality", User.locality)):
        rows = s.execute(select(column, func.count(func.distinct(Attempt.user_id)), func.count(),
                                func.avg(Attempt.score),
                                func.sum(case((Attempt.score == Attempt.total, 1), else_=0)))
                         .join(User, User.id == Attempt.user_id).where(*finished).group_by(column)
                         .order_by(func.count(func.distinct(Attempt.user_id)).desc(), column)).all()
        body[key] = [{"name": name, "participants": p, "attempts": a, "mean": float(m), "perfect": int(perf or 0)}
                     for name, p, a, m, perf in rows]
    body["attempts_per_day"] = attempts_per_day(s, finished)
    if with_items:
        body["items"], body["kr20"] = item_analysis(s, contest, finished, hist, attempts)
    return body


VN_OFFSET_HOURS = 7  # attempts per day are counted in Viet Nam's time (UTC+7, no daylight saving)


def attempts_per_day(s: Session, where) -> list[dict]:
    """Finished attempts per calendar day in Viet Nam."""
    if s.get_bind().dialect.name == "postgresql":
        day = func.to_char(Attempt.submitted_at + text(f"interval '{VN_OFFSET_HOURS} hours'"), "YYYY-MM-DD")
    else:
        day = func.date(Attempt.submitted_at, f"+{VN_OFFSET_HOURS} hours")
    rows = s.execute(select(day.label("day"), func.count()).where(*where).group_by(day).order_by(day)).all()
    return [{"date": d, "attempts": n} for d, n in rows]


def item_analysis(s: Session, contest: Contest, where, hist: Counter, attempts: int) -> tuple[list[dict], float | None]:
    """Per question: facility (share right), discrimination (upper 27% minus lower 27%), choices; and KR-20.

    Papers are drawn at random, so each question is judged over the attempts that
    were shown it; KR-20 uses the mean item variance over those exposures.
    """
    if not attempts:
        return [], None
    k = max(1, round(attempts * 0.27))
    lower_cut = _nth(hist, k - 1)          # scores at or below: the lower group
    upper_cut = _nth(hist, attempts - k)   # scores at or above: the upper group
    finished = select(Attempt.id, Attempt.score).where(*where).subquery()
    right = (Answer.option_index == QuestionVersion.correct)
    per_item = s.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.version_id, func.count(),
               func.sum(case((right, 1), else_=0)),
               func.sum(case((finished.c.score >= upper_cut, 1), else_=0)),
               func.sum(case(((finished.c.score >= upper_cut) & right, 1), else_=0)),
               func.sum(case((finished.c.score <= lower_cut, 1), else_=0)),
               func.sum(case(((finished.c.score <= lower_cut) & right, 1), else_=0)))
        .join(finished, finished.c.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .outerjoin(Answer, (Answer.attempt_id == AttemptQuestion.attempt_id)
                   & (Answer.question_id == AttemptQuestion.question_id))
        .group_by(AttemptQuestion.question_id, AttemptQuestion.version_id)).all()
    choices = Counter()
    for vid, index, n in s.execute(
            select(AttemptQuestion.version_id, Answer.option_index, func.count())
            .join(finished, finished.c.id == AttemptQuestion.attempt_id)
            .join(Answer, (Answer.attempt_id == AttemptQuestion.attempt_id)
                  & (Answer.question_id == AttemptQuestion.question_id))
            .group_by(AttemptQuestion.version_id, Answer.option_index)).all():
        choices[(vid, index)] = n
    versions = {v.id: (code, v) for code, v in s.execute(
        select(Question.code, QuestionVersion).join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_({row[1] for row in per_item}))).all()}
    items, pq_sum, exposures_sum = [], 0.0, 0
    for qid, vid, shown, correct, upper, upper_right, lower, lower_right in per_item:
        code, v = versions[vid]
        facility = (correct or 0) / shown
        discrimination = ((upper_right or 0) / upper if upper else 0.0) - ((lower_right or 0) / lower if lower else 0.0)
        answered = sum(choices[(vid, i)] for i in range(len(v.options)))
        items.append({"question_id": str(qid), "code": code, "version": v.version, "article": v.article,
                      "exposures": shown, "facility": facility, "discrimination": discrimination,
                      "options": [{"text": t, "correct": i == v.correct, "chosen": choices[(vid, i)]}
                                  for i, t in enumerate(v.options)],
                      "unanswered": shown - answered})
        pq_sum += shown * facility * (1 - facility)
        exposures_sum += shown
    items.sort(key=lambda item: (item["facility"], item["code"]))
    n_items = contest.question_count
    variance = _moments(hist, attempts)[2] ** 2
    kr20 = None
    if n_items > 1 and variance > 0 and exposures_sum:
        kr20 = n_items / (n_items - 1) * (1 - n_items * (pq_sum / exposures_sum) / variance)
    return items, kr20


def _nth(hist: Counter, k: int) -> int:
    """The k-th smallest score (0-based) of a histogram."""
    seen = 0
    for score in sorted(hist):
        seen += hist[score]
        if seen > k:
            return score
    return max(hist)


def shared_stats(s: Session, contest: Contest, rnd: Round | None = None, max_age_s: float = 30,
                 now: datetime | None = None, background: bool = True) -> dict:
    """The report, computed at most once per ``max_age_s`` for every app server together.

    A million attempts take seconds to summarise and the dashboard asks every
    few seconds from many browsers. The last report is kept in the database
    (stats_snapshot). While it is younger than ``max_age_s`` it is served as it
    is; once older, the first request takes a lease and recomputes it in a
    background thread while it and everyone else are served the previous one
    (``age_s`` says how old). Only the very first report is computed in the
    request. ``background=False`` recomputes in the request instead.
    """
    now = now or utcnow()
    key = (contest.id, rnd.id if rnd else 0)
    snap = s.get(StatsSnapshot, key) if max_age_s > 0 else None
    if max_age_s <= 0:
        body = _computed(s, contest, rnd, now)
    elif snap is None:
        body = _store(s, key, _computed(s, contest, rnd, now), now)
    elif (now - snap.computed_at).total_seconds() < max_age_s:
        body = dict(snap.body)
    elif not background:
        body = _store(s, key, _computed(s, contest, rnd, now), now)
    else:
        body = dict(snap.body)
        if _take_lease(s, key, now):
            _refresh_later(key)
    body["age_s"] = round(max(0.0, (now - parse_iso(body["computed_at"])).total_seconds()), 1)
    return body


LEASE_S = 300  # a refresh that has not finished by then is presumed dead; another may start


def _computed(s: Session, contest: Contest, rnd: Round | None, now: datetime) -> dict:
    # A read transaction: on SQLite, seconds of counting must not hold the lock answer saves need.
    with reading(s):
        body = contest_stats(s, contest, rnd)
    body["computed_at"] = iso(now)
    return body


def _store(s: Session, key: tuple[int, int], body: dict, now: datetime) -> dict:
    snap = s.get(StatsSnapshot, key)
    if snap is None:
        s.add(StatsSnapshot(contest_id=key[0], round_key=key[1], computed_at=now, body=body))
    else:
        snap.computed_at, snap.body, snap.refreshing_until = now, body, None
    try:
        s.commit()
    except IntegrityError:  # another server stored one at the same moment: theirs is as good
        s.rollback()
    return dict(body)


def _take_lease(s: Session, key: tuple[int, int], now: datetime) -> bool:
    """Claim the refresh of a snapshot; True for exactly one of many concurrent callers."""
    took = s.execute(update(StatsSnapshot)
                     .where(StatsSnapshot.contest_id == key[0], StatsSnapshot.round_key == key[1],
                            or_(StatsSnapshot.refreshing_until.is_(None), StatsSnapshot.refreshing_until < now))
                     .values(refreshing_until=now + timedelta(seconds=LEASE_S))
                     .execution_options(synchronize_session=False)).rowcount == 1
    s.commit()
    return took


def _refresh_later(key: tuple[int, int]) -> threading.Thread:
    """Recompute a snapshot in a thread with its own app context and database session."""
    from flask import current_app

    from .extensions import db

    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                contest = db.session.get(Contest, key[0])
                rnd = db.session.get(Round, key[1]) if key[1] else None
                now = utcnow()
                _store(db.session, key, _computed(db.session, contest, rnd, now), now)
            except Exception:  # keep serving the old report; the lease expires and someone retries
                app.logger.exception("statistics refresh failed for %s", key)

    thread = threading.Thread(target=run, name=f"stats-refresh-{key[0]}-{key[1]}", daemon=True)
    thread.start()
    return thread
