"""Personal data under Decree 13/2023/NĐ-CP and the Law on Personal Data Protection: consent to the privacy
notice (/privacy), erasure on request, and the retention purge.

Consent: registering oneself takes an explicit ``consent: true``; the notice's version and the time are kept
with the account. An account made without it (a results import, the command line) cannot start an attempt
until the person gives it (``consent_required``).

Erasure (``erase``): the person's name, email, phone, unit, locality, registration address and device mark go
from every table: the account row stays, anonymised (``ERASED_NAME``, ``deleted-ID@invalid``, no password, a
``deleted_at``), with its sessions ended; the copies in frozen rankings are blanked and each freeze that listed
the person notes the erasure in its history (``ranking_freeze.erasures``); the attempts lose their address and
device mark; the login failures kept under the email go. Attempts, answers and the statistics' counters stay:
statistics, ranks and freeze digests do not move. The audit log never held the person's details (it names
participants by account id, quiz.infra.audit.person), so it needs no change; the erasure is logged there as
``privacy.erase``. No Flask here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from quiz import roles
from quiz.accounts import lockout
from quiz.accounts.session_version import bump
from quiz.contest.prizes import prize_places
from quiz.errors import DomainError, invalid
from quiz.i18n import N_
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.models import Attempt, Certificate, Contest, RankingEntry, RankingFreeze, Round, User, utcnow

# The version of the notice at /privacy (templates/privacy.html). Change it with the notice's text: accounts keep
# the version they agreed to.
NOTICE_VERSION = "2026-01-01"
ERASED_NAME = N_("Người dùng đã xoá")
CONSENT_NEEDED = N_("Bạn cần đồng ý với Thông báo xử lý dữ liệu cá nhân để tiếp tục.")
REQUEST, RETENTION = "request", "retention"  # why a person's data were erased


def record_consent(user: User, now: datetime | None = None) -> None:
    """Keep the notice's version and the time with the account (the caller commits)."""
    user.consent_version = NOTICE_VERSION
    user.consented_at = now or utcnow()


def give_consent(s: Session, user: User, consent) -> User:
    """The person's consent, given after the account was made (imported people, at their first login)."""
    if consent is not True:
        raise invalid({"consent": CONSENT_NEEDED}, CONSENT_NEEDED)
    if user.consent_version != NOTICE_VERSION:
        record_consent(user)
    s.commit()
    return user


def consent_required() -> DomainError:
    return DomainError("consent_required", N_("Bạn cần đồng ý với Thông báo xử lý dữ liệu cá nhân trước khi dự thi."))


def require_consent(s: Session, user_id: int) -> None:
    """Raise ``consent_required`` (403) unless the person has agreed to the notice."""
    if s.execute(select(User.consent_version).where(User.id == user_id)).scalar_one_or_none() is None:
        raise consent_required()


def erase(s: Session, user: User, actor: Actor | None, reason: str = REQUEST, now: datetime | None = None) -> dict:
    """Erase the person's identity everywhere (see the module's note); the caller commits. Returns what was
    changed, as logged. Staff accounts are refused: their actions must stay attributable."""
    if user.role in roles.STAFF:
        raise DomainError("forbidden", N_("Tài khoản của ban tổ chức, ban giám khảo hoặc quản trị không thể xoá "
                                       "theo cách này."))
    if user.deleted_at is not None:
        return {"already": True}
    now = now or utcnow()
    for name in (user.email, user.mobile):
        if name:
            lockout.clear(s, name)
    user.full_name, user.email, user.phone, user.unit, user.locality = ERASED_NAME, f"deleted-{user.id}@invalid", \
        "", "", ""
    user.mobile = user.sms_code_hash = user.sms_code_until = None
    user.password_hash = None
    user.registered_ip = user.registered_device = None
    user.reset_sent_at = None
    user.deleted_at = now
    bump(user)  # every session and remember-me cookie of the account ends
    attempts = s.execute(update(Attempt).where(Attempt.user_id == user.id).values(ip=None, device=None)).rowcount
    listed = s.execute(select(RankingEntry.freeze_id, RankingEntry.rank)
                       .where(RankingEntry.user_id == user.id)).all()
    s.execute(update(RankingEntry).where(RankingEntry.user_id == user.id)
              .values(full_name=ERASED_NAME, email="", phone="", unit="", locality=""))
    # Certificates keep the name as printed: blanked too (they no longer verify: the person is erased).
    s.execute(update(Certificate).where(Certificate.user_id == user.id).values(full_name=ERASED_NAME))
    note = {"at": now.isoformat(timespec="seconds"), "reason": reason}
    for freeze_id, rank in listed:
        record = s.get(RankingFreeze, freeze_id)
        record.erasures = [*(record.erasures or []), {**note, "rank": rank}]
    done = {"reason": reason, "attempts": attempts, "freezes": sorted(f for f, _rank in listed)}
    audit.record(s, actor, audit.PRIVACY_ERASE, "user", str(user.id), after=done)
    return done


