"""Logging out every other session of an account when its password changes.

The login id that Flask-Login keeps in the session cookie and in the remember-me cookie is
"user id:session version" (User.get_id). A password change or reset raises the account's version in the
database, so every cookie made before it stops matching, on every app server.

The check reads the version from the database; the cached cookie sessions (quiz.web.sessions) only remember
what a cookie says, so they cannot keep a stale login alive. Pages and most endpoints load the user on each
request (load_user), which checks exactly. The quiz's hot API paths (answer saves) only read the id from
the session; for them a confirmed version is remembered per worker for CHECK_TTL_S, so a stale session
stops working there within that many seconds at most (at once on the server that changed the password).
"""
from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.infra.database import reading
from quiz.models import User

CHECK_TTL_S = 10.0
MAX_ENTRIES = 50000
_confirmed: dict[int, tuple[int, float]] = {}  # user id -> (version, when confirmed), per worker


def parse(login_id) -> tuple[int, int] | None:
    """(user id, version) from a login id; a bare id (a session from before versions) is version 0."""
    uid, _sep, version = str(login_id or "").partition(":")
    if not uid.isdigit() or len(uid) > 18 or (version and (not version.isdigit() or len(version) > 9)):
        return None
    return int(uid), int(version or 0)


def load_user(s: Session, login_id) -> User | None:
    """For Flask-Login's user loader: the user when the id's version is the current one, else None (logged out;
    the web layer then drops the stale login from the session, quiz.web.sessions.end_stale_session)."""
    parsed = parse(login_id)
    if parsed is None:
        return None
    user = s.get(User, parsed[0])
    if user is None or user.session_version != parsed[1]:
        return None
    _confirmed[user.id] = (user.session_version, time.monotonic())
    return user


def is_current(s: Session, uid: int, version: int) -> bool:
    """Whether (uid, version) is still a valid login; cheap on the hot path (see the module's note)."""
    hit = _confirmed.get(uid)
    now = time.monotonic()
    if hit is not None and hit[0] == version and now - hit[1] < CHECK_TTL_S:
        return True
    with reading(s):
        current = s.execute(select(User.session_version).where(User.id == uid)).scalar_one_or_none()
    if current != version:
        _confirmed.pop(uid, None)
        return False
    if len(_confirmed) >= MAX_ENTRIES:
        _confirmed.clear()
    _confirmed[uid] = (version, now)
    return True


def bump(user: User) -> None:
    """Invalidate every session of ``user`` (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1
    _confirmed.pop(user.id, None)

