"""Password reset by mail: a signed link that expires (1 hour by default) and works once.

The token is itsdangerous' URLSafeTimedSerializer over the app's SECRET_KEY (salt "password-reset"), so
every app server can check it and none keeps state. It carries the user id and a fingerprint of the
account's current password hash and session version: setting a password changes both, so a used token
(and any older one) no longer matches.

No account enumeration: asking for a link always gets the same answer, and the lookup, the token and the
mail all happen on a background thread (``link_mail``, run by quiz.web.account through quiz.infra.mail.later),
so the answer also takes the same time whether or not the email is registered. At most one mail a minute
goes to an account.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from quiz.accounts.passwords import password_problem
from quiz.accounts.users import EMAIL_RE, normalise_email, set_password
from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.models import User, utcnow

SALT = "password-reset"
RESEND_AFTER = timedelta(minutes=1)
SENT = (N_("Nếu email đã đăng ký, chúng tôi đã gửi liên kết đặt lại mật khẩu tới hộp thư đó. "
        "Liên kết có hiệu lực trong 1 giờ và chỉ dùng được một lần."))
BAD_LINK = (N_("Liên kết đặt lại mật khẩu không hợp lệ, đã hết hạn hoặc đã được dùng. "
            "Vui lòng yêu cầu một liên kết mới."))


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def fingerprint(user: User) -> str:
    """Changes whenever the password (new salt each time) or the session version changes."""
    raw = f"{user.id}\n{user.email}\n{user.password_hash or ''}\n{user.session_version}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def make_token(secret: str, user: User) -> str:
    return _serializer(secret).dumps({"u": user.id, "f": fingerprint(user)})


def user_for_token(s: Session, secret: str, token, max_age_s: int) -> User:
    """The account a token is for; 422 ``invalid_token`` when it is forged, expired or used."""
    error = DomainError("invalid_token", BAD_LINK, {"token": N_("Liên kết không hợp lệ hoặc đã hết hạn.")})
    if not isinstance(token, str) or len(token) > 500:
        raise error
    try:
        data = _serializer(secret).loads(token, max_age=max_age_s)
    except BadData:
        raise error from None
    uid = data.get("u") if isinstance(data, dict) else None
    user = s.get(User, uid) if isinstance(uid, int) else None
    if user is None or not hmac.compare_digest(str(data.get("f")), fingerprint(user)):
        raise error
    return user


def check_email(email) -> str:
    """The normalised email, or 422 when it is not an email address at all."""
    if not isinstance(email, str) or len(email) > 254 or not EMAIL_RE.match(normalise_email(email)):
        raise invalid({"email": N_("Địa chỉ email không hợp lệ.")})
    return normalise_email(email)


def link_mail(s: Session, email: str, secret: str, base_url: str, max_age_s: int,
              now=None) -> tuple[str, str, str] | None:
    """The reset mail for ``email`` as (to, subject, body), or None when it is not registered or was sent a
    link less than a minute ago. Claims that minute: of requests racing on any servers, one gets the mail.
    Run off the request (quiz.web.account sends it on a mail thread), so its timing tells nothing."""
    now = now or utcnow()
    claimed = s.execute(update(User).where(User.email == email, or_(User.reset_sent_at.is_(None),
                                                                    User.reset_sent_at < now - RESEND_AFTER))
                        .values(reset_sent_at=now)).rowcount
    s.commit()
    if claimed != 1:
        return None
    user = s.execute(select(User).where(User.email == email)).scalar_one()
    s.commit()
    link = f"{base_url.rstrip('/')}/reset-password/{make_token(secret, user)}"
    body = Text(N_("Xin chào %(name)s,\n\n"
                   "Chúng tôi nhận được yêu cầu đặt lại mật khẩu cho tài khoản của bạn tại Cuộc thi tìm hiểu "
                   "Luật Hợp tác xã 2023. Hãy mở liên kết sau để đặt mật khẩu mới:\n\n"
                   "%(link)s\n\n"
                   "Liên kết có hiệu lực trong %(hours)s giờ và chỉ dùng được một lần. Nếu bạn không yêu cầu, "
                   "hãy bỏ qua thư này: mật khẩu của bạn không thay đổi.\n"),
                name=user.full_name, link=link, hours=f"{max_age_s / 3600:g}")
    return user.email, N_("Đặt lại mật khẩu"), body


def confirm_reset(s: Session, secret: str, token, password, max_age_s: int, ip: str | None = None) -> User:
    """Set the new password a valid token allows; the token (and every session of the account) then ends.
    ``ip``: the address the request came from, for the audit log."""
    user = user_for_token(s, secret, token, max_age_s)
    problem = password_problem(password, user.email, user.full_name)
    if problem:
        s.rollback()
        raise invalid({"password": problem})
    set_password(s, user, password)
    audit.record(s, audit.person(user, ip), audit.ACCOUNT_PASSWORD_RESET, "user", audit.account_ref(user))
    s.commit()
    return user