def erase_on_request(s: Session, user: User, password, actor: Actor) -> dict:
    """The person's own request, confirmed with their password (a wrong one counts towards the login lockout):
    ``invalid_fields`` (password), ``too_many_attempts``, ``forbidden`` for staff."""
    from quiz.accounts.users import authenticate, login_name

    if user.role in roles.STAFF:
        erase(s, user, actor)  # raises forbidden
    try:
        authenticate(s, login_name(user), password)
    except DomainError as exc:
        if exc.code == "too_many_attempts":
            raise
        raise invalid({"password": N_("Mật khẩu không đúng.")}, N_("Mật khẩu không đúng.")) from None
    user = s.get(User, user.id)
    done = erase(s, user, actor, REQUEST)
    s.commit()
    return done


@dataclass
class PurgeReport:
    erased: int
    kept_winners: int


def prize_winners(s: Session) -> set[int]:
    """The people within the prize tiers of a current frozen ranking (a round's tiers, else the contest's). A
    ranking without tiers has no prize winners."""
    winners: set[int] = set()
    scopes = s.execute(select(RankingFreeze.id, Contest.prize_tiers, Round.prize_tiers)
                       .join(Contest, Contest.id == RankingFreeze.contest_id)
                       .outerjoin(Round, Round.id == RankingFreeze.round_id)
                       .where(RankingFreeze.current.is_(True))).all()
    for freeze_id, contest_tiers, round_tiers in scopes:
        places = prize_places(round_tiers or contest_tiers)
        if places:
            winners.update(s.execute(select(RankingEntry.user_id).where(RankingEntry.freeze_id == freeze_id,
                                                                        RankingEntry.rank <= places)).scalars())
    return winners


def purge_candidates(s: Session, closed_before: datetime) -> list[int]:
    """Participants not yet erased whose every contest closed before ``closed_before`` (people with no
    attempt: registered before it). Staff never."""
    later = (select(Attempt.id).join(Contest, Contest.id == Attempt.contest_id)
             .where(Attempt.user_id == User.id, Contest.closes_at >= closed_before))
    any_attempt = select(Attempt.id).where(Attempt.user_id == User.id)
    return list(s.execute(select(User.id).where(User.role == roles.PARTICIPANT, User.deleted_at.is_(None),
                                                ~exists(later), exists(any_attempt) | (User.created_at < closed_before))
                          .order_by(User.id)).scalars())


def purge(s: Session, closed_before: datetime, keep_winners: bool, actor: Actor | None,
          progress=None) -> PurgeReport:
    """The retention purge (``flask privacy purge``): erase, as on request, every candidate
    (``purge_candidates``), with ``keep_winners`` not the prize winners; one transaction per person, so an
    interrupted purge leaves everyone either erased or untouched. ``progress(done, total)`` after each."""
    ids = purge_candidates(s, closed_before)
    kept = prize_winners(s) & set(ids) if keep_winners else set()
    todo = [i for i in ids if i not in kept]
    s.commit()
    for n, uid in enumerate(todo, start=1):
        erase(s, s.get(User, uid), actor, RETENTION)
        s.commit()
        if progress:
            progress(n, len(todo))
    return PurgeReport(len(todo), len(kept))

