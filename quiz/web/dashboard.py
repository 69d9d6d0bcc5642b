"""The statistics dashboard (/results), for the roles that read results (quiz.roles.READ_RESULTS).

The winner lists are not served here: a contest's page links to their downloads, which are API endpoints
(``GET /api/v1/contests/SLUG/winners?format=xlsx|csv`` in quiz.web.api, open to the same roles, as is the
statistics as JSON, ``.../stats``), and to the suspicious-pattern report (quiz.web.suspicious)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from quiz import roles
from quiz.contest import contests
from quiz.contest.rounds import get_round, rounds_of
from quiz.contest.stats import shared_stats
from quiz.infra.extensions import db
from quiz.web.access import managed_contest, restrict

bp = Blueprint("dashboard", __name__, url_prefix="/results")

restrict(bp, roles.READ_RESULTS)


@bp.get("/")
def index():
    from quiz.models import utcnow

    return render_template("dashboard/index.html", contests=contests.list_contests(db.session, current_user),
                           now=utcnow())


@bp.get("/<slug>")
def show(slug: str):
    contest = managed_contest(slug)
    rnd = get_round(db.session, contest, request.args.get("round"))
    stats = shared_stats(db.session, contest, rnd, current_app.config["STATS_MAX_AGE_S"])
    template = "dashboard/_body.html" if request.args.get("fragment") else "dashboard/show.html"
    return render_template(template, contest=contest, rnd=rnd, rounds=rounds_of(db.session, contest.id), s=stats)

