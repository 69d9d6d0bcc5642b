"""Accounts: validation, registration, authentication, password change. Hashing by Werkzeug (scrypt)."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quiz import places, roles
from quiz.accounts import lockout, phones, privacy
from quiz.accounts.passwords import password_problem
from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import reading
from quiz.models import User, utcnow

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# A real hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


NEED_CONTACT = N_("Nhập email hoặc số điện thoại di động (ít nhất một trong hai).")
STAFF_EMAIL = N_("Tài khoản của ban tổ chức, ban giám khảo hoặc quản trị cần có email.")


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_profile(full_name, email, password, phone="", unit="", locality="", *, need_password=True,
                     locality_code=None) -> dict:
    """Return {field: problem} for registration fields (empty when all are fine). An account needs an email,
    a Vietnamese mobile number (quiz.accounts.phones) or both: with neither, both fields name the problem."""
    fields = locality_problem(locality_code)
    if not isinstance(full_name, str) or not 2 <= len(full_name.strip()) <= 120:
        fields["full_name"] = N_("Họ và tên từ 2 đến 120 ký tự.")
    if blank(email) and blank(phone):
        fields["email"] = fields["phone"] = NEED_CONTACT
    if not blank(email) and (not isinstance(email, str) or len(email) > 254
                             or not EMAIL_RE.match(normalise_email(email))):
        fields["email"] = N_("Địa chỉ email không hợp lệ.")
    if not blank(phone) and phones.normalise(phone) is None:
        fields["phone"] = phones.INVALID
    if need_password and (problem := password_problem(password, email if isinstance(email, str) else "",
                                                      full_name if isinstance(full_name, str) else "")):
        fields["password"] = problem
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


def create_user(s: Session, *, full_name: str, email: str | None, password: str | None, phone: str = "",
                unit: str = "", locality: str = "", role: str = roles.DEFAULT, ip: str | None = None,
                device: str | None = None, actor: Actor | None = None, consent=None,
                locality_code: str | None = None, organization_id: int | None = None) -> User:
    """Validate and create an account; ``invalid_fields``, ``email_taken``, ``phone_taken``. An email, a mobile
    number or both (staff: an email), each unique; the number is kept normalised (quiz.accounts.phones).

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
    if role in roles.STAFF and blank(email):
        fields["email"] = STAFF_EMAIL
    if fields:
        raise invalid(fields)
    locality, locality_code = locality_of(locality, locality_code)
    mobile = phones.normalise(phone)
    user = User(locality_code=locality_code, full_name=full_name.strip(),
                email=None if blank(email) else normalise_email(email),
                password_hash=generate_password_hash(password) if password else None,
                phone=mobile or "", mobile=mobile, unit=(unit or "").strip(), locality=(locality or "").strip(),
                role=role, registered_ip=ip, registered_device=device, organization_id=organization_id)
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
        commit_unique(s, user)
    return user


def email_taken() -> DomainError:
    return DomainError("email_taken", N_("Email này đã được đăng ký."), {"email": N_("Email đã được dùng.")})


def phone_taken() -> DomainError:
    return DomainError("phone_taken", N_("Số điện thoại này đã được đăng ký."),
                       {"phone": N_("Số điện thoại đã được dùng.")})


def commit_unique(s: Session, user: User) -> None:
    """Commit; when the email or the mobile number is another account's, roll back and raise ``email_taken``
    or ``phone_taken`` (409)."""
    uid, email, mobile = user.id, user.email, user.mobile
    try:
        s.commit()
    except IntegrityError:
        s.rollback()
        if mobile and not (email and s.scalar(select(User.id).where(User.email == email, User.id != uid))):
            raise phone_taken() from None
        raise email_taken() from None


WRONG = N_("Email hoặc mật khẩu không đúng.")
WRONG_BY_PHONE = N_("Số điện thoại hoặc mật khẩu không đúng.")


def login_key(login) -> str:
    """What a login name is known by: the normalised email, or the normalised mobile number (``0912 345 678``
    and ``+84912345678`` are one), or the text as given when it is neither. The lockout and the rate limits
    count under it, so every spelling of one account spends one budget."""
    if not isinstance(login, str):
        return ""
    if phones.looks_like_email(login):
        return normalise_email(login)
    return phones.normalise(login) or login.strip()


def login_name(user: User) -> str:
    """The name an account logs in with: its email, else its mobile number."""
    return user.email or user.mobile or ""


def find_by_login(s: Session, login) -> User | None:
    """The account an email or a mobile number names, if any."""
    key = login_key(login)
    if not key:
        return None
    column = User.email if phones.looks_like_email(key) else User.mobile
    return s.execute(select(User).where(column == key)).scalar_one_or_none()


