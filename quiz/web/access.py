"""Who may see a blueprint's pages: anonymous visitors go to the login page, other roles get 403."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user


def restrict(bp: Blueprint, roles: tuple[str, ...]) -> None:
    """Guard every page of ``bp`` for ``roles``."""

    @bp.before_request
    def require_role():
        if not current_user.is_authenticated:
            return redirect(url_for("account.login", next=request.full_path))
        if current_user.role not in roles:
            abort(403)
