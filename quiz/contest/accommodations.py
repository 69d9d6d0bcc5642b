"""Accommodations: extra time (seconds) and extra attempts for one person in one contest.

They apply to the attempts the person starts after they were set: ``attempts.start_attempt`` stores the attempt's
own time limit (the contest's plus the extra time) and its deadline, and adds the extra attempts on top of the
contest's (or the open round's) limit. An attempt already running keeps its limit. Setting 0 and 0 removes the
accommodation. Every change is in the audit log (``accommodation.set``), the person named by account id only.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.accounts.users import normalise_email
from quiz.errors import invalid
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.models import Accommodation, Contest, User, utcnow

MAX_EXTRA_TIME_S = 24 * 3600
MAX_EXTRA_ATTEMPTS = 1000


@dataclass(frozen=True)
class Extras:
    """What one person gets on top of the contest's rules (zero and zero: nothing)."""

    time_s: int = 0
    attempts: int = 0


NONE = Extras()


def extras_of(s: Session, contest_id: int, user_id: int) -> Extras:
    """The person's accommodation in the contest (``NONE`` without one)."""
    row = s.get(Accommodation, (contest_id, user_id))
    return NONE if row is None else Extras(row.extra_time_s, row.extra_attempts)


def _whole(value, name: str, top: int, fields: dict) -> int:
    """``value`` as a whole number from 0 to ``top``; a problem in ``fields`` otherwise."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        fields[name] = Text(N_("một số nguyên từ 0 đến %(n)s"), n=top)
        return 0
    return value


def set_accommodation(s: Session, contest: Contest, email, extra_time_s, extra_attempts,
                      actor: Actor | None) -> Accommodation | None:
    """Give the person with ``email`` that much extra time and that many extra attempts in ``contest``; 0 and 0
    removes it (None returned). 422 listing every bad field (unknown email, numbers out of range), changing
    nothing. Logged as accommodation.set with the values before and after."""
    fields: dict = {}
    time_s = _whole(extra_time_s, "extra_time_s", MAX_EXTRA_TIME_S, fields)
    more = _whole(extra_attempts, "extra_attempts", MAX_EXTRA_ATTEMPTS, fields)
    user = None
    if isinstance(email, str) and email.strip():
        user = s.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    if user is None:
        fields["email"] = N_("không có tài khoản với email này")
    if fields:
        s.rollback()
        raise invalid(fields, N_("Thông tin hỗ trợ không hợp lệ."))
    row = s.get(Accommodation, (contest.id, user.id))
    with audit.recording(s, actor, audit.ACCOMMODATION_SET, "accommodation",
                         f"{contest.slug}/{audit.account_ref(user)}", before=_state(row),
                         after=lambda: _state(row)):
        if time_s == 0 and more == 0:
            if row is not None:
                s.delete(row)
            row = None
        else:
            if row is None:
                row = Accommodation(contest_id=contest.id, user_id=user.id)
                s.add(row)
            row.extra_time_s, row.extra_attempts = time_s, more
            row.set_by, row.set_at = (actor.email if actor else ""), utcnow()
        s.commit()
    return row


def _state(row: Accommodation | None) -> dict:
    return {"extra_time_s": row.extra_time_s if row else 0, "extra_attempts": row.extra_attempts if row else 0}


@dataclass
class Listed:
    """An accommodation with its person, for the organizers' page and ``flask accommodations list``."""

    user_id: int
    email: str
    full_name: str
    extra_time_s: int
    extra_attempts: int
    set_by: str
    set_at: object


def accommodations(s: Session, contest: Contest) -> list[Listed]:
    """Every accommodation of the contest, by the person's name."""
    rows = s.execute(select(Accommodation, User).join(User, User.id == Accommodation.user_id)
                     .where(Accommodation.contest_id == contest.id).order_by(User.full_name, User.id)).all()
    return [Listed(u.id, u.email, u.full_name, a.extra_time_s, a.extra_attempts, a.set_by, a.set_at)
            for a, u in rows]
