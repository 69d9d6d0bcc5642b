"""Certificates: who is due one, issuing them (a random code each), and checking one by its code.

Prize certificates go to the prize places of the current frozen ranking (none while the ranking is not
frozen, none when there are no prize tiers); participation certificates to everyone with a finished attempt
(everyone in the frozen ranking once there is one, so a disqualified person is no longer due one). A
certificate stays in the table once issued; whether it is still valid is decided each time it is checked,
against the current freeze: when a judges' verdict re-freezes the ranking without a person, or a person's
prize changes, their old certificate is revoked (``valid`` false) and, for a new prize, a new one is issued.

Issuing is explicit and idempotent (``issue_due``): every freeze of a ranking issues what it makes due, in its
own transaction, and so do ``flask certificates`` and the judges' zip (``issue``). Reads (a person's list,
``/me``, a check by code) only read what exists.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, null, select
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


def _due_select(s: Session, contest: Contest, rnd: Round | None, kind: str, user_id: int | None):
    """The people due a certificate of ``kind`` as a select of (user id, name, rank, score, total) in order, and
    the current freeze's digest ('' when not frozen); None for no one (prizes without a freeze or tiers)."""
    if kind not in KINDS:
        raise DomainError("invalid_fields", N_("Loại giấy chứng nhận phải là prize, participation hoặc all."),
                          {"kind": "prize, participation or all"})
    round_id = rnd.id if rnd else None
    freeze = current_freeze(s, contest.id, round_id)
    digest = freeze.digest if freeze else ""
    alive = User.deleted_at.is_(None)
    if freeze is not None:
        mine = [RankingEntry.user_id == user_id] if user_id is not None else []
        if kind == PRIZE:
            tiers = tiers_of(contest, rnd)
            if not tiers:
                return None, digest
            mine.append(RankingEntry.rank <= prize_places(tiers))
        return (select(RankingEntry.user_id, User.full_name, RankingEntry.rank, RankingEntry.score,
                       RankingEntry.total).join(User, User.id == RankingEntry.user_id)
                .where(RankingEntry.freeze_id == freeze.id, alive, *mine).order_by(RankingEntry.rank)), digest
    if kind == PRIZE:
        return None, digest
    where = [Attempt.contest_id == contest.id, Attempt.score.is_not(None), alive]
    if round_id is not None:
        where.append(Attempt.round_id == round_id)
    if user_id is not None:
        where.append(Attempt.user_id == user_id)
    return (select(Attempt.user_id, User.full_name, null().label("rank"), func.max(Attempt.score),
                   func.max(Attempt.total)).join(User, User.id == Attempt.user_id).where(*where)
            .group_by(Attempt.user_id, User.full_name).order_by(User.full_name, Attempt.user_id)), digest


def _dues(s: Session, query, contest: Contest, rnd: Round | None, kind: str) -> list[Due]:
    if query is None:
        return []
    tiers = tiers_of(contest, rnd) if kind == PRIZE else None
    return [Due(u, name, kind, prize_for(rank, tiers) if tiers else "", rank if tiers else None, score, total)
            for u, name, rank, score, total in s.execute(query)]


def due(s: Session, contest: Contest, rnd: Round | None, kind: str, user_id: int | None = None) -> tuple[list, str]:
    """The certificates of ``kind`` due now in a contest or round (one person's with ``user_id``), in rank order
    (participation without a freeze: by name), and the current freeze's digest ('' when not frozen). A practice
    contest has none (404 ``not_ranked``)."""
    require_ranked(contest)
    query, digest = _due_select(s, contest, rnd, kind, user_id)
    return _dues(s, query, contest, rnd, kind), digest


def _scope_of(contest: Contest, rnd: Round | None, user_id: int | None = None) -> list:
    """The certificates of a contest's whole ranking or of one round's (one person's with ``user_id``)."""
    where = [Certificate.contest_id == contest.id, Certificate.round_key == (rnd.id if rnd else 0)]
    return where + ([Certificate.user_id == user_id] if user_id is not None else [])


