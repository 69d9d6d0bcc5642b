"""The statistics report of docs/product.md, read from the counters that scoring keeps (quiz.contest.tallies)."""
from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quiz import places
from quiz.contest import units
from quiz.infra.database import reading
from quiz.models import Contest, ItemTally, Question, QuestionVersion, Round, ScoreTally, StatsSnapshot, utcnow
from quiz.timeutil import iso, parse_iso


def _summary(hist: Counter, n: int, total: int, threshold: int) -> dict:
    perfect = hist.get(total, 0)
    at_least = sum(c for s, c in hist.items() if s >= threshold)
    return {"perfect": {"count": perfect, "share": perfect / n if n else 0.0},
            "at_least": {"threshold": threshold, "count": at_least, "share": at_least / n if n else 0.0}}


def _moments(hist: Counter, n: int) -> tuple[float | None, float | None, float | None]:
    """Mean, median and (population) standard deviation of a score histogram."""
    if not n:
        return None, None, None
    mean = sum(s * c for s, c in hist.items()) / n
    var = sum(c * (s - mean) ** 2 for s, c in hist.items()) / n

    median = _nth(hist, n // 2) if n % 2 else (_nth(hist, n // 2 - 1) + _nth(hist, n // 2)) / 2
    return mean, float(median), math.sqrt(var)


def contest_stats(s: Session, contest: Contest, rnd: Round | None = None, threshold: int | None = None,
                  with_items: bool = True) -> dict:
    """The stats object of docs/api.md for a contest, or one of its rounds, from its counters
    (quiz.contest.tallies)."""
    total = contest.question_count
    threshold = threshold if threshold is not None else math.ceil(total * 0.75)
    scope = rnd.id if rnd is not None else 0
    mine = (ScoreTally.contest_id == contest.id, ScoreTally.scope == scope)
    hist, best_hist = Counter(), Counter()
    for kind, score, n in s.execute(select(ScoreTally.kind, ScoreTally.score, ScoreTally.n)
                                    .where(*mine, ScoreTally.kind.in_(("a", "b")), ScoreTally.label == "")):
        (hist if kind == "a" else best_hist)[score] += n
    # Groups summed in SQL: thousands of units x 21 scores stay in the database.
    groups: dict[str, dict] = {"u": {}, "c": {}, "l": {}, "w": {}, "d": {}}
    people: dict[str, Counter] = {"u": Counter(), "c": Counter(), "l": Counter(), "w": Counter()}
    for kind, label, n, points, perfect in s.execute(
            select(ScoreTally.kind, ScoreTally.label, func.sum(ScoreTally.n), func.sum(ScoreTally.n * ScoreTally.score),
                   func.sum(case((ScoreTally.score == total, ScoreTally.n), else_=0)))
            .where(*mine, ScoreTally.kind.in_(("a", "p")), ScoreTally.label != "")
            .group_by(ScoreTally.kind, ScoreTally.label)):
        if not n:
            continue
        if kind == "p":
            people[label[0]][label[2:]] += int(n)
        else:
            groups[label[0]][label[2:]] = (int(n), int(points), int(perfect))
    attempts = sum(hist.values())
    participants = sum(best_hist.values())
    mean, median, stdev = _moments(hist, attempts)
    body = {"participants": participants, "attempts": attempts, "question_count": total,
            "histogram": {str(k): hist.get(k, 0) for k in range(total + 1)},
            **_summary(hist, attempts, total, threshold), "mean": mean, "median": median, "stdev": stdev}
    bmean, bmedian, bstdev = _moments(best_hist, participants)
    body["best_attempts"] = {"count": participants, **_summary(best_hist, participants, total, threshold),
                             "mean": bmean, "median": bmedian, "stdev": bstdev}
    for key, prefix in (("by_unit", "u"), ("by_locality", "l")):
        rows = [{"name": name, "participants": people[prefix][name], "attempts": n, "mean": points / n,
                 "perfect": perfect} for name, (n, points, perfect) in groups[prefix].items()]
        if prefix == "l":
            rows = [{"code": None, **r} for r in rows] + _by_ward(groups["w"], people["w"])
        else:
            rows = [{"code": None, **r} for r in rows] + _by_unit_code(s, contest, groups["c"], people["c"])
        body[key] = sorted(rows, key=lambda r: (-r["participants"], r["name"]))
    body["by_province"] = _by_province(groups["w"], people["w"])
    body["attempts_per_day"] = [{"date": day, "attempts": n} for day, (n, _p, _pf) in sorted(groups["d"].items())]
    if with_items:
        body["items"], body["kr20"] = item_analysis(s, contest, scope, hist, attempts, stdev)
    return body


def _by_ward(groups: dict, people: Counter) -> list[dict]:
    """by_locality rows of the people who picked an official ward: its code and full name."""
    rows = []
    for code, (n, points, perfect) in groups.items():
        ward = places.ward(code)
        rows.append({"code": code, "name": ward.full_name if ward else code, "participants": people[code],
                     "attempts": n, "mean": points / n, "perfect": perfect})
    return rows


def _by_unit_code(s: Session, contest: Contest, groups: dict, people: Counter) -> list[dict]:
    """by_unit rows of the people enrolled in a unit of the directory: its code and the directory's name."""
    names = units.names_of(s, contest.organization_id, groups)
    return [{"code": code, "name": names.get(code, code), "participants": people[code], "attempts": n,
             "mean": points / n, "perfect": perfect} for code, (n, points, perfect) in groups.items()]


def _by_province(groups: dict, people: Counter) -> list[dict]:
    """The wards' counters added up per province (a ward's province never changes)."""
    sums: dict[str, list[int]] = {}
    for code, (n, points, perfect) in groups.items():
        ward = places.ward(code)
        if ward is None:  # a code the list no longer has: it stays in by_locality only
            continue
        row = sums.setdefault(ward.province.code, [0, 0, 0, 0])
        for i, value in enumerate((people[code], n, points, perfect)):
            row[i] += value
    rows = [{"code": code, "name": places.province(code).name, "participants": p, "attempts": n,
             "mean": points / n, "perfect": perfect} for code, (p, n, points, perfect) in sums.items()]
    return sorted(rows, key=lambda r: (-r["participants"], r["name"]))


def item_analysis(s: Session, contest: Contest, scope: int, hist: Counter, attempts: int, stdev: float | None
                  ) -> tuple[list[dict], float | None]:
    """Per question: facility (share right), discrimination (upper 27% minus lower 27%), choices; and KR-20.

    Papers are drawn at random, so each question is judged over the attempts that
    were shown it; KR-20 uses the mean item variance over those exposures. The
    groups are by score with ties kept together: everyone at the cut-off score
    belongs to the group.
    """
    if not attempts:
        return [], None
    k = max(1, round(attempts * 0.27))
    lower_cut = _nth(hist, k - 1)          # scores at or below: the lower group
    upper_cut = _nth(hist, attempts - k)   # scores at or above: the upper group
    # Per version and choice, summed in SQL: how often, and how often by the upper and the lower group.
    tally: dict[int, dict[int, tuple[int, int, int]]] = {}
    for vid, choice, n, upper, lower in s.execute(
            select(ItemTally.version_id, ItemTally.choice, func.sum(ItemTally.n),
                   func.sum(case((ItemTally.score >= upper_cut, ItemTally.n), else_=0)),
                   func.sum(case((ItemTally.score <= lower_cut, ItemTally.n), else_=0)))
            .where(ItemTally.contest_id == contest.id, ItemTally.scope == scope)
            .group_by(ItemTally.version_id, ItemTally.choice)):
        if n:
            tally.setdefault(vid, {})[choice] = (int(n), int(upper), int(lower))
    versions = {v.id: (code, v) for code, v in s.execute(
        select(Question.code, QuestionVersion).join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(tally))).all()} if tally else {}
    items, pq_sum, exposures_sum = [], 0.0, 0
    for vid, by_choice in tally.items():
        code, v = versions[vid]
        shown = sum(n for n, _u, _l in by_choice.values())
        upper = sum(u for _n, u, _l in by_choice.values())
        lower = sum(lo for _n, _u, lo in by_choice.values())
        chosen = {choice: n for choice, (n, _u, _l) in by_choice.items()}
        right_n, upper_right, lower_right = by_choice.get(v.correct, (0, 0, 0))
        facility = right_n / shown
        discrimination = (upper_right / upper if upper else 0.0) - (lower_right / lower if lower else 0.0)
        items.append({"question_id": str(v.question_id), "code": code, "version": v.version, "article": v.article,
                      "exposures": shown, "facility": facility, "discrimination": discrimination,
                      "options": [{"text": t, "correct": i == v.correct, "chosen": chosen.get(i, 0)}
                                  for i, t in enumerate(v.options)],
                      "unanswered": shown - sum(chosen.get(i, 0) for i in range(len(v.options)))})
        pq_sum += shown * facility * (1 - facility)
        exposures_sum += shown
    items.sort(key=lambda item: (item["facility"], item["code"]))
    n_items = contest.question_count
    variance = stdev ** 2
    kr20 = None
    if n_items > 1 and variance > 0 and exposures_sum:
        kr20 = n_items / (n_items - 1) * (1 - n_items * (pq_sum / exposures_sum) / variance)
    return items, kr20


