"""What the award ceremony shows: the key figures (from the statistics' counters) and the individual prize
winners, for the ceremony report (quiz.files.report) and the projector screen (/judges/SLUG/ceremony). A read:
it writes nothing, and its cost does not grow with the attempts (counters, and the ranking's prize places)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from quiz.contest import ranking
from quiz.contest.certificates import tiers_of
from quiz.contest.prizes import prize_for, prize_places
from quiz.contest.stats import contest_stats
from quiz.contest.verdicts import earlier_winners
from quiz.infra.database import reading
from quiz.models import Contest, Round

PROVISIONAL_TOP = 10  # people shown when the contest has no prize tiers


@dataclass
class Winner:
    rank: int
    full_name: str
    unit: str
    locality: str
    score: int
    total: int
    prize: str


@dataclass
class Ceremony:
    stats: dict  # quiz.contest.stats.contest_stats without item analysis
    winners: list[Winner]  # best first
    frozen: bool
    digest: str


def winners(s: Session, contest: Contest, rnd: Round | None) -> tuple[list[Winner], bool, str]:
    """The prize winners, best first, with the ranking's state and digest. With one prize per person, those who
    won in an earlier round are passed over, as on the judges' page."""
    tiers = tiers_of(contest, rnd)
    passed = earlier_winners(s, contest, rnd) if tiers else set()
    result = ranking.ranking(s, contest, rnd, limit=min((prize_places(tiers) or PROVISIONAL_TOP) + len(passed), 1000))
    out, given = [], 0
    for r in result.rows:
        if r.user_id in passed:
            continue
        given += 1
        prize = prize_for(given, tiers) if tiers else ""
        if tiers and not prize:
            break
        out.append(Winner(r.rank, r.full_name, r.unit or "", r.locality or "", r.score, r.total, prize))
    return out, result.frozen, result.digest


def ceremony(s: Session, contest: Contest, rnd: Round | None) -> Ceremony:
    with reading(s):
        stats = contest_stats(s, contest, rnd, with_items=False)
    people, frozen, digest = winners(s, contest, rnd)
    return Ceremony(stats, people, frozen, digest)
