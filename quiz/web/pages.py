"""Participant pages: the contest list, a contest, its leaderboard, the quiz and its result, /me.
Vietnamese, server-rendered."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quiz.contest import attempts, contests, units
from quiz.errors import DomainError
from quiz.infra import limits
from quiz.infra.extensions import db
from quiz.models import Contest, utcnow
from quiz.web.fingerprint import client_marks
from quiz.web.forms import ActionForm
from quiz.web.locale import error_message
from quiz.web.payloads import attempt_json

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    now = utcnow()
    return render_template("index.html", contests=contests.list_contests(db.session), now=now)


@bp.get("/me")
@login_required
def me():
    """The person's own profile and attempts, and the link to download all of it."""
    from quiz.accounts.my_data import my_attempts
    from quiz.web.certificates import my_rows

    return render_template("me.html", rows=my_attempts(db.session, current_user.id), certificates=my_rows())


@bp.get("/contests/<slug>")
def contest(slug: str):
    c = contests.get_contest(db.session, slug)
    mine, left, directory, my_unit = [], 0, units.has_directory(db.session, c.organization_id), None
    if current_user.is_authenticated:
        mine = contests.user_attempts(db.session, current_user.id, c.id)
        left = attempts.attempts_left(db.session, current_user.id, c)
        my_unit = units.enrollment_of(db.session, current_user.id, c.id) if directory else None
    from quiz.contest.rounds import round_at, rounds_of

    return render_template("contest.html", contest=c, attempts=mine, left=left, now=utcnow(), form=ActionForm(),
                           current_round=round_at(db.session, c.id, utcnow()),
                           contest_has_rounds=bool(rounds_of(db.session, c.id)), directory=directory,
                           my_unit=my_unit)


@bp.route("/contests/<slug>/enrollment", methods=["GET", "POST"])
@login_required
def enrollment(slug: str):
    """Pick one's unit from the directory of the contest's organization: a search (with or without diacritics)
    that lists matching units as a choice, then the choice is saved. Works without JavaScript."""
    c = contests.get_contest(db.session, slug)
    if not units.has_directory(db.session, c.organization_id):
        return redirect(url_for("pages.contest", slug=slug))
    form, error = ActionForm(), None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            unit, _changed = units.enroll(db.session, current_user.id, c, request.form.get("unit_code", ""))
        except DomainError as exc:
            if exc.code not in ("invalid_fields", "enrollment_locked"):
                raise
            db.session.rollback()
            error = (_("Hãy chọn một đơn vị trong danh sách.") if exc.code == "invalid_fields" else error_message(exc))
        else:
            flash(_("Đã ghi đơn vị của bạn: %(name)s.", name=unit.name))
            return redirect(url_for("pages.contest", slug=slug))
    q = request.values.get("q", "")[:200]
    found, total = units.search_units(db.session, c.organization_id, q) if q.strip() else ([], 0)
    return render_template("enrollment.html", contest=c, form=form, q=q, units=found, total=total, error=error,
                           current=units.enrollment_of(db.session, current_user.id, c.id)), 422 if error else 200


@bp.get("/contests/<slug>/rules")
def rules(slug: str):
    """The contest's rules page (thể lệ), from its Markdown with raw HTML off (quiz.contest.rules)."""
    from markupsafe import Markup

    from quiz.contest.rules import render

    c = contests.get_contest(db.session, slug)
    if not c.rules:
        abort(404)
    return render_template("rules.html", contest=c, body=Markup(render(c.rules)))


@bp.get("/orgs/<slug>/logo.png")
def logo(slug: str):
    """An organization's logo (checked as PNG or JPEG when it was stored; the path says .png for every kind, the
    media type is the image's own); its URL names its version (?v=hash)."""
    from quiz.contest.organizations import logo_mimetype, logo_of

    data, digest = logo_of(db.session, slug)
    response = current_app.response_class(data, mimetype=logo_mimetype(data))
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(digest)
    return response.make_conditional(request)


LEADERBOARD_SIZE = 100


@bp.get("/contests/<slug>/leaderboard")
def leaderboard(slug: str):
    """The public top of the ranking: names masked, no email or phone (docs/product.md)."""
    from quiz.contest import ranking
    from quiz.contest.rounds import get_round, rounds_of

    c = contests.get_contest(db.session, slug)
    rnd = get_round(db.session, c, request.args.get("round"))
    result = ranking.ranking(db.session, c, rnd, limit=LEADERBOARD_SIZE)
    rows = [{"rank": r.rank, "name": ranking.mask_name(r.full_name), "unit": r.unit, "score": r.score,
             "total": r.total, "duration_ms": r.duration_ms, "prediction": r.prediction} for r in result.rows]
    return render_template("leaderboard.html", contest=c, round=rnd, rounds=rounds_of(db.session, c.id), rows=rows,
                           frozen=result.frozen, truth=result.truth, size=LEADERBOARD_SIZE, erasures=result.erasures,
                           closed=(rnd or c).status_at(utcnow()) == "closed")


@bp.post("/contests/<slug>/start")
@limits.start
@login_required
def start(slug: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    c = contests.get_contest(db.session, slug)
    ip, device = client_marks()
    try:
        attempt, _created = attempts.start_attempt(db.session, current_user.id, c,
                                                   grace_s=current_app.config["ANSWER_GRACE_S"], ip=ip, device=device)
    except DomainError as exc:
        if exc.code == "enrollment_required":
            db.session.rollback()
            return redirect(url_for("pages.enrollment", slug=slug))
        if exc.code != "consent_required":
            raise
        db.session.rollback()
        return redirect(url_for("privacy.consent", next=url_for("pages.contest", slug=slug)))
    return redirect(url_for("pages.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    a = attempts.load_attempt(db.session, attempt_id, current_user.id)
    a = attempts.touch(db.session, a, grace_s=current_app.config["ANSWER_GRACE_S"])
    c = db.session.get(Contest, a.contest_id)
    if a.status != "in_progress":
        return render_template("result.html", contest=c, attempt=attempt_json(db.session, a, c))
    return render_template("quiz.html", contest=c, attempt_id=a.id)


