"""Organizer pages for question reports (/organizer/reports): the queue of what participants reported, open or
resolved, and resolving one with a note (quiz.contest.reports). Staff of an organization see their own
contests' reports only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz.contest import reports
from quiz.errors import DomainError
from quiz.infra.extensions import db
from quiz.web.actor import actor
from quiz.web.forms import ActionForm
from quiz.web.organizer import bp


def _status() -> str:
    status = request.args.get("status", "open")
    return status if status in reports.STATUSES else "open"


@bp.get("/reports")
def reports_list():
    status = _status()
    rows = reports.list_reports(db.session, current_user, status)
    return render_template("organizer/reports.html", rows=rows, status=status, action_form=ActionForm(),
                           note_max=reports.NOTE_MAX)


@bp.post("/reports/<int:report_id>/resolve")
def report_resolve(report_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        reports.resolve_report(db.session, report_id, request.form.get("note", ""), current_user, actor())
    except DomainError as exc:
        if exc.code not in ("invalid_fields", "report_resolved"):
            raise
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("Đã xử lý báo lỗi #%(id)s.", id=report_id), "success")
    return redirect(_back())


def _back() -> str:
    """Where the form was (the queue or a question's edit page): only a page of /organizer, never elsewhere."""
    target = request.form.get("next", "")
    return target if target.startswith("/organizer/") and "\\" not in target else url_for("organizer.reports_list")
