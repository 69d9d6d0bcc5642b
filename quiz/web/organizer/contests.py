"""Organizer pages for contests and their rounds: list, create, edit, close, add rounds."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from quiz.errors import DomainError
from quiz.infra.extensions import db
from quiz.web.actor import actor
from quiz.web.forms import ActionForm, ContestForm, RoundForm
from quiz.web.organizer import bp


@bp.get("/contests")
def contests_list():
    from quiz.contest.chapter_plan import format_plan, plan_from_json
    from quiz.contest.contests import list_contests
    from quiz.models import utcnow

    return render_template("organizer/contests.html", contests=list_contests(db.session), now=utcnow(),
                           plan=lambda c: format_plan(plan_from_json(c.chapter_plan, c.question_count)))


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _show_errors(form, exc: DomainError, renames: dict | None = None) -> None:
    for name, message in (exc.fields or {}).items():
        field = form._fields.get((renames or {}).get(name, name))
        if field is not None:
            field.errors = [*field.errors, message]
    flash(exc.message, "error")


def _contest_settings(form) -> dict:
    zone = _zone()
    return dict(title=form.title.data, description=form.description.data or "",
                question_count=form.question_count.data, time_limit_s=form.time_limit_min.data * 60,
                max_attempts=form.max_attempts.data, opens_at=form.opens_at.data.replace(tzinfo=zone),
                closes_at=form.closes_at.data.replace(tzinfo=zone), review_policy=form.review_policy.data,
                blueprint=(form.blueprint.data or "").strip() or None, prize_tiers=form.prize_tiers.data or "")


@bp.route("/contests/new", methods=["GET", "POST"])
def contest_new():
    from quiz.contest.contests import create_contest

    form = ContestForm()
    if form.validate_on_submit():
        slug = form.slug.data.strip()
        try:
            contest = create_contest(db.session, slug=slug, actor=actor(), **_contest_settings(form))
        except DomainError as exc:
            _show_errors(form, exc, {"time_limit_s": "time_limit_min"})
        else:
            flash(f"Đã tạo cuộc thi {contest.title}.", "success")
            return redirect(url_for("organizer.contests_list"))
    return render_template("organizer/contest_form.html", form=form, contest=None), \
        422 if form.is_submitted() else 200


@bp.route("/contests/<slug>/edit", methods=["GET", "POST"])
def contest_edit(slug: str):
    from quiz.contest.chapter_plan import format_plan
    from quiz.contest.contests import get_contest, update_contest
    from quiz.contest.prizes import format_tiers

    contest = get_contest(db.session, slug)
    form = ContestForm(obj=None if request.method == "POST" else contest)
    form.slug.data = contest.slug
    if request.method == "GET":
        zone = _zone()
        form.opens_at.data = contest.opens_at.astimezone(zone).replace(tzinfo=None)
        form.closes_at.data = contest.closes_at.astimezone(zone).replace(tzinfo=None)
        form.time_limit_min.data = contest.time_limit_s // 60
        plan = contest.chapter_plan
        form.blueprint.data = format_plan([(tuple(c), n) for c, n in plan]) if plan else ""
        form.prize_tiers.data = format_tiers(contest.prize_tiers)
    elif form.validate_on_submit():
        try:
            update_contest(db.session, contest, actor=actor(), **_contest_settings(form))
        except DomainError as exc:
            _show_errors(form, exc, {"time_limit_s": "time_limit_min"})
        else:
            flash(f"Đã lưu cuộc thi {contest.title}.", "success")
            return redirect(url_for("organizer.contests_list"))
    return render_template("organizer/contest_form.html", form=form, contest=contest, close=ActionForm()), \
        422 if form.is_submitted() else 200


@bp.post("/contests/<slug>/close")
def contest_close(slug: str):
    from quiz.contest.contests import close_now, get_contest

    if not ActionForm().validate_on_submit():
        abort(400)
    contest = get_contest(db.session, slug)
    close_now(db.session, contest, actor=actor())
    flash(f"Đã đóng cuộc thi {contest.title}. Bảng xếp hạng đã được chốt chính thức.", "success")
    return redirect(url_for("organizer.contests_list"))


@bp.route("/contests/<slug>/rounds", methods=["GET", "POST"])
def rounds(slug: str):
    from quiz.contest.contests import get_contest
    from quiz.contest.prizes import format_tiers
    from quiz.contest.rounds import create_round, rounds_of

    contest = get_contest(db.session, slug)
    form = RoundForm()
    if form.validate_on_submit():
        zone = _zone()
        try:
            create_round(db.session, contest, number=form.number.data, title=form.title.data or "",
                         opens_at=form.opens_at.data.replace(tzinfo=zone),
                         closes_at=form.closes_at.data.replace(tzinfo=zone),
                         max_attempts=form.max_attempts.data, prize_tiers=form.prize_tiers.data or "",
                         actor=actor())
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            flash(f"Đã thêm vòng {form.number.data}.", "success")
            return redirect(url_for("organizer.rounds", slug=slug))
    from quiz.models import utcnow

    return render_template("organizer/rounds.html", contest=contest, rounds=rounds_of(db.session, contest.id),
                           form=form, now=utcnow(), tiers=format_tiers), 422 if form.is_submitted() else 200
