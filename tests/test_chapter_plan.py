"""Blueprints: parsing, the default plan, and draws that honour them exactly on the real bank."""
from collections import Counter

import pytest
from sqlalchemy import select

from quiz.bank.check import bank_files
from quiz.bank.question_files import parse_questions
from quiz.bank.questions import import_questions
from quiz.contest.attempts import start_attempt, submit
from quiz.contest.chapter_plan import default_plan, format_plan, parse_plan
from quiz.errors import DomainError
from quiz.models import AttemptQuestion, Question


def test_parse_and_format():
    plan = parse_plan(" 1:3, 2:2,8-12:2 ")
    assert plan == [((1,), 3), ((2,), 2), ((8, 9, 10, 11, 12), 2)]
    assert format_plan(plan) == "1:3,2:2,8-12:2"
    for bad, message in (("1:3,1:2", "đã có"), ("13:1", "từ 1 đến 12"), ("x", "không đúng dạng"), ("", "ít nhất"),
                         ("5-3:1", "từ 1 đến 12"), ("1:0", "ít nhất")):
        with pytest.raises(DomainError) as e:
            parse_plan(bad)
        assert e.value.code == "invalid_fields" and message in e.value.fields["blueprint"], bad


def test_default_plan_covers_every_chapter_group():
    plan = default_plan(20)
    assert format_plan(plan) == "1:3,2:2,3:2,4:3,5:3,6:3,7:2,8-12:2"
    assert sum(n for _c, n in default_plan(37)) == 37
    assert sum(n for _c, n in default_plan(5)) == 5


@pytest.fixture
def real_bank(session):
    import_questions(session, [q for f in bank_files() for q in parse_questions(f)])


def chapters_of(session, attempt_id):
    rows = session.execute(select(Question.chapter).join(AttemptQuestion, AttemptQuestion.question_id == Question.id)
                           .where(AttemptQuestion.attempt_id == attempt_id)).scalars().all()
    return Counter(rows)


def test_draw_honours_the_blueprint_exactly(session, real_bank, contest_factory, user_factory):
    contest = contest_factory("co-cau", blueprint="1:4,4:5,6:5,8-12:6", question_count=None)
    assert contest.question_count == 20
    user = user_factory()
    for _ in range(3):
        a, _ = start_attempt(session, user.id, contest)
        got = chapters_of(session, a.id)
        assert got[1] == 4 and got[4] == 5 and got[6] == 5 and sum(got[c] for c in range(8, 13)) == 6
        assert sum(got.values()) == 20
        submit(session, a.id, user.id)


def test_default_draw_and_different_papers(session, real_bank, contest_factory, user_factory):
    contest = contest_factory("mac-dinh", max_attempts=3)
    user = user_factory()
    papers = []
    for _ in range(3):
        a, _ = start_attempt(session, user.id, contest)
        got = chapters_of(session, a.id)
        assert {c: got[c] for c in range(1, 8)} == {1: 3, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 2}
        papers.append(set(session.execute(select(AttemptQuestion.question_id)
                                          .where(AttemptQuestion.attempt_id == a.id)).scalars()))
        submit(session, a.id, user.id)
    # The bank is big enough: three attempts of one person share no question.
    assert not (papers[0] & papers[1]) and not (papers[0] & papers[2]) and not (papers[1] & papers[2])


def test_blueprint_must_add_up(session, real_bank, contest_factory):
    with pytest.raises(DomainError) as e:
        contest_factory("sai-tong", blueprint="1:3,2:2", question_count=20)
    assert e.value.code == "invalid_fields" and "tổng số câu" in e.value.fields["blueprint"]
