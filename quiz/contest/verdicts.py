"""Judges' verdicts: a person verified, disqualified (with a reason) or pending again, for a contest's whole
ranking or for one round's.

A disqualified person leaves that ranking and its prizes and everyone after moves up
(quiz.contest.ranking leaves them out of the live ranking and of every freeze). When the ranking is frozen,
the verdict freezes it again, in the same transaction, as a new version with its digest and the verdict's
reason; the older versions stay readable (``ranking.versions``). Each verdict is audited (verdict.set) with
the state before and after. People without a verdict are ``pending``.

One prize per person (``Contest.one_prize_per_person``): nobody wins a prize in more than one round; a round's
prize places go to the next in line, rounds taken in number order (``earlier_winners``).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz import roles
from quiz.accounts.users import find_by_login
from quiz.contest import ranking as ranking_mod
from quiz.contest.prizes import prize_places
from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import reading
from quiz.models import VERDICTS, Contest, Round, Verdict, utcnow

PENDING = "pending"
DISQUALIFIED = "disqualified"
VERIFIED = "verified"
LABELS = {VERIFIED: N_("Đã xác minh"), DISQUALIFIED: N_("Bị loại"), PENDING: N_("Chờ xem xét")}
REASON_MAX = 500


def _state(v: Verdict | None) -> dict | None:
    if v is None:
        return None
    return {"verdict": v.verdict, "reason": v.reason, "by": v.decided_by, "at": v.decided_at}


def set_verdict(s: Session, contest: Contest, rnd: Round | None, email, verdict, reason, actor: Actor,
                actor_role: str) -> tuple[Verdict, str | None]:
    """Record a judge's verdict on the person with ``email``; returns it and the digest of the ranking now
    (the new version's when the ranking is frozen, else None). 403 for a role that does not judge, 422 for an
    unknown email, an unknown verdict or a disqualification without a reason; nothing changes then."""
    if actor_role not in roles.JUDGE_VERDICTS:
        raise DomainError("forbidden", N_("Chỉ ban giám khảo và quản trị viên được quyết định kết quả."))
    ranking_mod.require_ranked(contest)  # a practice contest has no ranking to judge
    fields = {}
    if verdict not in VERDICTS:
        fields["verdict"] = N_("verified, disqualified hoặc pending")
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) > REASON_MAX:
        fields["reason"] = Text(N_("tối đa %(n)s ký tự"), n=REASON_MAX)
    elif verdict == DISQUALIFIED and not reason:
        fields["reason"] = N_("cần ghi lý do loại")
    user = None
    if isinstance(email, str) and email.strip():
        user = find_by_login(s, email)  # an email, or the mobile number of an account by phone
    if user is None:
        fields["email"] = N_("không có tài khoản với email hay số điện thoại này")
    if fields:
        raise invalid(fields, N_("Quyết định không hợp lệ."))
    scope = rnd.id if rnd else 0
    row = s.execute(select(Verdict).where(Verdict.contest_id == contest.id, Verdict.scope == scope,
                                          Verdict.user_id == user.id)).scalar_one_or_none()
    before = _state(row)
    if row is None:
        row = Verdict(contest_id=contest.id, scope=scope, round_id=rnd.id if rnd else None, user_id=user.id)
        s.add(row)
    row.verdict, row.reason, row.decided_by, row.decided_at = verdict, reason, actor.email, utcnow()
    s.flush()
    name = ranking_mod.scope_name(contest, rnd)
    audit.record(s, actor, audit.VERDICT_SET, "ranking", name,
                 before={"person": audit.account_ref(user), "verdict": before},
                 after={"person": audit.account_ref(user), "verdict": _state(row)})
    digest = None
    current = ranking_mod.current_freeze(s, contest.id, rnd.id if rnd else None)
    if current is not None:
        why = f"{LABELS[verdict]}: {audit.account_ref(user)}" + (f" ({reason})" if reason else "")
        digest = ranking_mod.freeze(s, contest, rnd, actor, commit=False, reason=why).digest
    s.commit()
    return row, digest


def verdict_json(v: Verdict, email: str, contest: Contest, rnd: Round | None) -> dict:
    from quiz.timeutil import vn_iso

    return {"email": email, "contest": contest.slug, "round": rnd.number if rnd else None, "verdict": v.verdict,
            "reason": v.reason, "by": v.decided_by, "at": vn_iso(v.decided_at)}


def verdicts_of(s: Session, contest_id: int, round_id: int | None) -> dict[int, Verdict]:
    """The verdicts of one ranking, by user id (people without one are pending)."""
    with reading(s):
        return {v.user_id: v for v in s.execute(select(Verdict).where(Verdict.contest_id == contest_id,
                                                                       Verdict.scope == (round_id or 0))).scalars()}


def earlier_winners(s: Session, contest: Contest, rnd: Round | None) -> set[int]:
    """With one prize per person: the people who won a prize in a round before ``rnd`` (rounds in number
    order, each round's prizes going past the people who won before). Empty otherwise."""
    if rnd is None or not contest.one_prize_per_person:
        return set()
    with reading(s):
        earlier = list(s.execute(select(Round).where(Round.contest_id == contest.id, Round.number < rnd.number)
                                 .order_by(Round.number)).scalars())
    won: set[int] = set()
    for r in earlier:
        tiers = r.prize_tiers if r.prize_tiers is not None else contest.prize_tiers
        places = prize_places(tiers)
        if not places:
            continue
        given = 0
        for row in ranking_mod.ranking(s, contest, r, limit=places + len(won)).rows:
            if given >= places:
                break
            if row.user_id not in won:
                won.add(row.user_id)
                given += 1
    return won
