"""CSRF for the JSON API: the X-CSRFToken header must carry the session's Flask-WTF token.

Same tokens and rules as Flask-WTF (tokens from ``generate_csrf``, no time
limit), but the signature check of a token is remembered per worker: answer
saves at the deadline rush send the same token hundreds of times.
"""
from __future__ import annotations

import hmac
from functools import lru_cache

from flask import current_app, request, session
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


@lru_cache(maxsize=8192)
def _unsign(secret: str, salt: str, token: str) -> str | None:
    try:
        return URLSafeTimedSerializer(secret, salt=salt).loads(token)
    except BadData:
        return None


def check_csrf() -> None:
    """Refuse an unsafe request whose header token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token") or ""
    raw = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not token or len(token) > 512:
        raise CSRFError("The CSRF token is missing.")
    value = _unsign(current_app.secret_key, "wtf-csrf-token", token) if raw else None
    if not isinstance(value, str) or not hmac.compare_digest(raw, value):
        raise CSRFError("The CSRF token is invalid.")
