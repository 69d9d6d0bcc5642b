"""Collective prizes: units ranked by the contest's (or the round's) rule.

Rules (``Contest.collective_rule``; a round's own, else the contest's):

- ``participants``: distinct participants (people with a finished attempt) of the unit;
- ``participation_rate``: participants / the directory's headcount; units without a headcount (or with 0) are
  not ranked;
- ``mean_best``: the mean of the members' best scores.

Units with fewer participants than the minimum (``collective_min``, default 1) are not ranked. A person's unit
is the directory's unit they enrolled in (grouped by its code, named by the directory), else their profile's
free text (no code, no headcount; an empty text is no unit). People a judge disqualified from the ranking
(quiz.contest.verdicts) do not count for their unit.

Ranks: standard competition ranking on the rule's value alone (equal values share a rank, the next rank
skips: 1, 1, 3); within a tie the directory's units are listed by code, then free-text units by name. Prizes
(the tiers' compact text, as for people, quiz.contest.prizes) go by rank: a unit gets the prize of its rank, so
everyone tied at a prize's last place gets it, and the places they fill are used up (tiers 1 first, 2 second
and ranks 1, 1, 3, 4: both units ranked 1 get the first prize, rank 3 the second, rank 4 nothing).

Read from the counters kept at scoring (quiz.contest.tallies: kind ``p``, people per unit label, and ``s``, the
sum of their best scores): two small rows per unit, whatever the number of attempts; the disqualified (a
handful) are looked up in ``person_best`` by one query and taken out of their unit. A person counts for the unit
the counters hold them under: their enrollment's (moved with them by staff) or their profile's free text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.contest.prizes import prize_for, tiers_or_problems
from quiz.contest.ranking import disqualified_ids
from quiz.contest.tallies import unit_label
from quiz.i18n import N_, Number, Text
from quiz.infra.database import reading
from quiz.models import Contest, Enrollment, PersonBest, Round, ScoreTally, Unit, User

PARTICIPANTS, RATE, MEAN_BEST = "participants", "participation_rate", "mean_best"
RULES = (PARTICIPANTS, RATE, MEAN_BEST)
LABELS = {PARTICIPANTS: N_("đơn vị có nhiều người dự thi nhất"),
          RATE: N_("đơn vị có tỷ lệ tham gia cao nhất"),
          MEAN_BEST: N_("đơn vị có điểm trung bình (bài tốt nhất của mỗi người) cao nhất")}
MIN_MAX = 100_000


@dataclass(frozen=True)
class Settings:
    rule: str
    minimum: int
    tiers: list | None


@dataclass
class UnitRow:
    rank: int
    prize: str
    unit_code: str | None
    unit: str
    participants: int
    headcount: int | None
    rate: float | None
    mean_best: float

    def as_json(self) -> dict:
        return asdict(self)


def settings_of(contest: Contest, rnd: Round | None = None) -> Settings:
    """The rule, minimum and tiers in force: each the round's own when it set one, else the contest's."""
    def pick(name: str):
        own = getattr(rnd, name) if rnd is not None else None
        return own if own is not None else getattr(contest, name)

    return Settings(pick("collective_rule"), pick("collective_min"), pick("collective_tiers"))


def setting_values(rule: str | None, minimum: int | None, prizes: str, fields: dict, params: dict,
                   inherit: bool = False) -> dict:
    """Check the collective settings of a contest (``inherit`` False: an empty rule is ``participants``, no
    minimum is 1) or a round (``inherit``: empty means the contest's, None). Problems go into ``fields`` and
    ``params`` (the caller raises them with its own); returns the column values."""
    if not rule:
        rule = None if inherit else PARTICIPANTS
    elif rule not in RULES:
        fields["collective_rule"] = Text(N_("một trong %(rules)s"), rules=", ".join(RULES))
    if minimum is None and not inherit:
        minimum = 1
    elif minimum is not None and not 1 <= minimum <= MIN_MAX:
        fields["collective_min"] = Text(N_("từ 1 đến %(n)s"), n=Number(MIN_MAX))
    tiers = tiers_or_problems(prizes, fields, params, "collective_tiers")
    return dict(collective_rule=rule, collective_min=minimum, collective_tiers=tiers)


def _per_unit(s: Session, contest_id: int, round_id: int | None) -> dict[str, list[int]]:
    """Unit label (quiz.contest.tallies.unit_label) -> [participants, sum of their best scores], from the
    counters (kind ``p``: people per unit, ``s``: the sum of their best scores), less the disqualified (a handful
    of people)."""
    scope = round_id or 0
    units: dict[str, list[int]] = {}
    for kind, label, n in s.execute(
            select(ScoreTally.kind, ScoreTally.label, ScoreTally.n)
            .where(ScoreTally.contest_id == contest_id, ScoreTally.scope == scope, ScoreTally.kind.in_(("p", "s")),
                   ScoreTally.label.like("u:%") | ScoreTally.label.like("c:%"), ScoreTally.label != "u:")):
        units.setdefault(label, [0, 0])[kind == "s"] += n
    out = (select(User.unit, Unit.code, PersonBest.best).select_from(PersonBest)
           .join(User, User.id == PersonBest.user_id)
           .outerjoin(Enrollment, (Enrollment.user_id == PersonBest.user_id)
                      & (Enrollment.contest_id == PersonBest.contest_id))
           .outerjoin(Unit, Unit.id == Enrollment.unit_id)
           .where(PersonBest.contest_id == contest_id, PersonBest.scope == scope,
                  PersonBest.user_id.in_(disqualified_ids(contest_id, round_id))))
    for free_text, code, best in s.execute(out):
        counted = units.get(unit_label(free_text, code))
        if counted:
            counted[0] -= 1
            counted[1] -= best
    return units


def _value(rule: str, row: UnitRow):
    if rule == RATE:
        return row.rate
    return row.mean_best if rule == MEAN_BEST else row.participants


def rank_units(units: list[UnitRow], settings: Settings) -> list[UnitRow]:
    """Rank units (their rank and prize still unset) by the rule: the units that qualify, in order, with their
    competition rank and prize."""
    qualified = [u for u in units if u.participants >= settings.minimum
                 and (settings.rule != RATE or u.rate is not None)]
    qualified.sort(key=lambda u: (u.unit_code is None, u.unit_code or "", u.unit))
    qualified.sort(key=lambda u: _value(settings.rule, u), reverse=True)  # stable: ties keep code/name order
    for i, unit in enumerate(qualified):
        before = qualified[i - 1] if i else None
        same = before is not None and _value(settings.rule, before) == _value(settings.rule, unit)
        unit.rank = before.rank if same else i + 1
        unit.prize = prize_for(unit.rank, settings.tiers)
    return qualified


def collective(s: Session, contest: Contest, rnd: Round | None = None) -> tuple[Settings, list[UnitRow]]:
    """The collective ranking of a contest or one round: the settings in force and the ranked units."""
    settings = settings_of(contest, rnd)
    with reading(s):
        per_unit = _per_unit(s, contest.id, rnd.id if rnd else None)
        codes = [label[2:] for label in per_unit if label.startswith("c:")]
        directory = {code: (name, headcount) for code, name, headcount in s.execute(
            select(Unit.code, Unit.name, Unit.headcount)
            .where(Unit.organization_id == contest.organization_id, Unit.code.in_(codes)))} if codes else {}
    units = []
    for label, (n, points) in per_unit.items():
        if n <= 0:
            continue
        code = label[2:] if label.startswith("c:") else None
        name, headcount = directory.get(code, (code, None)) if code else (label[2:], None)
        units.append(UnitRow(0, "", code, name, n, headcount or None, n / headcount if headcount else None,
                             points / n))
    return settings, rank_units(units, settings)


def winners(rows: list[UnitRow], settings: Settings, limit: int = 10) -> list[UnitRow]:
    """The units a ceremony names: every prize winner, or without tiers the first ``limit`` (ties included)."""
    if settings.tiers:
        return [r for r in rows if r.prize]
    return [r for r in rows if r.rank <= limit]