def issue_due(s: Session, contest: Contest, rnd: Round | None, kinds: tuple = KINDS) -> int:
    """Issue, in the caller's transaction (no commit), every certificate due and not yet issued (those issued
    keep their code); returns how many are new. Idempotent. Run by every freeze (quiz.contest.ranking.freeze:
    closing, a verdict's re-freeze, the cron, an admin) and by the explicit batches (``issue``); never by a read.
    Only the missing ones are read (an anti-join), so a re-freeze of a large ranking adds its few new prizes
    without loading everyone's certificates."""
    new = 0
    for kind in kinds:
        query, digest = _due_select(s, contest, rnd, kind, None)
        if query is None:
            continue
        if kind == PARTICIPATION:
            query = query.where(~select(Certificate.id).where(
                *_scope_of(contest, rnd), Certificate.kind == kind,
                Certificate.user_id == query.selected_columns[0]).exists())
            fresh = _dues(s, query, contest, rnd, kind)
        else:  # a handful of prize places: compare with the prizes issued
            have = set(s.execute(select(Certificate.user_id, Certificate.prize).where(
                *_scope_of(contest, rnd), Certificate.kind == kind)).all())
            fresh = [d for d in _dues(s, query, contest, rnd, kind) if (d.user_id, d.prize) not in have]
        now = utcnow()
        for at in range(0, len(fresh), _CHUNK):
            s.execute(insert(Certificate), [_row(d, contest, rnd, digest, now) for d in fresh[at:at + _CHUNK]])
        new += len(fresh)
    return new


_CHUNK = 5000


def _row(d: Due, contest: Contest, rnd: Round | None, digest: str, now: datetime) -> dict:
    return {"code": new_code(), "user_id": d.user_id, "contest_id": contest.id, "round_id": rnd.id if rnd else None,
            "round_key": rnd.id if rnd else 0, "kind": d.kind, "prize": d.prize, "rank": d.rank, "score": d.score,
            "total": d.total, "full_name": d.full_name, "issued_at": now, "digest": digest}


def issue(s: Session, contest: Contest, rnd: Round | None, kinds: tuple, actor: Actor | None,
          user_id: int | None = None) -> list[Certificate]:
    """The explicit batch (``flask certificates``, the judges' zip): issue what is due and not yet issued, log it
    as ``actor``'s certificates.issue (with how many were new, 0 included: who produced the certificates), commit,
    and return the certificates due, in order (one person's with ``user_id``, for tests and tools). A practice
    contest gives none (404 ``not_ranked``)."""
    require_ranked(contest)
    new = issue_due(s, contest, rnd, kinds)
    if actor is not None:
        _log(s, actor, contest, rnd, kinds, new)
    s.commit()
    return issued(s, contest, rnd, kinds, user_id)


def _log(s: Session, actor: Actor | None, contest: Contest, rnd: Round | None, kinds: tuple, new: int) -> None:
    audit.record(s, actor, audit.CERTIFICATES_ISSUE, "contest", contest.slug,
                 after={"round": rnd.number if rnd else None, "kinds": list(kinds), "issued": new})


def issued(s: Session, contest: Contest, rnd: Round | None, kinds: tuple,
           user_id: int | None = None) -> list[Certificate]:
    """The certificates due now that have been issued, in order (a read: a due one not yet issued is left out;
    a revoked one is not due, so not listed)."""
    wanted = []
    with reading(s):
        for kind in kinds:
            wanted += [(d.user_id, kind, d.prize) for d in due(s, contest, rnd, kind, user_id)[0]]
        index = {(c.user_id, c.kind, c.prize): c for c in s.execute(
            select(Certificate).where(*_scope_of(contest, rnd, user_id))).scalars()}
    return [index[key] for key in wanted if key in index]


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
    """A person's certificates as issued so far, valid ones only (a revoked one is not offered). A read: it
    writes nothing (certificates are issued at the freeze and by the judges' batches)."""
    out = []
    for contest, rnd in scopes_of(s, user_id):
        out += issued(s, contest, rnd, KINDS, user_id)
    return out


def owned(s: Session, code: str) -> tuple[Certificate, Contest, Round | None]:
    """A certificate by code for its download (the caller checks who may)."""
    checked = check(s, code)
    return checked.certificate, checked.contest, checked.round


def issued_date(when: datetime) -> str:
    """dd/mm/yyyy in Viet Nam's time."""
    return when.astimezone(timezone(timedelta(hours=7))).strftime("%d/%m/%Y")
