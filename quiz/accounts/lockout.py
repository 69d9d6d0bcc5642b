"""Progressive lockout after repeated failed logins, kept in the database so every app server agrees.

Schedule: the first 4 failures cost nothing; the 5th locks the email for 1 minute and each further failure
doubles the lock (2, 4, 8, ... minutes) up to 1 hour. A successful login clears the count (so does a password
reset); failures a day old are forgotten. While locked, a login is refused without looking at the password and
does not lengthen the lock, so the owner gets in as soon as it ends.

No account enumeration: the count is kept per email as typed (normalised and hashed), whether or not an
account has it. An unknown email fails, locks and answers exactly like a registered one, and both paths do the
same work (one password hash, one write).
"""
from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from quiz.errors import DomainError
from quiz.i18n import N_, Text
from quiz.models import LoginFailure, UTCDateTime, utcnow

FREE_FAILURES = 4
FIRST_LOCK_S = 60
MAX_LOCK_S = 3600
FORGET_AFTER = timedelta(days=1)

# One statement, so two servers counting failures of the same email at once never lose one.
_COUNT = text(
    "INSERT INTO login_failure (email_hash, failures, last_failed_at) VALUES (:key, 1, :now) "
    "ON CONFLICT (email_hash) DO UPDATE SET failures = CASE WHEN login_failure.last_failed_at < :forget THEN 1 "
    "ELSE login_failure.failures + 1 END, last_failed_at = :now RETURNING failures"
).bindparams(bindparam("now", type_=UTCDateTime), bindparam("forget", type_=UTCDateTime))


class LockedOut(DomainError):
    """``too_many_attempts`` with the seconds to wait (``retry_after_s``); the same words for every email."""

    def __init__(self, seconds: int):
        minutes = max(1, -(-seconds // 60))
        super().__init__("too_many_attempts", Text(N_("Bạn đã đăng nhập sai nhiều lần. Vui lòng thử lại sau %(n)s "
                                                   "phút hoặc dùng chức năng “Quên mật khẩu?”."), n=minutes),
                         params={"retry_after_s": seconds})


def key_for(email) -> str:
    """What the count is kept under: a digest of the normalised email (no list of typed emails is stored)."""
    value = email.strip().lower() if isinstance(email, str) else ""
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def lock_seconds(failures: int) -> int:
    """How long ``failures`` consecutive failures lock an email (0: not locked)."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** min(failures - FREE_FAILURES - 1, 12))


def state(s: Session, email) -> LoginFailure | None:
    """The failure record of an email, if any (call it in a read transaction)."""
    return s.get(LoginFailure, key_for(email), populate_existing=True)


def wait_seconds(record: LoginFailure | None, now: datetime | None = None) -> int:
    """Seconds until ``record``'s lock ends (0 when it is not locked)."""
    if record is None or record.locked_until is None:
        return 0
    left = (record.locked_until - (now or utcnow())).total_seconds()
    return max(0, int(left + 0.999))


def record_failure(s: Session, email, now: datetime | None = None) -> int:
    """Count a failed login and commit; return the seconds of the lock it starts (0: none)."""
    now = now or utcnow()
    key = key_for(email)
    failures = s.execute(_COUNT, {"key": key, "now": now, "forget": now - FORGET_AFTER}).scalar_one()
    seconds = lock_seconds(failures)
    if seconds:
        s.execute(update(LoginFailure).where(LoginFailure.email_hash == key)
                  .values(locked_until=now + timedelta(seconds=seconds)))
    if random.random() < 0.01:  # now and then, forget emails that stopped failing long ago
        s.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < now - FORGET_AFTER,
                                             LoginFailure.email_hash != key))
    s.commit()
    return seconds


def clear(s: Session, email) -> None:
    """Forget an email's failures (after a success); the caller commits."""
    s.execute(delete(LoginFailure).where(LoginFailure.email_hash == key_for(email)))


def failures(s: Session, email) -> int:
    """The current count (tests and support)."""
    return s.execute(select(LoginFailure.failures)
                     .where(LoginFailure.email_hash == key_for(email))).scalar_one_or_none() or 0
