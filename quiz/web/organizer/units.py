"""Organizer pages for an organization's unit directory (/organizer/units): list with paging and search (with or
without diacritics), upload (.csv/.xlsx, all or nothing), edit a unit, move a participant to another unit of a
contest. Staff of an organization work on its own directory; platform staff and admins pick one."""
from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz.accounts import users
from quiz.contest import contests, scope, units
from quiz.contest.organizations import get_organization, list_organizations
from quiz.errors import DomainError
from quiz.i18n import N_
from quiz.infra.extensions import db
from quiz.models import Organization
from quiz.web.actor import actor
from quiz.web.forms import MoveForm, UnitForm, UnitsUploadForm
from quiz.web.locale import current as current_language
from quiz.web.locale import error_message, field_errors
from quiz.web.organizer import bp


def _organization(slug: str | None) -> Organization | None:
    """The directory the page works on: the staff member's own organization, else the one ``slug`` names (None:
    none chosen yet). Another organization's: 403."""
    own = scope.organization_of(current_user)
    if own is not None:
        org = db.session.get(Organization, own)
        if slug and slug != org.slug:
            abort(403)
        return org
    return get_organization(db.session, slug) if slug else None


def _list_url(org: Organization, **kw) -> str:
    return url_for("organizer.units_list", org=org.slug, **kw)


@bp.get("/units")
def units_list():
    org = _organization(request.args.get("org"))
    if org is None:
        return render_template("organizer/units.html", org=None, organizations=list_organizations(db.session))
    q = request.args.get("q", "")[:200]
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1
    found, total = units.search_units(db.session, org.id, q, limit=units.PAGE_SIZE,
                                      offset=(page - 1) * units.PAGE_SIZE)
    pages = max(1, -(-total // units.PAGE_SIZE))
    return render_template("organizer/units.html", org=org, units=found, total=total, q=q, page=page, pages=pages,
                           upload=UnitsUploadForm(), move=MoveForm(), errors=[])


@bp.post("/units/upload")
def units_upload():
    org = _organization(request.args.get("org"))
    if org is None:
        abort(404)
    form = UnitsUploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        name = Path(form.file.data.filename or "tep").name
        try:
            rows = units.read_units(name, form.file.data.read())
        except units.UnitFileError as exc:
            errors = exc.messages(current_language())
        else:
            report = units.import_units(db.session, org, rows, actor=actor(), source=name)
            flash(_("Đã nhập %(n)s đơn vị: %(created)s đơn vị mới, %(updated)s đơn vị cập nhật, %(unchanged)s đơn "
                    "vị không đổi.", n=len(rows), created=report.created, updated=report.updated,
                    unchanged=report.unchanged), "success")
            return redirect(_list_url(org))
    else:
        errors = [e for es in form.errors.values() for e in es]
    found, total = units.search_units(db.session, org.id, "", limit=units.PAGE_SIZE)
    return render_template("organizer/units.html", org=org, units=found, total=total, q="", page=1,
                           pages=max(1, -(-total // units.PAGE_SIZE)), upload=form, move=MoveForm(),
                           errors=errors), 422


@bp.route("/units/edit/<code>", methods=["GET", "POST"])
def unit_edit(code: str):
    """Edit one unit of the directory (the staff member's organization's, or ?org=SLUG for platform staff)."""
    org = _organization(request.args.get("org"))
    if org is None:
        abort(404)
    unit = units.require_unit(db.session, org.id, code)
    form = UnitForm(obj=None if request.method == "POST" else unit)
    if request.method == "GET":
        form.locality_code.data = unit.locality_code or ""
        form.headcount.data = "" if unit.headcount is None else str(unit.headcount)
    problems = {}
    if form.validate_on_submit():
        try:
            units.edit_unit(db.session, unit, name=form.name.data, locality_code=form.locality_code.data,
                            headcount=form.headcount.data, actor=actor())
        except DomainError as exc:
            db.session.rollback()
            problems = field_errors(exc)
        else:
            flash(_("Đã lưu đơn vị %(code)s.", code=unit.code), "success")
            return redirect(_list_url(org))
    for name, message in problems.items():
        getattr(form, name).errors = [message]
    return render_template("organizer/unit_edit.html", org=org, unit=unit, form=form), 422 if problems else 200


@bp.post("/units/move")
def units_move():
    """Staff move a participant to another unit of a contest of their organization (audited), even after
    attempts: the person's counted attempts move with them."""
    org = _organization(request.args.get("org"))
    form = MoveForm()
    if org is None or not form.validate_on_submit():
        abort(400)
    try:
        contest = scope.require(current_user, contests.get_contest(db.session, (form.contest.data or "").strip()))
        if contest.organization_id != org.id:
            raise DomainError("not_found", N_("Cuộc thi này không dùng danh mục đơn vị này."))
        person = users.find_by_login(db.session, form.email.data)  # an email or a mobile number
        if person is None:
            raise DomainError("not_found", N_("Không có tài khoản với email này."))
        unit = units.move(db.session, contest, person, form.unit_code.data, actor())
    except DomainError as exc:
        db.session.rollback()
        problem = " ".join([error_message(exc), *field_errors(exc).values()])
        flash(_("Chưa chuyển được: %(problem)s", problem=problem), "error")
    else:
        flash(_("Đã chuyển %(email)s sang đơn vị %(unit)s trong cuộc thi %(contest)s.", email=users.login_name(person),
                unit=unit.name, contest=contest.title), "success")
    return redirect(_list_url(org))
