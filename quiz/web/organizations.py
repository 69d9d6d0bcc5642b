"""The organizations page (/admin/organizations): admins list, create and edit the organizations that run
contests (name, contact, logo; the slug is fixed once made). The rules are quiz.contest.organizations', the same
as ``flask orgs create``'s; who may is quiz.roles.MANAGE_ORGANIZATIONS."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from quiz import roles
from quiz.contest import organizations
from quiz.errors import DomainError
from quiz.infra.database import reading
from quiz.infra.extensions import db
from quiz.web.access import restrict
from quiz.web.actor import actor
from quiz.web.forms import OrganizationForm

bp = Blueprint("organizations", __name__, url_prefix="/admin/organizations")

restrict(bp, roles.MANAGE_ORGANIZATIONS)


def _logo(form: OrganizationForm) -> bytes | None:
    """The uploaded logo's bytes (None when no file was chosen); one byte past the limit is enough to refuse it."""
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.read(organizations.LOGO_MAX_BYTES + 1)


def _show(form: OrganizationForm, org, problems: dict | None = None):
    """The form as first shown (200), or again after a refused POST with every field's error (422)."""
    for name, message in (problems or {}).items():
        getattr(form, name).errors = [message]
    return render_template("admin/organization_form.html", form=form, org=org), \
        422 if request.method == "POST" else 200


@bp.get("/")
def organizations_list():
    with reading(db.session):
        found = organizations.list_organizations(db.session)
    return render_template("admin/organizations.html", organizations=found)


@bp.route("/new", methods=["GET", "POST"])
def organization_new():
    form = OrganizationForm()
    if not form.validate_on_submit():
        return _show(form, None)
    try:
        org = organizations.create_organization(db.session, slug=form.slug.data, name=form.name.data,
                                                 contact=form.contact.data, logo=_logo(form), actor=actor())
    except DomainError as exc:
        db.session.rollback()
        return _show(form, None, exc.fields or {"slug": exc.message})
    flash(_("Đã tạo tổ chức %(name)s.", name=org.name), "success")
    return redirect(url_for("organizations.organizations_list"))


@bp.route("/<org_slug>/edit", methods=["GET", "POST"])
def organization_edit(org_slug: str):
    org = organizations.get_organization(db.session, org_slug)
    form = OrganizationForm(data={"slug": org.slug, "name": org.name, "contact": org.contact})
    if not form.validate_on_submit():
        return _show(form, org)
    try:
        organizations.edit_organization(db.session, org, name=form.name.data, contact=form.contact.data,
                                        logo=_logo(form), remove_logo=form.remove_logo.data, actor=actor())
    except DomainError as exc:
        db.session.rollback()
        return _show(form, org, exc.fields or {"name": exc.message})
    flash(_("Đã lưu tổ chức %(name)s.", name=org.name), "success")
    return redirect(url_for("organizations.organizations_list"))

