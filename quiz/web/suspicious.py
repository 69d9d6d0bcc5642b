"""The suspicious-pattern report (quiz.contest.suspicious) as a page, a CSV file and a read-only view of one attempt.

Its own blueprint, though its URLs sit under /organizer/contests: the organizer blueprint admits the roles that
manage contests (quiz.roles.MANAGE_CONTESTS), this one those who read the report (quiz.roles.READ_SUSPICIOUS),
judges too. Organizers and admins run the contest; judges read the report because they decide the prizes and a
flag may bear on one. Nobody here can change anything: flags are for review, never automatic bans.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request

from quiz import roles
from quiz.contest.rounds import get_round, rounds_of
from quiz.contest.suspicious import KINDS, Rules, build_report
from quiz.errors import not_found
from quiz.files.exports import suspicious_csv
from quiz.i18n import N_
from quiz.infra import audit
from quiz.infra.extensions import db
from quiz.models import Attempt, User
from quiz.web.access import managed_contest, restrict
from quiz.web.actor import actor

bp = Blueprint("suspicious", __name__, url_prefix="/organizer/contests")

restrict(bp, roles.READ_SUSPICIOUS)


@bp.record_once
def _check_rules(state) -> None:
    """A SUSPICIOUS_* setting that is not a number stops the app at start, not the page at each request."""
    Rules.from_config(state.app.config)


def _report(slug: str):
    contest = managed_contest(slug)
    rnd = get_round(db.session, contest, request.args.get("round"))
    report = build_report(db.session, contest, rnd, Rules.from_config(current_app.config),
                          ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return contest, rnd, report


@bp.get("/<slug>/suspicious")
def show(slug: str):
    contest, rnd, report = _report(slug)
    return render_template("organizer/suspicious.html", contest=contest, rnd=rnd, report=report, kinds=KINDS,
                           rounds=rounds_of(db.session, contest.id))


@bp.get("/<slug>/suspicious.csv")
def download(slug: str):
    contest, rnd, report = _report(slug)
    body = suspicious_csv(report)
    # Names, emails and phone numbers leave the platform here: who took them is recorded (quiz.infra.audit).
    audit.record_now(db.session, actor(), audit.SUSPICIOUS_EXPORT, "contest", contest.slug,
                     after={"round": rnd.number if rnd else None, "format": "csv", "flags": len(report["flags"])})
    response = current_app.response_class(body, mimetype="text/csv; charset=utf-8")
    name = f"dau-hieu-bat-thuong-{contest.slug}" + (f"-vong-{rnd.number}" if rnd else "")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<slug>/attempts/<int:attempt_id>")
def attempt(slug: str, attempt_id: int):
    """One attempt as its taker saw it, with the key and where it was started: to judge a flag."""
    from quiz.contest.answer_sheets import answer_sheets
    from quiz.infra.database import reading

    contest = managed_contest(slug)
    with reading(db.session):
        row = db.session.execute(db.select(Attempt, User).join(User, User.id == Attempt.user_id)
                                 .where(Attempt.id == attempt_id, Attempt.contest_id == contest.id)).one_or_none()
        if row is None:
            raise not_found(N_("Không tìm thấy lượt thi."))
        questions = answer_sheets(db.session, [attempt_id]).get(attempt_id, [])
    return render_template("organizer/attempt.html", contest=contest, attempt=row[0], person=row[1],
                           questions=questions)
