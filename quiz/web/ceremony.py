"""The ceremony screen for the projector (/judges/SLUG/ceremony, ``?round=R``): the key figures in large type,
then the prize winners revealed one by one from the lowest prize up (static/ceremony.js: space, the arrows or
the button). Judges, organizers and admins (quiz.roles.READ_RESULTS), each within their organization's
contests; the figures and winners come from quiz.contest.ceremony, as in the ceremony report."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from quiz import roles
from quiz.contest.ceremony import ceremony
from quiz.contest.certificates import round_title
from quiz.contest.rounds import get_round
from quiz.infra.extensions import db
from quiz.web.access import managed_contest, restrict

bp = Blueprint("ceremony", __name__, url_prefix="/judges")

restrict(bp, roles.READ_RESULTS)


@bp.get("/<slug>/ceremony")
def show(slug: str):
    contest = managed_contest(slug)  # an organization's staff: only its own contests
    rnd = get_round(db.session, contest, request.args.get("round"))
    c = ceremony(db.session, contest, rnd)
    return render_template("judges/ceremony.html", contest=contest, round_title=round_title(rnd), s=c.stats,
                           winners=list(reversed(c.winners)), frozen=c.frozen)