def authenticate(s: Session, email, password) -> User:
    """Return the user whose login name (``email``: an email or a mobile number, see ``login_key``) and
    password match; raise 401 ``invalid_credentials`` otherwise, or 429 ``too_many_attempts`` while the name is
    locked (quiz.accounts.lockout). Unknown names are answered alike."""
    now = utcnow()
    email = login_key(email)
    with reading(s):  # the password hash is checked outside any transaction: on SQLite no lock is held
        user = find_by_login(s, email) if isinstance(password, str) else None
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
        raise DomainError("invalid_credentials", WRONG if phones.looks_like_email(email) else WRONG_BY_PHONE)
    if failures is not None:
        lockout.clear(s, email)
        s.commit()
    return user


def set_password(s: Session, user: User, password: str) -> None:
    """Store a new password (already checked) and log out the account's other sessions; the caller commits."""
    from quiz.accounts.session_version import bump

    user.password_hash = generate_password_hash(password)
    bump(user)
    for name in (user.email, user.mobile):
        if name:
            lockout.clear(s, name)


def change_password(s: Session, user: User, current, new, actor: Actor) -> User:
    """The logged-in user's change: the current password (a wrong one counts towards the lockout) and a new
    one under the rules; every other session of the account ends. ``invalid_fields``, ``too_many_attempts``
    while locked. ``actor``: the user, from the request's address (the audit log names both)."""
    try:
        authenticate(s, login_name(user), current)
    except DomainError as exc:
        if exc.code == "too_many_attempts":
            raise
        raise invalid({"current_password": N_("Mật khẩu hiện tại không đúng.")}) from None
    problem = password_problem(new, user.email or "", user.full_name)
    if problem:
        raise invalid({"new_password": problem})
    set_password(s, user, new)
    audit.record(s, actor, audit.ACCOUNT_PASSWORD_CHANGE, "user", audit.account_ref(user))
    s.commit()
    return user



PROFILE_FIELDS = ("unit", "locality", "locality_code", "phone")


def profile_problems(user: User, unit, locality, locality_code, phone) -> dict:
    """{field: problem} for a profile change (``phone`` None: not changed)."""
    fields = {**locality_problem(locality_code)}
    for name, value, limit in (("unit", unit, 200), ("locality", locality, 120)):
        if not isinstance(value, str) or len(value.strip()) > limit:
            fields[name] = Text(N_("Tối đa %(n)s ký tự."), n=limit)
    if phone is not None:
        if not blank(phone) and phones.normalise(phone) is None:
            fields["phone"] = phones.INVALID
        elif blank(phone) and not user.email:
            fields["phone"] = N_("Tài khoản không có email cần một số điện thoại để đăng nhập.")
    return fields


def change_profile(s: Session, user: User, unit, locality, locality_code, actor: Actor, phone=None) -> User:
    """The person's own change of unit, locality (free text, or an official ward whose full name is then
    kept as the text) and mobile number (``phone``; None: unchanged; empty: removed, for an account with an
    email). ``invalid_fields``, ``phone_taken``, changing nothing. The statistics counters of their finished
    attempts move to the new unit and place in the same transaction (quiz.contest.tallies.move_person), so
    the kept counters stay equal to a recount."""
    from quiz.contest import tallies

    fields = profile_problems(user, unit, locality, locality_code, phone)
    if fields:
        raise invalid(fields)
    number = phones.normalise(phone) if phone is not None else None
    if number and s.scalar(select(User.id).where(User.mobile == number, User.id != user.id)):
        raise phone_taken()
    new_locality, new_code = locality_of(locality, locality_code)
    before = audit.state(user, PROFILE_FIELDS)
    old_unit, old_place = user.unit, tallies.place_label(user.locality, user.locality_code)
    user.unit, user.locality, user.locality_code = unit.strip(), new_locality, new_code
    if phone is not None and (number or "") != user.phone:
        user.mobile, user.phone = number, number or ""
        user.sms_code_hash = None  # a code sent to the old number ends with it
    if before != audit.state(user, PROFILE_FIELDS):
        s.flush()  # the row's lock first: a scoring of this person waits, then counts under the new place
        tallies.move_person(s.connection(), user.id, (old_unit, old_place),
                            (user.unit, tallies.place_label(user.locality, user.locality_code)))
        after = audit.state(user, PROFILE_FIELDS)
        if user.role not in roles.STAFF:  # a participant's unit and place stay out of the append-only log
            before, after = None, {"changed": sorted(k for k in after if after[k] != before.get(k))}
        audit.record(s, actor, audit.ACCOUNT_PROFILE_CHANGE, "user", audit.account_ref(user), before=before,
                     after=after)
    commit_unique(s, user)
    return user
