"""Organizer page of a contest's accommodations: extra time and attempts per person (quiz.contest.accommodations).
List, add, change (the same form, prefilled) and remove (0 and 0), within the staff member's organization."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from quiz.contest.accommodations import accommodations as listed
from quiz.contest.accommodations import set_accommodation
from quiz.errors import DomainError
from quiz.infra.extensions import db
from quiz.web.access import managed_contest
from quiz.web.actor import actor
from quiz.web.forms import AccommodationForm
from quiz.web.organizer import bp


@bp.route("/contests/<slug>/accommodations", methods=["GET", "POST"])
def accommodations(slug: str):
    contest = managed_contest(slug)
    rows = listed(db.session, contest)
    form = AccommodationForm()
    if form.validate_on_submit():
        try:
            row = set_accommodation(db.session, contest, form.email.data, (form.extra_time_min.data or 0) * 60,
                                    form.extra_attempts.data or 0, actor())
        except DomainError as exc:
            db.session.rollback()
            for name, message in (exc.fields or {}).items():
                field = form._fields.get({"extra_time_s": "extra_time_min"}.get(name, name))
                if field is not None:
                    field.errors = [*field.errors, message]
            flash(exc.message, "error")
        else:
            flash(_("Đã lưu hỗ trợ cho %(email)s.", email=form.email.data) if row is not None
                  else _("Đã bỏ hỗ trợ của %(email)s.", email=form.email.data), "success")
            return redirect(url_for("organizer.accommodations", slug=slug))
    elif not form.is_submitted() and request.args.get("email"):
        _prefill(form, rows, request.args["email"])
    return render_template("organizer/accommodations.html", contest=contest, rows=rows,
                           form=form), 422 if form.is_submitted() else 200


def _prefill(form: AccommodationForm, rows: list, email: str) -> None:
    """The form filled with one person's current accommodation, to change it."""
    for row in rows:
        if row.email == email.strip().lower():
            form.email.data = row.email
            form.extra_time_min.data = row.extra_time_s // 60
            form.extra_attempts.data = row.extra_attempts
