"""Certificates: who is due one, issuing them (a random code each), and checking one by its code.

Prize certificates go to the prize places of the current frozen ranking (none while the ranking is not
frozen, none when there are no prize tiers); participation certificates to everyone with a finished attempt
(everyone in the frozen ranking once there is one, so a disqualified person is no longer due one). A
certificate stays in the table once issued; whether it is still valid is decided each time it is checked,
against the current freeze: when a judges' verdict re-freezes the ranking without a person, or a person's
prize changes, their old certificate is revoked (``valid`` false) and, for a new prize, a new one is issued.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from quiz.contest.prizes import prize_for, prize_places
from quiz.contest.ranking import current_freeze, require_ranked
from quiz.errors import DomainError, not_found
from quiz.i18n import N_, vietnamese
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import reading
from quiz.models import Attempt, Certificate, Contest, RankingEntry, Round, User, utcnow

PRIZE, PARTICIPATION = "prize", "participation"
KINDS = (PRIZE, PARTICIPATION)


def new_code() -> str:
    """16 capital letters and digits (80 random bits, base32): nobody can guess one."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


@dataclass
class Due:
    user_id: int
    full_name: str
    kind: str
    prize: str
    rank: int | None
    score: int | None
    total: int | None


def tiers_of(contest: Contest, rnd: Round | None) -> list | None:
    return rnd.prize_tiers if rnd and rnd.prize_tiers is not None else contest.prize_tiers


def round_title(rnd: Round | None, tr=vietnamese) -> str | None:
    if rnd is None:
        return None
    return rnd.title or tr(N_("Vòng %(n)s"), n=rnd.number)


def due(s: Session, contest: Contest, rnd: Round | None, kind: str, user_id: int | None = None) -> tuple[list, str]:
    """The certificates of ``kind`` due now in a contest or round (one person's with ``user_id``), in rank order
    (participation without a freeze: by name), and the current freeze's digest ('' when not frozen). A practice
    contest has none (404 ``not_ranked``)."""
    require_ranked(contest)
    if kind not in KINDS:
        raise DomainError("invalid_fields", N_("Loại giấy chứng nhận phải là prize, participation hoặc all."),
                          {"kind": "prize, participation or all"})
    round_id = rnd.id if rnd else None
    freeze = current_freeze(s, contest.id, round_id)
    alive = User.deleted_at.is_(None)
    mine = [RankingEntry.user_id == user_id] if user_id is not None else []
    if kind == PRIZE:
        tiers = tiers_of(contest, rnd)
        if freeze is None or not tiers:
            return [], freeze.digest if freeze else ""
        rows = s.execute(select(RankingEntry.user_id, User.full_name, RankingEntry.rank, RankingEntry.score,
                                RankingEntry.total).join(User, User.id == RankingEntry.user_id)
                         .where(RankingEntry.freeze_id == freeze.id, RankingEntry.rank <= prize_places(tiers),
                                alive, *mine).order_by(RankingEntry.rank)).all()
        return [Due(u, name, PRIZE, prize_for(rank, tiers), rank, score, total)
                for u, name, rank, score, total in rows], freeze.digest
    if freeze is not None:
        rows = s.execute(select(RankingEntry.user_id, User.full_name, RankingEntry.score, RankingEntry.total)
                         .join(User, User.id == RankingEntry.user_id)
                         .where(RankingEntry.freeze_id == freeze.id, alive, *mine)
                         .order_by(RankingEntry.rank)).all()
        return [Due(u, name, PARTICIPATION, "", None, score, total) for u, name, score, total in rows], freeze.digest
    where = [Attempt.contest_id == contest.id, Attempt.score.is_not(None), alive]
    if round_id is not None:
        where.append(Attempt.round_id == round_id)
    if user_id is not None:
        where.append(Attempt.user_id == user_id)
    rows = s.execute(select(Attempt.user_id, User.full_name, func.max(Attempt.score), func.max(Attempt.total))
                     .join(User, User.id == Attempt.user_id).where(*where)
                     .group_by(Attempt.user_id, User.full_name).order_by(User.full_name, Attempt.user_id)).all()
    return [Due(u, name, PARTICIPATION, "", None, score, total) for u, name, score, total in rows], ""