def _nth(hist: Counter, k: int) -> int:
    """The k-th smallest score (0-based) of a histogram."""
    seen = 0
    for score in sorted(hist):
        seen += hist[score]
        if seen > k:
            return score
    return max(hist)


def shared_stats(s: Session, contest: Contest, rnd: Round | None = None, max_age_s: float = 30,
                 now: datetime | None = None, background: bool = True, run_later=None) -> dict:
    """The report, computed at most once per ``max_age_s`` for every app server together.

    A million attempts take seconds to summarise and the dashboard asks every
    few seconds from many browsers. The last report is kept in the database
    (stats_snapshot). While it is younger than ``max_age_s`` it is served as it
    is; once older, the first request takes a lease and recomputes it in a
    background thread while it and everyone else are served the previous one
    (``age_s`` says how old). Only the very first report is computed in the
    request. ``background=False`` recomputes in the request instead. ``run_later(job, name)`` runs
    ``job(session)`` after the request (default: a thread in the app's context, quiz.infra.background).
    """
    now = now or utcnow()
    key = (contest.id, rnd.id if rnd else 0)
    snap = s.get(StatsSnapshot, key) if max_age_s > 0 else None
    if max_age_s <= 0:
        body = _computed(s, contest, rnd, now)
    elif snap is None:
        body = _store(s, key, _computed(s, contest, rnd, now), now)
    elif (now - snap.computed_at).total_seconds() < max_age_s:
        body = dict(snap.body)
    elif not background:
        body = _store(s, key, _computed(s, contest, rnd, now), now)
    else:
        body = dict(snap.body)
        if _take_lease(s, key, now):
            _refresh_later(key, run_later)
    body["age_s"] = round(max(0.0, (now - parse_iso(body["computed_at"])).total_seconds()), 1)
    return body


