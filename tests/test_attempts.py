"""The attempt engine's rules, on a real database, with time given explicitly."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.contest import attempts
from quiz.errors import DomainError
from quiz.models import Answer, Attempt, AttemptQuestion, utcnow
from quiz.web.payloads import attempt_json, result_json
from tests.helpers import correct_option


def start(session, user, contest, now=None):
    return attempts.start_attempt(session, user.id, contest, now=now)


def test_draw_is_random_shuffled_and_opaque(session, bank, contest_factory, user_factory):
    contest = contest_factory(max_attempts=5)
    user = user_factory()
    a, created = start(session, user, contest)
    assert created and a.status == "in_progress" and a.number == 1
    payload = attempt_json(session, a, contest)
    assert len(payload["questions"]) == 20
    assert len({q["id"] for q in payload["questions"]}) == 20
    assert [q["position"] for q in payload["questions"]] == list(range(1, 21))
    # Option ids are random tokens, unique, and the correct one is not always in the same place.
    positions = set()
    for q in payload["questions"]:
        ids = [o["id"] for o in q["options"]]
        assert len(set(ids)) == 4 and all(len(i) >= 8 for i in ids)
        positions.add(ids.index(correct_option(session, a.id, q["id"])))
    assert len(positions) > 1
    assert "correct" not in str(payload["questions"])
    # Deadline is the server's: started_at + time_limit.
    assert a.deadline - a.started_at == timedelta(seconds=contest.time_limit_s)


def test_resume_returns_the_open_attempt(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(), user_factory()
    a, _ = start(session, user, contest)
    b, created = start(session, user, contest)
    assert not created and b.id == a.id


def test_answers_upsert_and_submit_scores_once(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(), user_factory()
    a, _ = start(session, user, contest)
    qids = [q["id"] for q in attempt_json(session, a, contest)["questions"]]
    wrong = next(o for o, _i in session.get(AttemptQuestion, (a.id, int(qids[0]))).options
                 if o != correct_option(session, a.id, qids[0]))
    attempts.save_answer(session, a.id, user.id, int(qids[0]), wrong)
    attempts.save_answer(session, a.id, user.id, int(qids[0]), correct_option(session, a.id, qids[0]))
    assert session.execute(select(func.count()).select_from(Answer)).scalar_one() == 1  # upserted
    final = {int(q): correct_option(session, a.id, q) for q in qids[1:5]}
    done = attempts.submit(session, a.id, user.id, final, prediction=12)
    assert (done.status, done.score, done.prediction) == ("submitted", 5, 12)
    again = attempts.submit(session, a.id, user.id, {int(q): correct_option(session, a.id, q) for q in qids}, 99)
    assert (again.score, again.prediction, again.submitted_at) == (5, 12, done.submitted_at)
    with pytest.raises(DomainError) as e:
        attempts.save_answer(session, a.id, user.id, int(qids[6]), correct_option(session, a.id, qids[6]))
    assert e.value.code == "attempt_closed"


def test_bad_options_change_nothing(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(), user_factory()
    a, _ = start(session, user, contest)
    qids = [q["id"] for q in attempt_json(session, a, contest)["questions"]]
    with pytest.raises(DomainError) as e:
        attempts.save_answer(session, a.id, user.id, int(qids[0]), "not-an-option")
    assert e.value.code == "invalid_option"
    other_q = correct_option(session, a.id, qids[1])
    with pytest.raises(DomainError):
        attempts.save_answer(session, a.id, user.id, int(qids[0]), other_q)  # an option of another question
    with pytest.raises(DomainError) as e:
        attempts.submit(session, a.id, user.id, {int(qids[0]): correct_option(session, a.id, qids[0]),
                                                 999999: "x"})
    assert e.value.code == "invalid_option"
    assert session.execute(select(func.count()).select_from(Answer)).scalar_one() == 0
    assert session.get(Attempt, a.id).status == "in_progress"


def test_other_peoples_attempts_are_not_found(session, bank, contest_factory, user_factory):
    contest, owner, other = contest_factory(), user_factory(), user_factory()
    a, _ = start(session, owner, contest)
    qid = attempt_json(session, a, contest)["questions"][0]["id"]
    for call in (lambda: attempts.load_attempt(session, a.id, other.id),
                 lambda: attempts.save_answer(session, a.id, other.id, int(qid), "x"),
                 lambda: attempts.submit(session, a.id, other.id)):
        with pytest.raises(DomainError) as e:
            call()
        assert e.value.code == "not_found"


def test_grace_then_expiry_scores_saved_answers_with_capped_duration(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(time_limit_s=60), user_factory()
    t0 = utcnow()
    a, _ = start(session, user, contest, now=t0)
    qids = [q["id"] for q in attempt_json(session, a, contest)["questions"]]
    attempts.save_answer(session, a.id, user.id, int(qids[0]), correct_option(session, a.id, qids[0]),
                         now=t0 + timedelta(seconds=30))
    # Inside the 5 s grace after the deadline: still accepted.
    attempts.save_answer(session, a.id, user.id, int(qids[1]), correct_option(session, a.id, qids[1]),
                         now=t0 + timedelta(seconds=64))
    # After the grace: refused, and the attempt is closed with what was saved.
    with pytest.raises(DomainError) as e:
        attempts.save_answer(session, a.id, user.id, int(qids[2]), correct_option(session, a.id, qids[2]),
                             now=t0 + timedelta(seconds=66))
    assert e.value.code == "attempt_closed"
    closed = session.get(Attempt, a.id)
    session.refresh(closed)
    assert (closed.status, closed.score, closed.duration_ms) == ("expired", 2, 60_000)
    assert closed.submitted_at == closed.deadline


def test_late_submit_ignores_final_answers(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(time_limit_s=60), user_factory()
    t0 = utcnow()
    a, _ = start(session, user, contest, now=t0)
    qids = [q["id"] for q in attempt_json(session, a, contest)["questions"]]
    late = attempts.submit(session, a.id, user.id, {int(q): correct_option(session, a.id, q) for q in qids},
                           prediction=3, now=t0 + timedelta(seconds=120))
    assert (late.status, late.score, late.duration_ms, late.prediction) == ("expired", 0, 60_000, None)
    # Within grace the final sync is saved and counted; duration is capped at the limit.
    b_user = user_factory()
    b, _ = start(session, b_user, contest, now=t0)
    qb = [q["id"] for q in attempt_json(session, b, contest)["questions"]]
    ok = attempts.submit(session, b.id, b_user.id, {int(q): correct_option(session, b.id, q) for q in qb[:3]},
                         prediction=3, now=t0 + timedelta(seconds=62))
    assert (ok.status, ok.score, ok.duration_ms) == ("submitted", 3, 60_000)


def test_close_expired_command_logic(session, bank, contest_factory, user_factory):
    contest = contest_factory(time_limit_s=30)
    t0 = utcnow() - timedelta(minutes=5)
    users = [user_factory() for _ in range(3)]
    ids = [start(session, u, contest, now=t0)[0].id for u in users]
    fresh = start(session, user_factory(), contest)[0].id
    assert attempts.close_expired(session) == 3
    assert {session.get(Attempt, i).status for i in ids} == {"expired"}
    assert session.get(Attempt, fresh).status == "in_progress"
    assert attempts.close_expired(session) == 0


def test_attempt_limit_and_window(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(max_attempts=2), user_factory()
    for _ in range(2):
        a, created = start(session, user, contest)
        assert created
        attempts.submit(session, a.id, user.id)
    with pytest.raises(DomainError) as e:
        start(session, user, contest)
    assert e.value.code == "attempt_limit_reached"
    now = utcnow()
    later = contest_factory("sap-mo", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    with pytest.raises(DomainError) as e:
        start(session, user, later)
    assert e.value.code == "contest_not_open"
    over = contest_factory("da-dong", opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    with pytest.raises(DomainError) as e:
        start(session, user, over)
    assert e.value.code == "contest_closed"


def test_expired_open_attempt_is_closed_when_starting_again(session, bank, contest_factory, user_factory):
    contest, user = contest_factory(time_limit_s=30, max_attempts=3), user_factory()
    old, _ = start(session, user, contest, now=utcnow() - timedelta(minutes=2))
    new, created = start(session, user, contest)
    assert created and new.id != old.id and new.number == 2
    assert session.get(Attempt, old.id).status == "expired"


def test_bank_too_small(session, bank, contest_factory, user_factory):
    from sqlalchemy import update

    from quiz.models import Question

    with pytest.raises(DomainError) as e:
        contest_factory("qua-nhieu", blueprint="1:5,2:15")
    assert e.value.code == "bank_too_small" and "chương 1 cần 5 câu" in e.value.message
    contest = contest_factory()
    # Questions deactivated after the contest was made: the draw says what is missing.
    session.execute(update(Question).where(Question.chapter == 7).values(active=False))
    session.commit()
    with pytest.raises(DomainError) as e:
        start(session, user_factory(), contest)
    assert e.value.code == "bank_too_small" and "chương 7 cần 2 câu" in e.value.message


def test_review_policy(session, bank, contest_factory, user_factory):
    now = utcnow()
    never = contest_factory("never", review_policy="never")
    after_close = contest_factory("after-close", review_policy="after_close")
    after_submit = contest_factory("after-submit")
    user = user_factory()
    for c, has_review in ((never, False), (after_close, False), (after_submit, True)):
        a, _ = start(session, user, c)
        a = attempts.submit(session, a.id, user.id)
        body = result_json(a, c, session, now=now)
        assert ("review" in body) is has_review
        if has_review:
            item = body["review"][0]
            assert set(item) == {"question_id", "chosen", "correct", "explanation", "article"}
            assert item["chosen"] is None
    a = session.execute(select(Attempt).where(Attempt.contest_id == after_close.id)).scalar_one()
    assert "review" in result_json(a, after_close, session, now=after_close.closes_at + timedelta(seconds=1))
