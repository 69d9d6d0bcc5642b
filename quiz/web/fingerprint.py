"""Where a request came from, as the suspicious-pattern report needs it: the client's address and a
device mark.

The mark is a keyed hash (HMAC with the app's secret key) of the User-Agent and Accept-Language headers:
equal browsers give equal marks, but the raw header is never stored, and without the key nobody can
match a stored mark against a list of common browsers.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def device_mark(user_agent: str, accept_language: str, key: str) -> str | None:
    """16 hex characters identifying the browser (None when the request named none)."""
    if not user_agent and not accept_language:
        return None
    message = f"{user_agent[:512]}\n{accept_language[:200]}".encode("utf-8", "replace")
    return hmac.new(("device:" + key).encode(), message, hashlib.sha256).hexdigest()[:16]


def client_marks() -> tuple[str | None, str | None]:
    """(address, device mark) of the current request. The address is ``remote_addr``, which ProxyFix
    rewrites when the operator trusts a proxy (quiz.infra.headers)."""
    ip = (request.remote_addr or "")[:45] or None
    return ip, device_mark(request.headers.get("User-Agent", ""), request.headers.get("Accept-Language", ""),
                           current_app.config["SECRET_KEY"])
