"""Rate limits (Flask-Limiter): per address where nothing better is known, per account where it is.

One Limiter per app, made in ``init_app``: Flask-Limiter keeps its storage and
settings on the Limiter object, so a module-level one would be re-pointed by
every ``create_app()`` (tests make several apps in one process). The limits
are attached to the view functions of this app only, by endpoint name.

Counters live in Redis when REDIS_URL is set, so they hold across processes
and servers; otherwise in each process's memory. If Redis goes away the
limits fall back to memory instead of failing requests: an answer save must
never be lost to the rate limiter's storage.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, request, session
from flask_limiter import Limiter

from quiz.accounts.lockout import key_for as email_key
from quiz.accounts.session_version import parse as parse_login_id

# endpoint -> [(config key of the limit, key function name, shared scope, limited methods)]
# A scope shared by the API and the page counts both ways in together.
RULES = {
    "api.login": [("RATELIMIT_LOGIN_PER_IP", "client_ip", "login-ip", "POST"),
                  ("RATELIMIT_LOGIN_PER_ACCOUNT", "login_account", "login-account", "POST")],
    "account.login": [("RATELIMIT_LOGIN_PER_IP", "client_ip", "login-ip", "POST"),
                    ("RATELIMIT_LOGIN_PER_ACCOUNT", "login_account", "login-account", "POST")],
    "api.register": [("RATELIMIT_REGISTER_PER_IP", "client_ip", "register-ip", "POST")],
    "account.register": [("RATELIMIT_REGISTER_PER_IP", "client_ip", "register-ip", "POST")],
    "api.start_attempt": [("RATELIMIT_START_PER_USER", "person", "start", "POST")],
    "pages.start": [("RATELIMIT_START_PER_USER", "person", "start", "POST")],
    "api.save_answer": [("RATELIMIT_SAVE_PER_ATTEMPT", "attempt", "save", "PUT")],
}

# A storage that does not answer costs a request at most this long before the memory fallback.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


# Key functions: they run on untrusted input, so they only ever return a string.

def client_ip() -> str:
    """The client's address (the proxy's X-Forwarded-For when PROXY_FIX_X_FOR says to trust it)."""
    return request.remote_addr or "unknown"


def login_account() -> str:
    """The account a login names: the email of the JSON body or the form, hashed (no emails in Redis)."""
    try:
        if request.path.startswith("/api/"):
            body = request.get_json(silent=True)
            email = body.get("email") if isinstance(body, dict) else None
        else:
            email = request.form.get("email")
    except Exception:  # an unreadable body: the login itself answers it
        email = None
    if not isinstance(email, str) or not email.strip():
        return "ip:" + client_ip()
    return "email:" + email_key(email[:320])[:32]


def _user_id() -> str | None:
    """The person's id from the session's login id ("id:version", see quiz.accounts.session_version)."""
    parsed = parse_login_id(session.get("_user_id"))
    return str(parsed[0]) if parsed else None


def person() -> str:
    """The logged-in person (the address when nobody is: such a request is refused anyway)."""
    uid = _user_id()
    return "user:" + uid if uid else "ip:" + client_ip()


def attempt() -> str:
    """The attempt and its owner: a person hammering other people's attempt ids spends only their own budget."""
    raw = str((request.view_args or {}).get("attempt_id", ""))[:20]
    return f"{person()}:attempt:{raw}"


KEY_FUNCTIONS = {"client_ip": client_ip, "login_account": login_account, "person": person, "attempt": attempt}


def init_app(app: Flask) -> None:
    """Make this app's limiter and wrap the limited views (after the blueprints are registered)."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    limiter = Limiter(key_func=client_ip, storage_uri=storage,
                      storage_options=REDIS_OPTIONS if storage.startswith(("redis", "rediss")) else {},
                      in_memory_fallback_enabled=True, headers_enabled=False)
    limiter.init_app(app)
    app.extensions["quiz_limiter"] = limiter
    if not limiter.enabled:
        return
    for endpoint, rules in RULES.items():
        view = app.view_functions[endpoint]
        for config_key, key_name, scope, method in rules:
            view = limiter.shared_limit(app.config[config_key], scope=scope, key_func=KEY_FUNCTIONS[key_name],
                                        methods=[method])(view)
        app.view_functions[endpoint] = view


def retry_after_s(exc) -> int:
    """Whole seconds until the breached limit lets a request through again (at least 1)."""
    try:
        limit = current_app.extensions["quiz_limiter"].current_limit
        if limit is not None:
            return max(1, math.ceil(limit.window[0] - time.time()))
        return max(1, int(exc.limit.limit.get_expiry()))
    except Exception:  # the storage is gone: a sensible guess rather than an error on an error
        return 60
