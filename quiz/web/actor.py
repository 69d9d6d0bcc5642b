"""Who acts and from where, as the domain's operations want it (quiz.infra.audit.Actor), built from the request."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from quiz.infra.audit import Actor


def client_ip() -> str | None:
    """The request's client address (``remote_addr``, which ProxyFix corrects behind a trusted proxy)."""
    return (request.remote_addr or "")[:45] or None if has_request_context() else None


def actor(user=None) -> Actor:
    """``user`` (default: the logged-in user of the current request) acting from the request's address."""
    user = user if user is not None else current_user
    return Actor(user.id, user.email, client_ip())
