"""Organizer pages for contests and their rounds: list, create, edit, close, add rounds."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz.contest import scope
from quiz.errors import DomainError
from quiz.i18n import N_
from quiz.infra.extensions import db
from quiz.web.access import managed_contest
from quiz.web.actor import actor
from quiz.web.forms import ActionForm, ContestForm, RoundForm, blank_rows, tier_items
from quiz.web.locale import error_message, field_errors, text
from quiz.web.organizer import bp


@bp.get("/contests")
def contests_list():
    from quiz.contest.chapter_plan import format_plan, plan_from_json
    from quiz.contest.contests import list_contests
    from quiz.models import utcnow

    return render_template("organizer/contests.html", contests=list_contests(db.session, current_user), now=utcnow(),
                           plan=lambda c: format_plan(plan_from_json(c.chapter_plan, c.question_count)))


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _show_errors(form, exc: DomainError, renames: dict | None = None) -> None:
    for name, message in field_errors(exc).items():
        if name in ("blueprint", *TIER_FIELDS):
            continue  # the plan table's and the tier rows' own, below
        field = form._fields.get((renames or {}).get(name, name))
        if field is not None:
            field.errors = [*field.errors, message]
    _show_row_errors(form, exc)
    flash(error_message(exc), "error")


TIER_FIELDS = ("prize_tiers", "collective_tiers")  # the forms' tier rows (the individual and collective prizes)


def _show_row_errors(form, exc: DomainError) -> None:
    """The plan's and the tiers' problems by their rows (the domain names each by its part or item); what
    belongs to no row (a total that differs from the question count) goes with the whole table."""
    fields = exc.fields or {}
    parts = exc.params.get("blueprint_parts") or {}
    if "blueprint" in fields:
        rows = {row.form.part.data: row for row in getattr(form, "plan", [])}
        for part, message in parts.items():
            if part in rows:
                rows[part].form.count.errors = [*rows[part].form.count.errors, text(message)]
        if not set(parts) <= set(rows) or not parts:
            form.plan_errors = [text(fields["blueprint"])]
    for name in TIER_FIELDS:
        if name in form:
            _show_tier_errors(form, name, fields.get(name), exc.params.get(name[:-1] + "_items") or {})


def _show_tier_errors(form, name: str, problem: str | None, items: dict) -> None:
    """A tier table's problems (``name``: prize_tiers or collective_tiers) by its filled rows, else with the
    table (``form.tier_errors``, ``form.collective_tier_errors``)."""
    tier_rows = tier_items(form[name])[1]
    for index, message in items.items():
        if index < len(tier_rows):
            tier_rows[index].form.name.errors = [*tier_rows[index].form.name.errors, text(message)]
    if problem and (not items or max(items) >= len(tier_rows)):
        setattr(form, name[:-1] + "_errors", [text(problem)])


def _rows(plan, tiers, collective_tiers=None) -> dict:
    """The plan table's and the tier rows' starting values from a contest's plan (None: the default plan, an
    empty table), tiers and collective tiers."""
    from quiz.contest.chapter_plan import part_label, table_parts

    counts = {part_label(c): n for c, n in plan or []}
    return dict(plan_mode="chapters" if plan else "default",
                plan=[{"part": part_label(c), "count": counts.get(part_label(c))} for c in table_parts(plan)],
                prize_tiers=_tier_rows(tiers), collective_tiers=_tier_rows(collective_tiers))


def _tier_rows(tiers) -> list[dict]:
    return [{"name": name, "count": count} for count, name in tiers or []]


def _plan_rows_info(form) -> dict:
    """For each row of the table: its heading, the chapter titles under it and the active questions the bank
    has there. A row's part is read by the plan's own parser."""
    from quiz.bank.law import chapter_titles
    from quiz.contest.chapter_plan import parse_plan
    from quiz.contest.contests import chapter_sizes

    titles, sizes, info, groups = chapter_titles(), chapter_sizes(db.session), {}, False
    for row in form.plan:
        part = row.form.part.data or ""
        try:
            chapters = parse_plan(f"{part}:1")[0][0]
        except DomainError:
            info[part] = (_("Chương %(n)s", n=part), "", None)
            continue
        if len(chapters) == 1:
            info[part] = (_("Chương %(n)s", n=chapters[0]), titles.get(chapters[0], ""), sizes.get(chapters[0], 0))
        else:
            groups = True
            info[part] = (_("Chương %(first)s–%(last)s (rút chung)", first=chapters[0], last=chapters[-1]),
                          _("Rút chung từ các chương %(list)s", list=", ".join(map(str, chapters))),
                          sum(sizes.get(c, 0) for c in chapters))
    return {"rows": info, "groups": groups}


def _form_page(form, contest):
    blank_rows(form.prize_tiers)
    blank_rows(form.collective_tiers)
    return render_template("organizer/contest_form.html", form=form, contest=contest, close=ActionForm(),
                           plan_info=_plan_rows_info(form)), 422 if form.is_submitted() else 200


def _contest_settings(form) -> dict:
    zone = _zone()
    return dict(title=form.title.data, description=form.description.data or "",
                question_count=form.question_count.data, time_limit_s=form.time_limit_min.data * 60,
                max_attempts=form.max_attempts.data, opens_at=form.opens_at.data.replace(tzinfo=zone),
                closes_at=form.closes_at.data.replace(tzinfo=zone), review_policy=form.review_policy.data,
                blueprint=form.blueprint_text(), prize_tiers=tier_items(form.prize_tiers)[0],
                rules=form.rules.data or "", one_prize_per_person=bool(form.one_prize_per_person.data),
                practice=bool(form.practice.data),
                collective=form.collective_rule.data, collective_min=form.collective_min.data,
                collective_prizes=tier_items(form.collective_tiers)[0])


def _organization_choices(form) -> None:
    """Platform staff and admins choose the organization running a contest; an organization's staff do not
    (theirs is taken), so the field is removed for them."""
    from wtforms.fields.choices import SelectChoice

    from quiz.contest.organizations import list_organizations

    orgs = list_organizations(db.session) if scope.organization_of(current_user) is None else []
    if not orgs:
        del form.organization
        return
    form.organization.choices = [SelectChoice("", _("Nền tảng (không thuộc tổ chức nào)")),
                                 *(SelectChoice(str(o.id), o.name) for o in orgs)]


def _chosen_organization(form) -> int | None:
    """The organization chosen in the form (None: the platform, or no choice offered); a value that is not
    one of the choices is a field error."""
    from quiz.errors import invalid

    value = form.organization.data if "organization" in form else ""
    if not value:
        return None
    if value not in {choice.value for choice in form.organization.choices}:
        raise invalid({"organization": N_("Chọn một tổ chức trong danh sách.")}, N_("Thông tin cuộc thi không hợp lệ."))
    return int(value)


@bp.route("/contests/new", methods=["GET", "POST"])
def contest_new():
    from quiz.contest.contests import create_contest

    form = ContestForm() if request.method == "POST" else ContestForm(**_rows(None, None))
    _organization_choices(form)
    if form.validate_on_submit():
        slug = form.slug.data.strip()
        try:
            contest = create_contest(db.session, slug=slug, actor=actor(), **_contest_settings(form),
                                     organization_id=scope.assign_organization(current_user,
                                                                               _chosen_organization(form)))
        except DomainError as exc:
            _show_errors(form, exc, {"time_limit_s": "time_limit_min"})
        else:
            flash(_("Đã tạo cuộc thi %(title)s.", title=contest.title), "success")
            return redirect(url_for("organizer.contests_list"))
    return _form_page(form, None)


@bp.route("/contests/<slug>/edit", methods=["GET", "POST"])
def contest_edit(slug: str):
    from quiz.contest.contests import update_contest

    contest = managed_contest(slug)
    plan = [(tuple(c), n) for c, n in contest.chapter_plan] if contest.chapter_plan else None
    form = ContestForm(obj=None if request.method == "POST" else contest)
    _organization_choices(form)
    form.slug.data = contest.slug
    if request.method == "GET":
        for name, rows in _rows(plan, contest.prize_tiers, contest.collective_tiers).items():
            form[name].process(None, rows)  # the rows, not the contest's own attributes
        zone = _zone()
        form.opens_at.data = contest.opens_at.astimezone(zone).replace(tzinfo=None)
        form.closes_at.data = contest.closes_at.astimezone(zone).replace(tzinfo=None)
        form.time_limit_min.data = contest.time_limit_s // 60
        if "organization" in form:
            form.organization.data = str(contest.organization_id or "")
    elif form.validate_on_submit():
        try:
            settings = _contest_settings(form)
            if "organization" in form:  # platform staff may hand a contest to an organization, or take it back
                settings["organization_id"] = _chosen_organization(form)
            update_contest(db.session, contest, actor=actor(), **settings)
        except DomainError as exc:
            _show_errors(form, exc, {"time_limit_s": "time_limit_min"})
        else:
            flash(_("Đã lưu cuộc thi %(title)s.", title=contest.title), "success")
            return redirect(url_for("organizer.contests_list"))
    return _form_page(form, contest)


@bp.post("/contests/<slug>/close")
def contest_close(slug: str):
    from quiz.contest.contests import close_now

    if not ActionForm().validate_on_submit():
        abort(400)
    contest = managed_contest(slug)
    close_now(db.session, contest, actor=actor())
    if contest.practice:
        flash(_("Đã đóng cuộc thi thử %(title)s.", title=contest.title), "success")
    else:
        flash(_("Đã đóng cuộc thi %(title)s. Bảng xếp hạng đã được chốt chính thức.", title=contest.title), "success")
    return redirect(url_for("organizer.contests_list"))


@bp.route("/contests/<slug>/rounds", methods=["GET", "POST"])
def rounds(slug: str):
    from quiz.contest.prizes import format_tiers
    from quiz.contest.rounds import create_round, rounds_of

    contest = managed_contest(slug)
    form = RoundForm()
    if form.validate_on_submit():
        zone = _zone()
        try:
            create_round(db.session, contest, number=form.number.data, title=form.title.data or "",
                         opens_at=form.opens_at.data.replace(tzinfo=zone),
                         closes_at=form.closes_at.data.replace(tzinfo=zone),
                         max_attempts=form.max_attempts.data, prize_tiers=tier_items(form.prize_tiers)[0],
                         actor=actor(), collective=form.collective_rule.data or None,
                         collective_min=form.collective_min.data,
                         collective_prizes=tier_items(form.collective_tiers)[0])
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            flash(_("Đã thêm vòng %(n)s.", n=form.number.data), "success")
            return redirect(url_for("organizer.rounds", slug=slug))
    from quiz.models import utcnow

    blank_rows(form.prize_tiers)
    blank_rows(form.collective_tiers)
    return render_template("organizer/rounds.html", contest=contest, rounds=rounds_of(db.session, contest.id),
                           form=form, now=utcnow(), tiers=format_tiers), 422 if form.is_submitted() else 200
