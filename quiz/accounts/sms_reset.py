"""Password reset by SMS for accounts with a mobile number: a 6-digit code, valid 10 minutes, 5 tries, once.

The code is kept only as an HMAC (the app's SECRET_KEY over the number and the code: a stolen database does
not give a code away even though there are only a million of them), with its expiry and the wrong tries
spent on it, in the account's row; a new code replaces the old one, a right one is cleared when used, and
the fifth wrong try clears it too. At most one code a minute goes to a number (``reset_sent_at``, shared
with the mailed link).

No account enumeration: asking for a code always gets the same answer and the work happens on a background
thread (``code_message``, run by quiz.web.account through quiz.infra.mail.later); a code for a number
nobody has, a wrong, expired, used or exhausted code are all refused with the same words.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from quiz.accounts import phones
from quiz.accounts.passwords import password_problem
from quiz.accounts.reset import RESEND_AFTER
from quiz.accounts.users import set_password
from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.models import User, utcnow

CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
CODE_RE = re.compile(r"^[0-9]{6}$")
SENT = N_("Nếu số điện thoại đã đăng ký, chúng tôi đã gửi tới số đó một mã gồm 6 chữ số qua tin nhắn SMS. "
          "Mã có hiệu lực trong 10 phút và chỉ dùng được một lần.")
BAD_CODE = N_("Mã xác nhận không đúng, đã hết hạn hoặc đã được dùng. Vui lòng kiểm tra lại hoặc yêu cầu mã mới.")


def check_phone(phone) -> str:
    """The normalised number, or 422 when it is not a Vietnamese mobile number."""
    number = phones.normalise(phone)
    if number is None:
        raise invalid({"phone": phones.INVALID})
    return number


def digest(secret: str, number: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{number}:{code}".encode(), hashlib.sha256).hexdigest()


def code_message(s: Session, number: str, secret: str, now=None, code: str | None = None) -> tuple[str, str] | None:
    """A new code for ``number`` as (to in E.164, message), or None when no account has the number or one was
    sent less than a minute ago. One UPDATE claims the minute and stores the code, so of requests racing on
    any servers one gets the SMS. Run off the request (quiz.web.account), so its timing tells nothing."""
    now = now or utcnow()
    code = code or f"{secrets.randbelow(10**6):06d}"
    claimed = s.execute(update(User).where(User.mobile == number, User.deleted_at.is_(None),
                                           or_(User.reset_sent_at.is_(None), User.reset_sent_at < now - RESEND_AFTER))
                        .values(reset_sent_at=now, sms_code_hash=digest(secret, number, code),
                                sms_code_until=now + CODE_TTL, sms_code_tries=0)).rowcount
    s.commit()
    if claimed != 1:
        return None
    minutes = int(CODE_TTL.total_seconds() // 60)
    return phones.e164(number), Text(N_("Mã đặt lại mật khẩu Cuộc thi Luật Hợp tác xã: %(code)s. Hiệu lực "
                                        "%(minutes)s phút. Không đưa mã này cho ai."), code=code, minutes=minutes)


def bad_code() -> DomainError:
    return DomainError("invalid_code", BAD_CODE, {"code": N_("Mã không đúng hoặc đã hết hạn.")})


def confirm_code(s: Session, secret: str, phone, code, password, ip: str | None = None, now=None) -> User:
    """Set the new password the right code allows; the code (and every session of the account) then ends.
    ``invalid_code`` (422) for a wrong, expired, used or exhausted code and for a number nobody has (a wrong
    code spends one of the code's tries); ``invalid_fields`` (password) when the code is right but the
    password is refused (the code stays usable). ``ip``: the request's address, for the audit log."""
    now = now or utcnow()
    number = phones.normalise(phone)
    given = code.strip() if isinstance(code, str) else ""
    if number is None or not CODE_RE.match(given):
        raise bad_code()
    user = s.execute(select(User).where(User.mobile == number).with_for_update()).scalar_one_or_none()
    expected = digest(secret, number, given)  # the same work whether or not the number is anyone's
    if (user is None or not user.sms_code_hash or user.sms_code_until is None or user.sms_code_until < now
            or user.sms_code_tries >= MAX_TRIES):
        s.rollback()
        raise bad_code()
    if not hmac.compare_digest(user.sms_code_hash, expected):
        user.sms_code_tries += 1
        if user.sms_code_tries >= MAX_TRIES:
            user.sms_code_hash = user.sms_code_until = None
        s.commit()
        raise bad_code()
    problem = password_problem(password, user.email or "", user.full_name)
    if problem:
        s.rollback()
        raise invalid({"password": problem})
    set_password(s, user, password)
    user.sms_code_hash = user.sms_code_until = None
    user.sms_code_tries = 0
    audit.record(s, audit.person(user, ip), audit.ACCOUNT_PASSWORD_RESET, "user", audit.account_ref(user),
                 after={"by": "sms"})
    s.commit()
    return user
