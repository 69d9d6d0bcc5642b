"""Accounts: validation, registration, authentication, password change. Hashing by Werkzeug (scrypt)."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quiz import roles
from quiz.accounts import lockout
from quiz.accounts.passwords import password_problem
from quiz.errors import DomainError, invalid
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import commit_or_conflict, reading
from quiz.models import User, utcnow

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 .-]{8,20}$")
# A real hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_profile(full_name, email, password, phone="", unit="", locality="", *, need_password=True) -> dict:
    """Return {field: problem} for registration fields (empty when all are fine)."""
    fields = {}
    if not isinstance(full_name, str) or not 2 <= len(full_name.strip()) <= 120:
        fields["full_name"] = "Họ và tên từ 2 đến 120 ký tự."
    if not isinstance(email, str) or len(email) > 254 or not EMAIL_RE.match(normalise_email(email)):
        fields["email"] = "Địa chỉ email không hợp lệ."
    if need_password and (problem := password_problem(password, email if isinstance(email, str) else "",
                                                      full_name if isinstance(full_name, str) else "")):
        fields["password"] = problem
    if not isinstance(phone, str) or (phone.strip() and not PHONE_RE.match(phone.strip())):
        fields["phone"] = "Số điện thoại không hợp lệ."
    for name, value, limit in (("unit", unit, 200), ("locality", locality, 120)):
        if not isinstance(value, str) or len(value.strip()) > limit:
            fields[name] = f"Tối đa {limit} ký tự."
    return fields


def create_user(s: Session, *, full_name: str, email: str, password: str | None, phone: str = "",
                unit: str = "", locality: str = "", role: str = roles.DEFAULT, ip: str | None = None,
                device: str | None = None, actor: Actor | None = None) -> User:
    """Validate and create an account; ``invalid_fields``, ``email_taken``.

    ``ip`` and ``device`` (quiz.web.fingerprint) say where it was made, for the suspicious-pattern report.
    ``actor``: who made it for someone else (the command line), logged as user.create; registering oneself is
    not an audited action."""
    fields = validate_profile(full_name, email, password, phone or "", unit or "", locality or "",
                              need_password=password is not None)
    if role not in roles.ALL:
        fields["role"] = "Một trong: " + ", ".join(roles.ALL)
    if fields:
        raise invalid(fields)
    user = User(full_name=full_name.strip(), email=normalise_email(email),
                password_hash=generate_password_hash(password) if password else None,
                phone=(phone or "").strip(), unit=(unit or "").strip(), locality=(locality or "").strip(), role=role,
                registered_ip=ip, registered_device=device)
    with audit.recording(s, actor, audit.USER_CREATE, "user", user.email, after=lambda: audit.state(
            user, ("id", "email", "full_name", "role", "phone", "unit", "locality"))):
        s.add(user)
        commit_or_conflict(s, DomainError("email_taken", "Email này đã được đăng ký.",
                                          {"email": "Email đã được dùng."}))
    return user


WRONG = "Email hoặc mật khẩu không đúng."


def authenticate(s: Session, email, password) -> User:
    """Return the user whose email and password match; raise 401 ``invalid_credentials`` otherwise, or 429
    ``too_many_attempts`` while the email is locked (quiz.accounts.lockout). Unknown emails are answered alike."""
    now = utcnow()
    with reading(s):  # the password hash is checked outside any transaction: on SQLite no lock is held
        user = None
        if isinstance(email, str) and isinstance(password, str):
            user = s.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
        failures = lockout.state(s, email)
    wait = lockout.wait_seconds(failures, now)
    if wait:
        raise lockout.LockedOut(wait)
    given = password if isinstance(password, str) else ""
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, given)  # the same work as for a real account
        user = None
    elif not check_password_hash(user.password_hash, given):
        user = None
    if user is None:
        wait = lockout.record_failure(s, email, now)
        if wait:
            raise lockout.LockedOut(wait)
        raise DomainError("invalid_credentials", WRONG)
    if failures is not None:
        lockout.clear(s, email)
        s.commit()
    return user


def set_password(s: Session, user: User, password: str) -> None:
    """Store a new password (already checked) and log out the account's other sessions; the caller commits."""
    from quiz.accounts.session_version import bump

    user.password_hash = generate_password_hash(password)
    bump(user)
    lockout.clear(s, user.email)


def change_password(s: Session, user: User, current, new, actor: Actor) -> User:
    """The logged-in user's change: the current password (a wrong one counts towards the lockout) and a new
    one under the rules; every other session of the account ends. ``invalid_fields``, ``too_many_attempts``
    while locked. ``actor``: the user, from the request's address (the audit log names both)."""
    try:
        authenticate(s, user.email, current)
    except DomainError as exc:
        if exc.code == "too_many_attempts":
            raise
        raise invalid({"current_password": "Mật khẩu hiện tại không đúng."}) from None
    problem = password_problem(new, user.email, user.full_name)
    if problem:
        raise invalid({"new_password": problem})
    set_password(s, user, new)
    audit.record(s, actor, audit.ACCOUNT_PASSWORD_CHANGE, "user", user.email)
    s.commit()
    return user

