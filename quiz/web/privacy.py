"""Personal data pages: the privacy notice (/privacy), consent for accounts made without it, and deletion on
request (/me/delete). The rules live in quiz.accounts.privacy. Vietnamese."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from quiz.accounts import privacy
from quiz.errors import DomainError
from quiz.infra import limits
from quiz.infra.extensions import db
from quiz.web.actor import actor
from quiz.web.forms import ConsentForm, DeleteAccountForm
from quiz.web.locale import error_message, field_errors, text

bp = Blueprint("privacy", __name__)


@bp.app_context_processor
def _notice_version() -> dict:
    return {"notice_version": privacy.NOTICE_VERSION}


@bp.get("/privacy")
def notice():
    return render_template("privacy/notice.html", contact=text(current_app.config["PRIVACY_CONTACT"]))


def safe_next(default: str) -> str:
    from quiz.web.account import _safe_next

    return _safe_next(default)


@bp.route("/privacy/consent", methods=["GET", "POST"])
@login_required
def consent():
    """People whose account was made for them (a results import, the command line) agree here first."""
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            privacy.give_consent(db.session, current_user._get_current_object(), form.consent.data is True)
        except DomainError as exc:
            form.consent.errors = [error_message(exc)]
        else:
            flash(_("Cảm ơn bạn. Bạn đã có thể dự thi."), "success")
            return redirect(safe_next(url_for("pages.index")))
    return render_template("privacy/consent.html", form=form), 422 if form.errors else 200


@bp.route("/me/delete", methods=["GET", "POST"])
@limits.password_check
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            privacy.erase_on_request(db.session, user, form.password.data, actor(user))
        except DomainError as exc:
            db.session.rollback()
            form.password.errors = [field_errors(exc).get("password") or error_message(exc)]
        else:
            logout_user()
            flash(_("Tài khoản và dữ liệu cá nhân của bạn đã được xoá. Cảm ơn bạn đã tham gia."), "success")
            return redirect(url_for("pages.index"))
    return render_template("privacy/delete.html", form=form), 422 if form.errors else 200