def issue(s: Session, contest: Contest, rnd: Round | None, kinds: tuple, actor: Actor | None,
          user_id: int | None = None) -> list[Certificate]:
    """Issue the certificates due (those already issued keep their code) and return them, in order.

    A batch by a judge or a command (``actor``) is logged as certificates.issue with how many were new; a
    person's own on first request (``actor`` None) is the platform's bookkeeping and is not."""
    round_key = rnd.id if rnd else 0
    wanted, new = [], []
    for kind in kinds:
        with reading(s):
            rows, digest = due(s, contest, rnd, kind, user_id)
            existing = {(c.user_id, c.prize): c for c in s.execute(
                select(Certificate).where(Certificate.contest_id == contest.id, Certificate.round_key == round_key,
                                          Certificate.kind == kind,
                                          *([Certificate.user_id == user_id] if user_id is not None else [])))
                .scalars()}
        now = utcnow()
        for d in rows:
            cert = existing.get((d.user_id, d.prize))
            if cert is None:
                new.append({"code": new_code(), "user_id": d.user_id, "contest_id": contest.id,
                            "round_id": rnd.id if rnd else None, "round_key": round_key, "kind": kind,
                            "prize": d.prize, "rank": d.rank, "score": d.score, "total": d.total,
                            "full_name": d.full_name, "issued_at": now, "digest": digest})
            wanted.append((d.user_id, kind, d.prize))
    if new:
        s.execute(insert(Certificate), new)
        if actor is not None:
            audit.record(s, actor, audit.CERTIFICATES_ISSUE, "contest", contest.slug,
                         after={"round": rnd.number if rnd else None, "kinds": list(kinds), "issued": len(new)})
        s.commit()
    with reading(s):
        index = {(c.user_id, c.kind, c.prize): c for c in s.execute(
            select(Certificate).where(Certificate.contest_id == contest.id, Certificate.round_key == round_key,
                                      *([Certificate.user_id == user_id] if user_id is not None else []))).scalars()}
    return [index[key] for key in wanted]


def is_valid(s: Session, cert: Certificate, contest: Contest, rnd: Round | None) -> bool:
    """Whether the certificate still holds against the current frozen ranking (see the module's note)."""
    if s.get(User, cert.user_id).deleted_at is not None:
        return False
    freeze = current_freeze(s, cert.contest_id, cert.round_id)
    if freeze is None:
        if cert.kind == PRIZE:
            return False
        where = [Attempt.contest_id == cert.contest_id, Attempt.user_id == cert.user_id, Attempt.score.is_not(None)]
        if cert.round_id is not None:
            where.append(Attempt.round_id == cert.round_id)
        return s.execute(select(Attempt.id).where(*where).limit(1)).first() is not None
    rank = s.execute(select(RankingEntry.rank).where(RankingEntry.freeze_id == freeze.id,
                                                     RankingEntry.user_id == cert.user_id)).scalar_one_or_none()
    if rank is None:
        return False
    return cert.kind == PARTICIPATION or prize_for(rank, tiers_of(contest, rnd)) == cert.prize


@dataclass
class Checked:
    certificate: Certificate
    contest: Contest
    round: Round | None
    valid: bool
    digest: str  # the ranking's digest the certificate was issued from


def check(s: Session, code: str) -> Checked:
    """A certificate by its code, with its validity now; 404 for an unknown code. A read."""
    code = (code or "").strip().upper()
    if not code.isalnum() or len(code) > 32:
        raise not_found(N_("Không tìm thấy giấy chứng nhận với mã này."))
    with reading(s):
        cert = s.execute(select(Certificate).where(Certificate.code == code)).scalar_one_or_none()
        if cert is None:
            raise not_found(N_("Không tìm thấy giấy chứng nhận với mã này."))
        contest = s.get(Contest, cert.contest_id)
        rnd = s.get(Round, cert.round_id) if cert.round_id else None
        return Checked(cert, contest, rnd, is_valid(s, cert, contest, rnd), cert.digest)


def scopes_of(s: Session, user_id: int) -> list[tuple[Contest, Round | None]]:
    """Where a person finished an attempt: each contest, and each of its rounds they took part in (practice
    contests left out: they give no certificate)."""
    with reading(s):
        rows = s.execute(select(Attempt.contest_id, Attempt.round_id).join(Contest, Contest.id == Attempt.contest_id)
                         .where(Attempt.user_id == user_id, Attempt.score.is_not(None),
                                Contest.practice.is_(False)).distinct()).all()
        contests = {c.id: c for c in s.execute(select(Contest).where(
            Contest.id.in_({c for c, _r in rows}))).scalars()}
        rounds = {r.id: r for r in s.execute(select(Round).where(
            Round.id.in_({r for _c, r in rows if r}))).scalars()}
    out = [(contests[cid], None) for cid in sorted(contests)]
    out += [(contests[cid], rounds[rid]) for cid, rid in sorted(r for r in rows if r[1])]
    return out


def mine(s: Session, user_id: int) -> list[Certificate]:
    """A person's certificates, issued on first request, valid ones only (a revoked one is not offered)."""
    out = []
    for contest, rnd in scopes_of(s, user_id):
        out += issue(s, contest, rnd, KINDS, None, user_id)
    return out


def owned(s: Session, code: str) -> tuple[Certificate, Contest, Round | None]:
    """A certificate by code for its download (the caller checks who may)."""
    checked = check(s, code)
    return checked.certificate, checked.contest, checked.round


def issued_date(when: datetime) -> str:
    """dd/mm/yyyy in Viet Nam's time."""
    return when.astimezone(timezone(timedelta(hours=7))).strftime("%d/%m/%Y")
