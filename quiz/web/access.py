"""Who may see a blueprint's pages (one group of the role policy, quiz.roles): anonymous visitors go to the
login page, other roles get 403. The templates read the same policy as ``roles``."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, abort, redirect, request, url_for
from flask_login import current_user

from quiz import roles

# What may stay as it is in a path segment (RFC 3986 pchar); everything else is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def here() -> str:
    """This request's path and query as the browser sent them (percent-encoded): a ``next`` that leads back
    to the same page, even when the path holds ``?``, ``#``, ``&`` or Vietnamese letters."""
    path = quote(request.script_root + request.path, safe=_PATH_SAFE)
    query = quote(request.query_string, safe=_PATH_SAFE + "?%")  # already encoded: kept, raw bytes encoded
    return f"{path}?{query}" if query else path


def login_redirect():
    """To the login page, coming back here afterwards."""
    return redirect(url_for("account.login", next=here()))


def restrict(bp: Blueprint, group: tuple[str, ...]) -> None:
    """Guard every page of ``bp`` for the roles of ``group`` (one of quiz.roles' groups)."""
    @bp.before_request
    def require_role():
        if not current_user.is_authenticated:
            return login_redirect()
        if current_user.role not in group:
            abort(403)


def managed_contest(slug: str):
    """The contest of ``slug`` for a staff page: 404 when there is none, 403 when it belongs to another
    organization than the logged-in staff member's (quiz.contest.scope, the one rule). A plain 403 page, as
    for the wrong role, on a form's POST too (a refused DomainError there would flash and go back)."""
    from quiz.contest import contests, scope
    from quiz.infra.extensions import db

    contest = contests.get_contest(db.session, slug)
    if not scope.can_manage(current_user, contest):
        abort(403)
    return contest


def init_app(app: Flask) -> None:
    """Give every template the role policy: ``{% if current_user.role in roles.STAFF %}``."""

    @app.context_processor
    def role_policy():
        return {"roles": roles}
