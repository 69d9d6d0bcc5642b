"""Outgoing mail through the SMTP server of the SMTP_* settings (without SMTP_HOST: into the app log).

Mail goes out on a small pool of background threads, so a request never waits for the mail server and
its answer time does not tell whether a message was sent (see quiz.accounts.reset).
"""
from __future__ import annotations

import smtplib
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask

MAX_PENDING = 200  # more queued jobs than this and new ones are dropped (logged): a flood must not eat memory
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
_pending = 0
_lock = threading.Lock()


def send(config, to: str, subject: str, body: str, logger) -> None:
    """Send one plain-text message now (raises on SMTP errors); without SMTP_HOST, log it as a warning."""
    if not config.get("SMTP_HOST"):
        logger.warning("SMTP_HOST is not set, so this mail was not sent. To: %s\nSubject: %s\n\n%s", to, subject, body)
        return
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = config["SMTP_FROM"], to, subject
    msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid()
    msg.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(msg)


def later(app: Flask, job, *args) -> None:
    """Run ``job(*args)`` in ``app``'s context on a background thread; errors are logged, never raised."""
    global _pending
    with _lock:
        if _pending >= MAX_PENDING:
            app.logger.error("mail queue full (%d jobs): a job was dropped", _pending)
            return
        _pending += 1
    _pool.submit(_run, app, job, args)


def _run(app: Flask, job, args) -> None:
    global _pending
    try:
        with app.app_context():
            try:
                job(*args)
            except Exception:
                app.logger.exception("background mail job failed")
            finally:
                from quiz.infra.extensions import db

                db.session.remove()
    finally:
        with _lock:
            _pending -= 1


def idle() -> bool:
    """No job queued or running (tests wait for this)."""
    return _pending == 0
