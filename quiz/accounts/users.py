"""Accounts: validation, registration, authentication, password change. Hashing by Werkzeug (scrypt)."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quiz import places, roles
from quiz.accounts import lockout, privacy
from quiz.accounts.passwords import password_problem
from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text
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


def validate_profile(full_name, email, password, phone="", unit="", locality="", *, need_password=True,
                     locality_code=None) -> dict:
    """Return {field: problem} for registration fields (empty when all are fine)."""
    fields = locality_problem(locality_code)
    if not isinstance(full_name, str) or not 2 <= len(full_name.strip()) <= 120:
        fields["full_name"] = N_("Họ và tên từ 2 đến 120 ký tự.")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL_RE.match(normalise_email(email)):
        fields["email"] = N_("Địa chỉ email không hợp lệ.")
    if need_password and (problem := password_problem(password, email if isinstance(email, str) else "",
                                                      full_name if isinstance(full_name, str) else "")):
        fields["password"] = problem
    if not isinstance(phone, str) or (phone.strip() and not PHONE_RE.match(phone.strip())):
        fields["phone"] = N_("Số điện thoại không hợp lệ.")
    for name, value, limit in (("unit", unit, 200), ("locality", locality, 120)):
        if not isinstance(value, str) or len(value.strip()) > limit:
            fields[name] = Text(N_("Tối đa %(n)s ký tự."), n=limit)
    return fields


UNKNOWN_WARD = N_("Không có xã, phường hay đặc khu nào mang mã này trong danh sách sau sắp xếp năm 2025.")


def locality_problem(locality_code) -> dict:
    """{"locality_code": problem} unless the code is empty or an official ward's (quiz.places)."""
    if locality_code in (None, "") or places.ward(locality_code) is not None:
        return {}
    return {"locality_code": UNKNOWN_WARD}


def locality_of(locality: str, locality_code) -> tuple[str, str | None]:
    """The (text, code) to keep: a chosen ward's full name and code, else the free text alone."""
    ward = places.ward(locality_code) if locality_code else None
    if ward is None:
        return (locality or "").strip(), None
    return ward.full_name, ward.code


def create_user(s: Session, *, full_name: str, email: str, password: str | None, phone: str = "",
                unit: str = "", locality: str = "", role: str = roles.DEFAULT, ip: str | None = None,
                device: str | None = None, actor: Actor | None = None, consent=None,
                locality_code: str | None = None, organization_id: int | None = None) -> User:
    """Validate and create an account; ``invalid_fields``, ``email_taken``.

    ``consent``: the person's answer to the privacy notice (quiz.accounts.privacy) when they register
    themselves: anything but ``True`` is refused (``fields.consent``), and its version is kept with the
    account. ``None``: not asked (an account made by the command line): the person gives it later.

    ``ip`` and ``device`` (quiz.web.fingerprint) say where it was made, for the suspicious-pattern report.
    ``actor``: who made it for someone else (the command line), logged as user.create; registering oneself is
    not an audited action. ``locality_code``: an official ward (quiz.places), whose full name then replaces
    the free-text ``locality``. ``organization_id``: staff of that organization only (organizers and judges)."""
    fields = validate_profile(full_name, email, password, phone or "", unit or "", locality or "",
                              need_password=password is not None, locality_code=locality_code)
    if role not in roles.ALL:
        fields["role"] = Text(N_("Một trong: %(list)s"), list=", ".join(roles.ALL))
    elif organization_id is not None and role not in roles.ORGANIZATION_STAFF:
        fields["role"] = N_("Chỉ ban tổ chức và ban giám khảo thuộc về một tổ chức.")
    if consent is not None and consent is not True:
        fields["consent"] = privacy.CONSENT_NEEDED
    if fields:
        raise invalid(fields)
    locality, locality_code = locality_of(locality, locality_code)
    user = User(locality_code=locality_code, full_name=full_name.strip(), email=normalise_email(email),
                password_hash=generate_password_hash(password) if password else None,
                phone=(phone or "").strip(), unit=(unit or "").strip(), locality=(locality or "").strip(), role=role,
                registered_ip=ip, registered_device=device, organization_id=organization_id)
    if consent is True:
        privacy.record_consent(user)
    # A participant is logged by id and role only: the append-only log keeps nothing an erasure must remove.
    logged = ("id", "role")
    if role in roles.STAFF:
        logged = ("id", "email", "full_name", "role", "phone", "unit", "locality", "locality_code",
                  "organization_id")
    with audit.recording(s, actor, audit.USER_CREATE, "user", lambda: audit.account_ref(user),
                         after=lambda: audit.state(user, logged)):
        s.add(user)
        commit_or_conflict(s, DomainError("email_taken", N_("Email này đã được đăng ký."),
                                          {"email": N_("Email đã được dùng.")}))
    return user


WRONG = N_("Email hoặc mật khẩu không đúng.")


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
        raise invalid({"current_password": N_("Mật khẩu hiện tại không đúng.")}) from None
    problem = password_problem(new, user.email, user.full_name)
    if problem:
        raise invalid({"new_password": problem})
    set_password(s, user, new)
    audit.record(s, actor, audit.ACCOUNT_PASSWORD_CHANGE, "user", audit.account_ref(user))
    s.commit()
    return user



PROFILE_FIELDS = ("unit", "locality", "locality_code")


def change_profile(s: Session, user: User, unit, locality, locality_code, actor: Actor) -> User:
    """The person's own change of unit and locality (free text, or an official ward whose full name is then
    kept as the text). ``invalid_fields``, changing nothing. The statistics counters of their finished
    attempts move to the new unit and place in the same transaction (quiz.contest.tallies.move_person), so
    the kept counters stay equal to a recount."""
    from quiz.contest import tallies

    fields = {**locality_problem(locality_code)}
    for name, value, limit in (("unit", unit, 200), ("locality", locality, 120)):
        if not isinstance(value, str) or len(value.strip()) > limit:
            fields[name] = Text(N_("Tối đa %(n)s ký tự."), n=limit)
    if fields:
        raise invalid(fields)
    new_locality, new_code = locality_of(locality, locality_code)
    before = audit.state(user, PROFILE_FIELDS)
    old_unit, old_place = user.unit, tallies.place_label(user.locality, user.locality_code)
    user.unit, user.locality, user.locality_code = unit.strip(), new_locality, new_code
    if before != audit.state(user, PROFILE_FIELDS):
        s.flush()  # the row's lock first: a scoring of this person waits, then counts under the new place
        tallies.move_person(s.connection(), user.id, (old_unit, old_place),
                            (user.unit, tallies.place_label(user.locality, user.locality_code)))
        after = audit.state(user, PROFILE_FIELDS)
        if user.role not in roles.STAFF:  # a participant's unit and place stay out of the append-only log
            before, after = None, {"changed": sorted(k for k in after if after[k] != before.get(k))}
        audit.record(s, actor, audit.ACCOUNT_PROFILE_CHANGE, "user", audit.account_ref(user), before=before,
                     after=after)
    s.commit()
    return user
