"""The statistics report of PRODUCT.md from SQL aggregates (no row-by-row work in Python)."""
from __future__ import annotations

import math
from collections import Counter

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .models import OPEN, Attempt, Contest, Round, User


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

    def nth(k: int) -> int:  # k-th smallest score, 0-based
        seen = 0
        for score in sorted(hist):
            seen += hist[score]
            if seen > k:
                return score
        raise IndexError(k)

    median = nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
    return mean, float(median), math.sqrt(var)


def contest_stats(s: Session, contest: Contest, rnd: Round | None = None, threshold: int | None = None) -> dict:
    """Return the stats object of API.md for a contest, or one of its rounds."""
    total = contest.question_count
    threshold = threshold if threshold is not None else math.ceil(total * 0.75)
    finished = (Attempt.contest_id == contest.id, Attempt.status != OPEN)
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
    return body
