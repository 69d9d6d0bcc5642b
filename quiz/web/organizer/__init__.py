"""The organizer blueprint (/organizer): the question bank (``bank``), contests and rounds (``contests``), units
(``units``), a contest's accommodations (``accommodations``)."""
from __future__ import annotations

from flask import Blueprint

from quiz import roles
from quiz.web.access import restrict

bp = Blueprint("organizer", __name__, url_prefix="/organizer")

# The suspicious-pattern report shares the /organizer/contests prefix but not these roles (quiz.web.suspicious).
restrict(bp, roles.MANAGE_CONTESTS)

from quiz.web.organizer import accommodations, bank, contests, reports, units  # noqa: E402,F401  (their views register on bp)
