"""Rounds of a contest: each with its own window, attempt limit, prizes and ranking."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.contest.collective import setting_values
from quiz.contest.prizes import tiers_or_problems
from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import commit_or_conflict
from quiz.models import Contest, Round


def create_round(s: Session, contest: Contest, *, number: int, opens_at: datetime, closes_at: datetime,
                 max_attempts: int | None = None, prize_tiers: str = "", title: str = "",
                 actor: Actor | None = None, collective: str | None = None, collective_prizes: str = "",
                 collective_min: int | None = None) -> Round:
    """Validate and add a round inside the contest's window, overlapping no other round; logged as
    round.create. The collective rule, tiers and minimum (quiz.contest.collective): each empty or None is the
    contest's."""
    fields = {}
    if not 1 <= number <= 1000:
        fields["number"] = N_("từ 1 đến 1000")
    if closes_at <= opens_at:
        fields["closes_at"] = N_("phải sau thời điểm mở")
    elif opens_at < contest.opens_at or closes_at > contest.closes_at:
        fields["opens_at"] = N_("vòng thi phải nằm trong thời gian của cuộc thi")
    if max_attempts is not None and not 1 <= max_attempts <= 1000:
        fields["max_attempts"] = N_("từ 1 đến 1000")
    params = {}
    tiers = tiers_or_problems(prize_tiers, fields, params)
    units = setting_values(collective, collective_min, collective_prizes, fields, params, inherit=True)
    for other in rounds_of(s, contest.id):
        if other.number != number and opens_at < other.closes_at and other.opens_at < closes_at:
            fields["opens_at"] = Text(N_("trùng thời gian với vòng %(n)s"), n=other.number)
    if fields:
        raise invalid(fields, N_("Thông tin vòng thi không hợp lệ."), params)
    r = Round(contest_id=contest.id, number=number, title=title or f"Vòng {number}", opens_at=opens_at,
              closes_at=closes_at, max_attempts=max_attempts, prize_tiers=tiers, **units)
    with audit.recording(s, actor, audit.ROUND_CREATE, "round", f"{contest.slug}/{number}",
                         after=lambda: audit.state(r)):
        s.add(r)
        commit_or_conflict(s, DomainError("round_taken", Text(N_("Cuộc thi đã có vòng %(n)s."), n=number),
                                          {"number": N_("đã có")}))
    return r


def rounds_of(s: Session, contest_id: int) -> list[Round]:
    return list(s.execute(select(Round).where(Round.contest_id == contest_id).order_by(Round.number)).scalars())


def round_at(s: Session, contest_id: int, now: datetime) -> Round | None:
    """The round open at ``now``, if any."""
    return s.execute(select(Round).where(Round.contest_id == contest_id, Round.opens_at <= now,
                                         Round.closes_at > now)).scalars().first()


def get_round(s: Session, contest: Contest, number: str | int | None) -> Round | None:
    """The round asked for by number (None when not asked); 404 when the contest has no such round."""
    if number in (None, ""):
        return None
    text = str(number)
    r = None
    if text.isdigit() and len(text) < 6:
        r = s.execute(select(Round).where(Round.contest_id == contest.id,
                                          Round.number == int(text))).scalar_one_or_none()
    if r is None:
        raise DomainError("round_not_found", Text(N_("Cuộc thi không có vòng %(n)s."), n=text[:20]))
    return r
