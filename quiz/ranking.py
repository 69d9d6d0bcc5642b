"""The ranking of PRODUCT.md in one SQL query: each person's best attempt, totally ordered.

Order: score desc; prediction closest to the number of perfect attempts (no
prediction last); shorter time; earlier submission; attempt id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .models import OPEN, Attempt, User


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


def perfect_count(s: Session, contest_id: int) -> int:
    """Finished attempts with every question right: the truth the predictions aim at."""
    return s.execute(select(func.count()).select_from(Attempt).where(
        Attempt.contest_id == contest_id, Attempt.status != OPEN, Attempt.score == Attempt.total)).scalar_one()


def ranking(s: Session, contest_id: int, limit: int | None = None) -> list[RankRow]:
    """Return the ranked best attempts (one per person); one query, however many people."""
    truth = (select(func.count()).select_from(Attempt)
             .where(Attempt.contest_id == contest_id, Attempt.status != OPEN, Attempt.score == Attempt.total)
             .scalar_subquery())
    no_prediction = case((Attempt.prediction.is_(None), 1), else_=0)
    error = func.abs(Attempt.prediction - truth)
    order = [Attempt.score.desc(), no_prediction, error, Attempt.duration_ms, Attempt.submitted_at, Attempt.id]
    best = (select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.score, Attempt.total, Attempt.duration_ms,
                   Attempt.submitted_at, Attempt.prediction, no_prediction.label("no_pred"),
                   error.label("pred_err"),
                   func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("rn"))
            .where(Attempt.contest_id == contest_id, Attempt.status != OPEN).subquery())
    q = (select(best.c.attempt_id, best.c.user_id, User.full_name, User.email, User.phone, User.unit, User.locality,
                best.c.score, best.c.total, best.c.duration_ms, best.c.submitted_at, best.c.prediction,
                best.c.pred_err)
         .join(User, User.id == best.c.user_id).where(best.c.rn == 1)
         .order_by(best.c.score.desc(), best.c.no_pred, best.c.pred_err, best.c.duration_ms, best.c.submitted_at,
                   best.c.attempt_id))
    if limit is not None:
        q = q.limit(limit)
    return [RankRow(i, r.attempt_id, r.user_id, r.full_name, r.email, r.phone, r.unit, r.locality, r.score, r.total,
                    r.duration_ms, r.submitted_at, r.prediction, r.pred_err)
            for i, r in enumerate(s.execute(q), start=1)]


def mask_name(full_name: str) -> str:
    """'Phạm Thị Hồng Nhung' -> 'Phạm T. H. N.': enough to recognise oneself, not to identify."""
    words = full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(w[0].upper() + "." for w in words[1:])])
