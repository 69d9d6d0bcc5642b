"""The judges' page (/judges/SLUG, ``?round=R``): the top of a ranking with each person's verdict and a form to
change it, and the ranking's frozen versions. Judges and admins (quiz.roles.JUDGE_VERDICTS); the rule is
quiz.contest.verdicts, as for the API and ``flask winners verdict``."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz import roles
from quiz.contest import collective, ranking, verdicts
from quiz.contest.prizes import prize_for, prize_places
from quiz.contest.rounds import get_round, rounds_of
from quiz.errors import DomainError
from quiz.infra.extensions import db
from quiz.models import User
from quiz.timeutil import vn_iso
from quiz.web.access import managed_contest, restrict
from quiz.web.actor import actor
from quiz.web.forms import ActionForm
from quiz.web.locale import error_message, field_errors

bp = Blueprint("judges", __name__, url_prefix="/judges")

restrict(bp, roles.JUDGE_VERDICTS)

SHOWN = 50  # people listed: the top of the ranking (at least the prize places)


def _page(contest, rnd, status=200, errors=None, form_values=None):
    round_id = rnd.id if rnd else None
    tiers = rnd.prize_tiers if rnd and rnd.prize_tiers is not None else contest.prize_tiers
    shown = max(SHOWN, prize_places(tiers) or 0)
    result = ranking.ranking(db.session, contest, rnd, limit=shown)
    decided = verdicts.verdicts_of(db.session, contest.id, round_id)
    passed = verdicts.earlier_winners(db.session, contest, rnd)
    rows, given = [], 0
    for r in result.rows:
        prize = ""
        if tiers and r.user_id not in passed:
            given += 1
            prize = prize_for(given, tiers)
        rows.append({"row": r, "prize": prize, "when": vn_iso(r.submitted_at),
                     "verdict": decided.get(r.user_id), "passed": r.user_id in passed})
    # The disqualified: out of the ranking, listed apart so a judge can bring them back.
    out_ids = [uid for uid, v in decided.items() if v.verdict == verdicts.DISQUALIFIED]
    people = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(out_ids))).scalars()}
    out = [{"user": people[uid], "verdict": decided[uid]} for uid in out_ids if uid in people]
    units_settings, units = collective.collective(db.session, contest, rnd)
    return render_template("judges/show.html", contest=contest, rnd=rnd, rounds=rounds_of(db.session, contest.id),
                           result=result, rows=rows, out=out, labels=verdicts.LABELS, form=ActionForm(),
                           versions=list(enumerate(ranking.versions(db.session, contest.id, round_id), start=1)),
                           vn_iso=vn_iso, errors=errors or {}, values=form_values or {}, units=units,
                           units_settings=units_settings, unit_rules=collective_rule_labels()), status


def collective_rule_labels() -> dict:
    """The collective rules (quiz.contest.collective.RULES) as the pages name them."""
    return {"participants": _("Nhiều người dự thi nhất"), "participation_rate": _("Tỷ lệ tham gia cao nhất"),
            "mean_best": _("Điểm trung bình (bài tốt nhất của mỗi người) cao nhất")}


@bp.get("/<slug>")
def show(slug: str):
    contest = managed_contest(slug)  # an organization's judge: only its own contests
    return _page(contest, get_round(db.session, contest, request.args.get("round")))


@bp.post("/<slug>")
def decide(slug: str):
    contest = managed_contest(slug)  # an organization's judge: only its own contests
    rnd = get_round(db.session, contest, request.args.get("round"))
    form = ActionForm()
    email = request.form.get("email", "")
    if not form.validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn, vui lòng thử lại."), "error")
        return _page(contest, rnd, 400)
    user = current_user._get_current_object()
    try:
        row, digest = verdicts.set_verdict(db.session, contest, rnd, email, request.form.get("verdict"),
                                           request.form.get("reason", ""), actor(user), user.role)
    except DomainError as exc:
        db.session.rollback()
        errors = {"email": email, "fields": field_errors(exc), "message": error_message(exc)}
        return _page(contest, rnd, 422, errors=errors, form_values=request.form)
    message = _("Đã ghi quyết định «%(verdict)s» cho %(email)s.", verdict=_(verdicts.LABELS[row.verdict]), email=email)
    if digest:
        message += " " + _("Bảng xếp hạng đã được chốt lại thành phiên bản mới (SHA-256 %(digest)s…).",
                           digest=digest[:12])
    flash(message, "success")
    return redirect(url_for("judges.show", slug=contest.slug, round=rnd.number if rnd else None))
