"""The statistics' counters, kept at every scoring, always equal a recount from the attempts themselves."""
import random
from datetime import timedelta

from sqlalchemy import select

from quiz.contest.attempts import close_expired, save_answer, start_attempt, submit
from quiz.contest.rounds import create_round, rounds_of
from quiz.contest.stats import contest_stats
from quiz.contest.tallies import rebuild
from quiz.files.results_import import import_results, read_results
from quiz.models import AttemptQuestion, utcnow
from tests.helpers import counters

HEADER = "email,full_name,unit,locality,score,duration_s,submitted_at,prediction\n"



def assert_counters_match_recount(session, contest_id: int) -> dict:
    kept = counters(session)
    rebuild(session.connection(), contest_id)
    session.commit()
    recounted = counters(session)
    assert kept == recounted
    return kept


def answer_at_random(session, rng, attempt, user_id, now):
    for aq in session.execute(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)).scalars():
        if rng.random() < 0.85:  # some questions are left blank
            option_id = rng.choice(aq.options)[0]
            session.commit()
            save_answer(session, attempt.id, user_id, aq.question_id, option_id, now=now)
    session.commit()


def test_counters_equal_a_recount_after_submits_expiries_and_an_import(session, bank, contest_factory, user_factory,
                                                                       tmp_path):
    now = utcnow()
    contest = contest_factory("dem", question_count=4, blueprint="1-12:4", max_attempts=3,
                              opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=2))
    first = create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=now - timedelta(days=1))
    create_round(session, contest, number=2, opens_at=now - timedelta(days=1), closes_at=contest.closes_at)
    rng = random.Random(7)
    people = [user_factory(unit=rng.choice(["HTX Một", "HTX Hai", ""]), locality=rng.choice(["Huế", "Vinh"]))
              for _ in range(6)]
    for i, person in enumerate(people):
        for when in (now - timedelta(days=1, hours=12), now - timedelta(hours=1)):  # one in each round
            attempt, _ = start_attempt(session, person.id, contest, now=when)
            answer_at_random(session, rng, attempt, person.id, when + timedelta(seconds=30))
            if i % 3 == 0:
                close_expired(session, now=when + timedelta(hours=2))  # left to run out
            else:
                submit(session, attempt.id, person.id, prediction=i, now=when + timedelta(seconds=60))
    path = tmp_path / "giay.csv"
    stamp = (now - timedelta(days=1, hours=6)).isoformat()
    path.write_text(HEADER + f"{people[1].email},X,HTX Ba,Huế,4,60,{stamp},3\n"   # a known person, better than before
                    + f"moi@example.vn,Người Mới,HTX Ba,Đà Nẵng,2,90,{now.isoformat()},\n", encoding="utf-8")
    rows = read_results(path, contest, rounds_of(session, contest.id))
    import_results(session, contest, rows)

    kept = assert_counters_match_recount(session, contest.id)
    assert any(key[0] == "ItemTally" and key[-1] == -1 for key in kept)  # blanks are counted
    whole, one = contest_stats(session, contest), contest_stats(session, contest, first)
    assert whole["attempts"] == 14 and whole["participants"] == 7
    assert one["attempts"] == 7 and one["participants"] == 6
    assert sum(i["exposures"] for i in whole["items"]) == 12 * 4  # imported attempts have no questions
    assert {d["date"] for d in whole["attempts_per_day"]} <= {
        (t + timedelta(hours=7)).date().isoformat() for t in (now - timedelta(days=2), now - timedelta(days=1), now)}


def test_a_recount_of_an_empty_contest_is_empty(session, bank, contest_factory):
    contest = contest_factory("rong")
    assert assert_counters_match_recount(session, contest.id) == {}
    assert contest_stats(session, contest)["attempts"] == 0
