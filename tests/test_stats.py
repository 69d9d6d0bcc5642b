"""The statistics report against numbers worked out by hand from real attempts."""
import math
from datetime import timedelta

import pytest

from quiz.contest.attempts import start_attempt, submit
from quiz.contest.stats import contest_stats
from quiz.models import utcnow
from tests.helpers import answer_rightly


@pytest.fixture
def scored(session, bank, contest_factory, user_factory):
    contest = contest_factory("thong-ke", question_count=4, blueprint="1-12:4", max_attempts=2)
    plan = [("HTX Một", "Huế", [4, 2]), ("HTX Một", "Huế", [3]), ("HTX Hai", "Vinh", [0]), ("HTX Hai", "Huế", [4])]
    for unit, locality, scores in plan:
        u = user_factory(unit=unit, locality=locality)
        for score in scores:
            a, _ = start_attempt(session, u.id, contest)
            answer_rightly(session, a.id, u.id, score)
            submit(session, a.id, u.id)
    return contest


def test_counts_shares_and_moments(session, scored):
    stats = contest_stats(session, scored)
    scores = [4, 2, 3, 0, 4]
    assert stats["participants"] == 4 and stats["attempts"] == 5 and stats["question_count"] == 4
    assert stats["histogram"] == {"0": 1, "1": 0, "2": 1, "3": 1, "4": 2}
    assert stats["perfect"] == {"count": 2, "share": 2 / 5}
    assert stats["at_least"] == {"threshold": 3, "count": 3, "share": 3 / 5}
    mean = sum(scores) / 5
    assert stats["mean"] == pytest.approx(mean) and stats["median"] == 3
    assert stats["stdev"] == pytest.approx(math.sqrt(sum((s - mean) ** 2 for s in scores) / 5))
    best = stats["best_attempts"]  # best per person: 4, 3, 0, 4
    assert best["count"] == 4 and best["perfect"]["share"] == 2 / 4 and best["at_least"]["count"] == 3
    units = {u["name"]: u for u in stats["by_unit"]}
    assert units["HTX Một"]["participants"] == 2 and units["HTX Một"]["attempts"] == 3
    assert units["HTX Hai"]["perfect"] == 1
    assert {row["name"]: row["participants"] for row in stats["by_locality"]} == {"Huế": 3, "Vinh": 1}
    today = (utcnow() + timedelta(hours=7)).date().isoformat()
    assert stats["attempts_per_day"] == [{"date": today, "attempts": 5}]


def test_item_analysis_and_kr20(session, scored):
    stats = contest_stats(session, scored)
    items = stats["items"]
    assert sum(i["exposures"] for i in items) == 5 * 4
    for item in items:
        right = next(o["chosen"] for o in item["options"] if o["correct"])
        assert item["facility"] == pytest.approx(right / item["exposures"])
        assert sum(o["chosen"] for o in item["options"]) + item["unanswered"] == item["exposures"]
        assert -1 <= item["discrimination"] <= 1
    # KR-20 from its definition with the exposure-weighted mean item variance.
    scores = [4, 2, 3, 0, 4]
    mean = sum(scores) / 5
    variance = sum((s - mean) ** 2 for s in scores) / 5
    pq = sum(i["exposures"] * i["facility"] * (1 - i["facility"]) for i in items) / 20
    assert stats["kr20"] == pytest.approx(4 / 3 * (1 - 4 * pq / variance))


def test_shared_snapshot_is_reused_until_it_is_old(session, scored, user_factory):
    from quiz.contest.stats import shared_stats
    from quiz.models import StatsSnapshot

    t0 = utcnow()
    first = shared_stats(session, scored, max_age_s=30, now=t0)
    assert first["attempts"] == 5 and first["age_s"] == 0
    assert session.get(StatsSnapshot, (scored.id, 0)) is not None  # kept in the database, for every server
    u = user_factory()
    a, _ = start_attempt(session, u.id, scored)
    submit(session, a.id, u.id)
    cached = shared_stats(session, scored, max_age_s=30, now=t0 + timedelta(seconds=10))
    assert cached["attempts"] == 5 and cached["age_s"] == 10
    fresh = shared_stats(session, scored, max_age_s=30, now=t0 + timedelta(seconds=31), background=False)
    assert fresh["attempts"] == 6 and fresh["age_s"] == 0
    assert shared_stats(session, scored, max_age_s=0)["attempts"] == 6


def test_old_snapshot_is_served_while_one_refresh_runs_in_the_background(app, session, scored, user_factory):
    import time

    from quiz.contest.stats import shared_stats
    from quiz.models import StatsSnapshot

    t0 = utcnow() - timedelta(minutes=5)
    assert shared_stats(session, scored, max_age_s=30, now=t0)["attempts"] == 5
    u = user_factory()
    a, _ = start_attempt(session, u.id, scored)
    submit(session, a.id, u.id)
    later = t0 + timedelta(seconds=60)
    stale = shared_stats(session, scored, max_age_s=30, now=later)
    assert stale["attempts"] == 5 and stale["age_s"] == 60  # served at once, not recomputed in the request
    deadline = time.time() + 10
    while time.time() < deadline:
        session.expire_all()
        snap = session.get(StatsSnapshot, (scored.id, 0))
        session.commit()
        if snap.body["attempts"] == 6:
            break
        time.sleep(0.1)
    assert snap.body["attempts"] == 6 and snap.refreshing_until is None


def test_only_one_caller_takes_the_refresh_lease(session, scored):
    from quiz.contest.stats import _take_lease, shared_stats

    now = utcnow()
    shared_stats(session, scored, max_age_s=30, now=now)
    key = (scored.id, 0)
    assert _take_lease(session, key, now) is True
    assert _take_lease(session, key, now + timedelta(seconds=1)) is False  # held by the first
    assert _take_lease(session, key, now + timedelta(seconds=301)) is True  # a dead refresh's lease expires
