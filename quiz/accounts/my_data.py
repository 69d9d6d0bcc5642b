"""A participant's own data as one JSON document: the profile, the units they enrolled in (one per contest of an
organization with a unit directory) and every attempt as it was shown.

The right answers (with explanations) are included only where the contest's review policy shows them at
this moment, exactly as the result page would (quiz.contest.review.review_allowed): never for an attempt still
open, never under "never", and under "after_close" only once the contest has closed. A download must
not become a way round the policy.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.contest.answer_sheets import answer_sheets
from quiz.contest.review import review_allowed
from quiz.errors import DomainError
from quiz.i18n import N_
from quiz.infra.database import reading
from quiz.models import Accommodation, Attempt, Contest, Enrollment, Round, Unit, User, utcnow
from quiz.timeutil import iso

KEY_FIELDS = ("correct_answer", "explanation", "article")


def my_data(s: Session, user_id: int, now: datetime | None = None) -> dict:
    """Everything the platform keeps about one person, for that person."""
    now = now or utcnow()
    with reading(s):
        u = s.get(User, user_id)
        if u is None:  # the session names an account that is gone
            raise DomainError("not_logged_in", N_("Vui lòng đăng nhập."))
        rows = s.execute(select(Attempt, Contest, Round.number).join(Contest, Contest.id == Attempt.contest_id)
                         .outerjoin(Round, Round.id == Attempt.round_id).where(Attempt.user_id == user_id)
                         .order_by(Attempt.started_at, Attempt.id)).all()
        papers = answer_sheets(s, [a.id for a, _c, _r in rows])
        enrollments = _enrollments(s, user_id)
        extras = s.execute(select(Contest.slug, Accommodation.extra_time_s, Accommodation.extra_attempts)
                           .join(Contest, Contest.id == Accommodation.contest_id)
                           .where(Accommodation.user_id == user_id).order_by(Contest.slug)).all()
    attempts = []
    for a, c, round_number in rows:
        shown = review_allowed(a, c, now)
        questions = [q if shown else {k: v for k, v in q.items() if k not in KEY_FIELDS}
                     for q in papers.get(a.id, [])]
        attempts.append({
            "id": a.id, "contest": {"slug": c.slug, "title": c.title}, "round": round_number, "number": a.number,
            "status": a.status, "started_at": iso(a.started_at), "deadline": iso(a.deadline),
            "submitted_at": iso(a.submitted_at), "duration_ms": a.duration_ms, "score": a.score, "total": a.total,
            "prediction": a.prediction, "ip": a.ip, "device": a.device, "answer_key_included": shown,
            "questions": questions})
    return {
        "generated_at": iso(now),
        "profile": {"id": u.id, "full_name": u.full_name, "email": u.email, "phone": u.phone, "unit": u.unit,
                    "locality": u.locality, "locality_code": u.locality_code, "role": u.role,
                    "created_at": iso(u.created_at),
                    "registered_ip": u.registered_ip, "registered_device": u.registered_device},
        "enrollments": enrollments,
        "attempts": attempts,
        # Extra time and attempts granted to the person (quiz.contest.accommodations): theirs to see too.
        "accommodations": [{"contest": slug, "extra_time_s": t, "extra_attempts": n} for slug, t, n in extras],
    }


def _enrollments(s: Session, user_id: int) -> list[dict]:
    """Each contest's unit the person enrolled in (or was moved to by staff), with when, oldest first."""
    rows = s.execute(select(Contest.slug, Contest.title, Unit.code, Unit.name, Enrollment.enrolled_at)
                     .join(Contest, Contest.id == Enrollment.contest_id).join(Unit, Unit.id == Enrollment.unit_id)
                     .where(Enrollment.user_id == user_id).order_by(Enrollment.enrolled_at, Contest.id)).all()
    return [{"contest": {"slug": slug, "title": title}, "unit": {"code": code, "name": name},
             "enrolled_at": iso(at)} for slug, title, code, name, at in rows]


def my_attempts(s: Session, user_id: int) -> list:
    """(attempt, contest) of every attempt of the person, newest first, for the page."""
    with reading(s):
        return s.execute(select(Attempt, Contest).join(Contest, Contest.id == Attempt.contest_id)
                         .where(Attempt.user_id == user_id)
                         .order_by(Attempt.started_at.desc(), Attempt.id.desc())).all()