LEASE_S = 300  # a refresh that has not finished by then is presumed dead; another may start


def _computed(s: Session, contest: Contest, rnd: Round | None, now: datetime) -> dict:
    # A read transaction: on SQLite, seconds of counting must not hold the lock answer saves need.
    with reading(s):
        body = contest_stats(s, contest, rnd)
    body["computed_at"] = iso(now)
    return body


def _store(s: Session, key: tuple[int, int], body: dict, now: datetime) -> dict:
    snap = s.get(StatsSnapshot, key)
    if snap is None:
        s.add(StatsSnapshot(contest_id=key[0], round_key=key[1], computed_at=now, body=body))
    else:
        snap.computed_at, snap.body, snap.refreshing_until = now, body, None
    try:
        s.commit()
    except IntegrityError:  # another server stored one at the same moment: theirs is as good
        s.rollback()
    return dict(body)


def _take_lease(s: Session, key: tuple[int, int], now: datetime) -> bool:
    """Claim the refresh of a snapshot; True for exactly one of many concurrent callers."""
    took = s.execute(update(StatsSnapshot)
                     .where(StatsSnapshot.contest_id == key[0], StatsSnapshot.round_key == key[1],
                            or_(StatsSnapshot.refreshing_until.is_(None), StatsSnapshot.refreshing_until < now))
                     .values(refreshing_until=now + timedelta(seconds=LEASE_S))
                     .execution_options(synchronize_session=False)).rowcount == 1
    s.commit()
    return took


def _refresh_later(key: tuple[int, int], run_later=None):
    """Recompute a snapshot off the request, with a database session of its own. On failure the old report
    is served on; the lease expires and someone retries."""
    if run_later is None:
        from quiz.infra.background import run_in_app as run_later

    def job(s: Session) -> None:
        contest = s.get(Contest, key[0])
        rnd = s.get(Round, key[1]) if key[1] else None
        now = utcnow()
        _store(s, key, _computed(s, contest, rnd, now), now)

    return run_later(job, f"stats-refresh-{key[0]}-{key[1]}")
