"""Settings read from the environment, so one image runs anywhere."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from quiz.i18n import N_


def _instance_secret(instance: Path) -> str:
    """Return a secret key kept in instance/ so sessions survive restarts of a one-machine install."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


# Rate limits (quiz.infra.limits), in Flask-Limiter's notation; several joined with ";".
# Per address they are generous: an alliance office or a mobile carrier's NAT puts
# many honest people behind one address. Per account they are tight.
RATE_LIMITS = {
    "RATELIMIT_LOGIN_PER_IP": "60 per minute",
    "RATELIMIT_LOGIN_PER_ACCOUNT": "10 per minute",
    # Every registration request, then the accounts created (a hall of 60 signs up in a minute; a script
    # making accounts by the thousand from one address is stopped at 100 an hour, 300 a day).
    "RATELIMIT_REGISTER_PER_IP": "120 per minute",
    "RATELIMIT_REGISTER_ACCOUNTS_PER_IP": "100 per hour;300 per day",
    "RATELIMIT_RESET_PER_IP": "20 per minute;200 per hour",
    # Reset requests naming one email or mobile number (each may cost an SMS), and reset codes tried on one
    # number (a code has a million values and 5 tries; this bounds the guesses across codes).
    "RATELIMIT_RESET_PER_ACCOUNT": "5 per 10 minutes;20 per day",
    "RATELIMIT_RESET_CODE_PER_NUMBER": "10 per hour",
    "RATELIMIT_START_PER_USER": "10 per minute",
    "RATELIMIT_SAVE_PER_ATTEMPT": "120 per minute",
    "RATELIMIT_REPORT_PER_USER": "10 per minute;50 per day",
}


def rate_limits() -> dict:
    """Our limits and Flask-Limiter's settings (the storage is REDIS_URL, see quiz.infra.limits)."""
    config = {name: os.environ.get(name) or default for name, default in RATE_LIMITS.items()}
    config.update({
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "quiz"),
        "RATELIMIT_STRATEGY": os.environ.get("RATELIMIT_STRATEGY", "fixed-window"),
    })
    return config


def from_env(instance: Path) -> dict:
    """Build the Flask config from environment variables."""
    instance.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'quiz.db'}"
    starttls = _flag("SMTP_STARTTLS", False)
    if url.startswith("postgres://"):  # the scheme Heroku-style URLs use
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # SQLite's PRAGMA synchronous: FULL (default, every commit on disk), NORMAL (faster, a power cut may
        # lose the last commits) or EXTRA; anything else stops the app at start (quiz.infra.database).
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "FULL"),
        # How long a request waits for SQLite's write lock before answering 503 (seconds).
        "SQLITE_BUSY_TIMEOUT_S": float(os.environ.get("SQLITE_BUSY_TIMEOUT_S", "30")),
        # How long a request waits to connect to PostgreSQL before answering 503 (seconds).
        "DATABASE_CONNECT_TIMEOUT_S": int(os.environ.get("DATABASE_CONNECT_TIMEOUT_S", "5")),
        # GET /metrics answers only with "Authorization: Bearer <this>"; unset: /metrics is 404.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        # Seconds after the deadline an answer is still accepted (network latency).
        "ANSWER_GRACE_S": min(5.0, float(os.environ.get("ANSWER_GRACE_S", "5"))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Always Secure when true; otherwise cookies set over HTTPS are made Secure (quiz.infra.headers).
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How many proxies in front set X-Forwarded-For / X-Forwarded-Proto (0: trust neither).
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", "0")),
        "PROXY_FIX_X_PROTO": int(os.environ.get("PROXY_FIX_X_PROTO", "0")),
        **rate_limits(),
        # The statistics report is recomputed at most this often (seconds; 0: every time).
        "STATS_MAX_AGE_S": float(os.environ.get("STATS_MAX_AGE_S", "10")),
        "DASHBOARD_REFRESH_S": max(1, int(os.environ.get("DASHBOARD_REFRESH_S", "15"))),
        # Thresholds of the suspicious-pattern report (SUSPICIOUS_WINDOW_S, ...;
        # defaults in quiz.contest.suspicious.Rules).
        **{name: value for name, value in os.environ.items() if name.startswith("SUSPICIOUS_")},
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,  # uploads (question files) up to 10 MB
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh"),
        # Mail (password reset links). Without SMTP_HOST the link goes to the app log instead.
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT") or (587 if starttls else 25)),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": os.environ.get("SMTP_FROM") or "no-reply@localhost",
        "SMTP_STARTTLS": starttls,
        # The site's address as people reach it, for links in mail; unset: the address of the request
        # (then a forged Host header could point a reset link elsewhere, so set it in production).
        "PUBLIC_URL": (os.environ.get("PUBLIC_URL") or "").rstrip("/") or None,
        # Who issues certificates when a contest has no organization of its own ("Ban tổ chức cuộc thi" unset).
        "PLATFORM_NAME": os.environ.get("PLATFORM_NAME") or None,
        "PASSWORD_RESET_MAX_AGE_S": int(os.environ.get("PASSWORD_RESET_MAX_AGE_S", "3600")),
        # SMS (password reset codes for accounts by phone, quiz.infra.sms): the gateway's address (POST JSON
        # {"to", "message"}), its Bearer token, its timeout. Without SMS_GATEWAY_URL the SMS goes to the app log.
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL") or None,
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN") or None,
        "SMS_GATEWAY_TIMEOUT_S": float(os.environ.get("SMS_GATEWAY_TIMEOUT_S") or 10),
        # Whom people ask about their personal data (shown on /privacy): the organizer's office, an address.
        "PRIVACY_CONTACT": os.environ.get("PRIVACY_CONTACT") or N_("Ban tổ chức cuộc thi (địa chỉ liên hệ ghi trong "
                                                                  "thể lệ cuộc thi)"),
    }
