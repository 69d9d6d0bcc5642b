"""Rate limits (Flask-Limiter): per address where nothing better is known, per account where it is.

The limits are declared where the views are, with the decorators at the end of this module::

    @bp.post("/auth/login")
    @limits.login
    def login(): ...

A decorator only marks the view (``view.rate_limits``); ``init_app`` makes the marks real for each app.
One Limiter per app: Flask-Limiter keeps its storage and settings on the Limiter object, so a module-level
one would be re-pointed by every ``create_app()`` (tests make several apps in one process).
tests/test_limits_declared.py fails when a POST route that logs in, registers or sends mail has none.

Counters live in Redis when REDIS_URL is set, so they hold across processes and servers; otherwise in each
process's memory. If Redis goes away the limits fall back to memory instead of failing requests: an answer
save must never be lost to the rate limiter's storage.

Two kinds of rule are not plain Flask-Limiter counts:

- ``per_process``: counted in this process's memory whatever the storage (``ProcessWindows``): no round
  trip to Redis and none of Flask-Limiter's per-request work. The answer save uses it: it is the hot path
  (a contest's every click), and a shared count buys nothing there. The save limit's key is one person's
  one attempt, so with N processes a script gets at most N times the limit, and what it gets is upserts of
  its own answers (idempotent, one row per question): the limit bounds a runaway client's cost, it guards
  no secret and no budget shared between people. Logins and registrations stay shared (Redis): there the
  count across servers is the point (tests/test_multi_server.py).
- ``only_created``: the registration cap per address counts accounts actually created (201, or the page's
  redirect after success), so a hall whose people mistype their forms does not spend it; every attempt is
  still counted by the per-minute rule beside it.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user
from limits import parse_many

from quiz.accounts import users
from quiz.accounts.lockout import key_for as email_key
from quiz.accounts.session_version import parse as parse_login_id

# A storage that does not answer costs a request at most this long before the memory fallback.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


# Key functions: they run on untrusted input, so they only ever return a string.

def client_ip() -> str:
    """The client's address (the proxy's X-Forwarded-For when PROXY_FIX_X_FOR says to trust it)."""
    return request.remote_addr or "unknown"


def _email(email) -> str:
    if not isinstance(email, str) or not email.strip():
        return "ip:" + client_ip()
    return "email:" + email_key(email[:320])[:32]


def _named(*fields: str):
    """The first of ``fields`` given in the JSON body (API) or the form (pages), or None."""
    try:
        source = request.get_json(silent=True) if request.path.startswith("/api/") else request.form
        for name in fields if hasattr(source, "get") else ():
            if isinstance(source.get(name), str) and source.get(name).strip():
                return source.get(name)
    except Exception:  # an unreadable body: the view itself answers it
        pass
    return None


def login_account() -> str:
    """The account a login or a reset names: its email or mobile number (the JSON body's "email" or "phone",
    the form's "email" field, which takes either), normalised so every spelling of a number counts together,
    and hashed (no emails or numbers in Redis)."""
    return _email(users.login_key(_named("email", "phone")) or None)


def own_account() -> str:
    """The logged-in person's account, counted like a login naming its email (a password check is one)."""
    return _email(users.login_name(current_user) if current_user.is_authenticated else None)


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


@dataclass(frozen=True)
class Rule:
    """One limit on a view: the setting holding it ("10 per minute"), whose budget a request spends, the
    scope of its counters (views declaring the same scope count together, e.g. the login page and the API's
    login) and the method it limits (a page's GET is never limited). ``per_process`` and ``only_created``:
    see the module's docstring."""

    setting: str
    key: Callable[[], str]
    scope: str
    method: str = "POST"
    per_process: bool = False
    only_created: bool = False


def created(response) -> bool:
    """Whether a registration made an account: 201 from the API, the page's redirect after success."""
    return response.status_code in (201, 302)


class ProcessLimitExceeded(RateLimitExceeded):
    """A per-process limit refused the request; answered like every 429 (quiz.web.errorpages)."""

    def __init__(self, retry_after: int):
        super(RateLimitExceeded, self).__init__(description="rate limited")
        self.limit = None
        self.retry_after = retry_after


class ProcessWindows:
    """Fixed windows counted in this process's memory, for ``per_process`` rules: one lock, one dict lookup
    per limit. Each window's counts are dropped as the next window begins, so memory holds only the keys
    seen in the current window."""

    def __init__(self, spec: str):
        self.limits = [(item.amount, item.get_expiry()) for item in parse_many(spec)]
        self._windows = [(None, {}) for _ in self.limits]
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> int:
        """Count a request; 0 when every limit lets it through, else whole seconds until they would."""
        wait = 0
        with self._lock:
            for i, (amount, seconds) in enumerate(self.limits):
                index = int(now // seconds)
                current, counts = self._windows[i]
                if current != index:
                    counts = {}
                    self._windows[i] = (index, counts)
                counts[key] = count = counts.get(key, 0) + 1
                if count > amount:
                    wait = max(wait, math.ceil((index + 1) * seconds - now), 1)
        return wait


def _per_process(rule: Rule, windows: ProcessWindows, view: Callable) -> Callable:
    @functools.wraps(view)
    def limited(*args, **kwargs):
        if request.method == rule.method:
            wait = windows.hit(rule.key(), time.time())
            if wait:
                raise ProcessLimitExceeded(wait)
        return view(*args, **kwargs)

    return limited


def declare(*rules: Rule) -> Callable:
    """A decorator putting ``rules`` on a view, beside any it already has."""

    def decorate(view):
        view.rate_limits = (*getattr(view, "rate_limits", ()), *rules)
        return view

    return decorate


# What the views declare. A page and its API endpoint use the same decorator, so they share the budget.
login = declare(Rule("RATELIMIT_LOGIN_PER_IP", client_ip, "login-ip"),
                Rule("RATELIMIT_LOGIN_PER_ACCOUNT", login_account, "login-account"))
# The current password is checked like a login: the account's login budget, wherever the guesses come from.
password_check = declare(Rule("RATELIMIT_LOGIN_PER_ACCOUNT", own_account, "login-account"))
# Every registration request from one address (a hall retyping its forms included), and beside it a cap on
# the accounts one address creates in an hour and a day: a hall of 60 gets in, a script making 1,000 does not.
register = declare(Rule("RATELIMIT_REGISTER_PER_IP", client_ip, "register-ip"),
                   Rule("RATELIMIT_REGISTER_ACCOUNTS_PER_IP", client_ip, "register-accounts-ip", only_created=True))
# Each request may send a mail or an SMS; one account gets at most one a minute anyway (quiz.accounts.reset,
# quiz.accounts.sms_reset), and a few per email or number over ten minutes and a day.
password_reset = declare(Rule("RATELIMIT_RESET_PER_IP", client_ip, "reset-ip"),
                         Rule("RATELIMIT_RESET_PER_ACCOUNT", login_account, "reset-account"))
# Codes tried: per address like logins, and per number whoever tries.
reset_code = declare(Rule("RATELIMIT_LOGIN_PER_IP", client_ip, "reset-code-ip"),
                     Rule("RATELIMIT_RESET_CODE_PER_NUMBER", login_account, "reset-code-number"))
start = declare(Rule("RATELIMIT_START_PER_USER", person, "start"))
# Question reports (quiz.contest.reports) land in the organizers' queue: one person cannot flood it.
question_report = declare(Rule("RATELIMIT_REPORT_PER_USER", person, "question-report"))
# Per process: the hot path, where a shared count buys nothing (see the module's docstring).
answer_save = declare(Rule("RATELIMIT_SAVE_PER_ATTEMPT", attempt, "save", "PUT", per_process=True))


def init_app(app: Flask) -> None:
    """Make this app's limiter and wrap the views that declare limits (after the blueprints are registered)."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    limiter = Limiter(key_func=client_ip, storage_uri=storage,
                      storage_options=REDIS_OPTIONS if storage.startswith(("redis", "rediss")) else {},
                      in_memory_fallback_enabled=True, headers_enabled=False)
    limiter.init_app(app)
    app.extensions["quiz_limiter"] = limiter
    # Flask-Limiter's before-request hook checks default and application-wide limits, and there are none
    # here: each declared limit is checked by its view's own wrapper. Without the hook, requests that
    # declare no shared limit (the answer save above all) skip its work (about 0.1 ms each).
    app.before_request_funcs[None] = [hook for hook in app.before_request_funcs.get(None, [])
                                      if hook != limiter._check_request_limit]
    if not limiter.enabled:
        return
    windows: dict[str, ProcessWindows] = {}  # per scope, so views declaring one scope count together
    for endpoint, view in list(app.view_functions.items()):
        wrapped = view
        for rule in getattr(view, "rate_limits", ()):
            if rule.per_process:
                scope = windows.setdefault(rule.scope, ProcessWindows(app.config[rule.setting]))
                wrapped = _per_process(rule, scope, wrapped)
            else:
                wrapped = limiter.shared_limit(app.config[rule.setting], scope=rule.scope, key_func=rule.key,
                                               methods=[rule.method],
                                               deduct_when=created if rule.only_created else None)(wrapped)
        app.view_functions[endpoint] = wrapped


def retry_after_s(exc) -> int:
    """Whole seconds until the breached limit lets a request through again (at least 1)."""
    if isinstance(exc, ProcessLimitExceeded):
        return exc.retry_after
    try:
        limit = current_app.extensions["quiz_limiter"].current_limit
        if limit is not None:
            return max(1, math.ceil(limit.window[0] - time.time()))
        return max(1, int(exc.limit.limit.get_expiry()))
    except Exception:  # the storage is gone: a sensible guess rather than an error on an error
        return 60
