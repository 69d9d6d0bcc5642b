"""A real SMTP server for tests (aiosmtpd on a loopback port), with the messages it received."""
from __future__ import annotations

import re
import time
from email import message_from_bytes, policy

import pytest

from tests.helpers import free_port

USER, PASSWORD = "guithu", "mat-khau-smtp"


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "from": envelope.mail_from, "message": message,
                              "body": message.get_content(), "login": session.authenticated,
                              "tls": session.ssl is not None})
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} mail(s) arrived, expected {count}"
        return self.messages


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())


def start(tls_context=None):
    """(controller, mailbox, port): plain SMTP with AUTH, or STARTTLS required when given a context."""
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    options = {"authenticator": _authenticator, "auth_require_tls": tls_context is not None}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    controller = Controller(box, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, box, port


@pytest.fixture
def mailbox():
    controller, box, port = start()
    box.port = port
    box.config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD,
                  "SMTP_FROM": "Ban tổ chức <btc@example.vn>", "SMTP_STARTTLS": False}
    yield box
    wait_idle()  # no mail job of this test may outlive it (the next test empties the database)
    controller.stop()


def reset_path(body: str) -> str:
    """The /reset-password/... path of the link in a mail."""
    return re.search(r"https?://[^/\s]+(/reset-password/\S+)", body).group(1)


def wait_idle(timeout: float = 20.0) -> None:
    """Until no background mail job is queued or running."""
    from quiz.infra import mail

    deadline = time.monotonic() + timeout
    while not mail.idle() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mail.idle()
