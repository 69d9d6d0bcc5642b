"""A visitor's display settings: the larger-text setting of every page (base.html's "Cỡ chữ lớn").

It is kept in a long-lived cookie, not on the account: it works the same before login, and the server reads it
on every page to put ``class="large-text"`` on <html>, so a page never flashes small first. Without JavaScript
the button posts here and comes back; with it, static/textsize.js toggles the class and the cookie at once.
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

bp = Blueprint("preferences", __name__)

COOKIE = "text_size"
LARGE = "large"
MAX_AGE_S = 365 * 24 * 3600


@bp.app_context_processor
def text_size() -> dict:
    """For base.html: whether to show larger text (the class on <html>, set before the page is drawn)."""
    return {"large_text": request.cookies.get(COOKIE) == LARGE,
            "text_size_cookie": COOKIE, "text_size_max_age": MAX_AGE_S}


@bp.post("/settings/text-size")
def set_text_size():
    """``large=1`` turns larger text on, anything else off; back to ``next`` (a path of this site) or home."""
    from quiz.web.account import _safe_next

    response = redirect(_safe_next(url_for("pages.index")), 303)
    if request.form.get("large") == "1":
        response.set_cookie(COOKIE, LARGE, max_age=MAX_AGE_S, samesite="Lax")
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
