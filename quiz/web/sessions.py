"""Signed-cookie sessions whose decoding is remembered per worker.

A participant's phone sends the same session cookie with every answer save;
checking its signature and parsing it again each time is most of a save's
Python work. The cache key is the whole signed cookie, so a changed or forged
cookie is never served from it, and an entry is trusted for an hour at most.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from threading import Lock

from flask import has_request_context, session
from flask.sessions import SecureCookieSessionInterface

_SCALARS = (str, int, float, bool, type(None))
MAX_ENTRIES = 20000
MAX_AGE_S = 3600


class CachedCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._cache: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()
        self._lock = Lock()

    def open_session(self, app, request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return super().open_session(app, request)
        key = (app.secret_key, cookie)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < MAX_AGE_S:
                self._cache.move_to_end(key)
                return self.session_class(hit[1])
        session = super().open_session(app, request)
        # Only flat sessions are cached: a copy of them shares nothing mutable.
        if session is not None and not session.new and all(isinstance(v, _SCALARS) for v in session.values()):
            with self._lock:
                self._cache[key] = (now, dict(session))
                if len(self._cache) > MAX_ENTRIES:
                    self._cache.popitem(last=False)
        return session


def end_stale_session() -> None:
    """Drop a stale login (quiz.accounts.session_version) from the session and its remember-me cookie."""
    if has_request_context():
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        session["_remember"] = "clear"  # Flask-Login deletes the remember-me cookie with the response
