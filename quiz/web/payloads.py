"""The JSON shapes of docs/api.md, built from the database in a few queries."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.contest.review import review_allowed
from quiz.models import OPEN, Answer, Attempt, AttemptQuestion, Contest, QuestionVersion, User, utcnow
from quiz.timeutil import iso


def unit_json(unit) -> dict:
    """A unit of an organization's directory as the API shows it."""
    return {"code": unit.code, "name": unit.name}


def report_json(row) -> dict:
    """A question report in the queue (a quiz.contest.reports.ReportRow)."""
    r = row.report
    return {"id": r.id, "question_code": row.question_code, "message": r.message, "status": r.status,
            "created_at": iso(r.created_at)}


def user_json(u: User) -> dict:
    return {"id": u.id, "full_name": u.full_name, "email": u.email, "role": u.role}


def place_json(place) -> dict:
    """A province or a ward of quiz.places: {"code", "name"}."""
    return {"code": place.code, "name": place.name}


NOT_ASKED = object()


def contest_json(c: Contest, now: datetime | None = None, attempts_left=NOT_ASKED) -> dict:
    """The contest of docs/api.md; ``attempts_left`` (for a logged-in person) is an int, or None for a practice
    contest's attempts without limit."""
    body = {"slug": c.slug, "title": c.title, "description": c.description, "opens_at": iso(c.opens_at),
            "closes_at": iso(c.closes_at), "question_count": c.question_count, "time_limit_s": c.time_limit_s,
            "max_attempts": c.max_attempts, "review_policy": c.review_policy,
            "status": c.status_at(now or utcnow()), "practice": c.practice}
    org = c.organization
    body["organization"] = {"slug": org.slug, "name": org.name} if org is not None else None
    if c.rules:
        body["rules_url"] = url_for("pages.rules", slug=c.slug)
    if attempts_left is not NOT_ASKED:
        body["attempts_left"] = attempts_left
    return body


def _paper(s: Session, attempt_id: int) -> list:
    return s.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.position, AttemptQuestion.options,
               QuestionVersion.text, QuestionVersion.options, QuestionVersion.correct,
               QuestionVersion.explanation, QuestionVersion.article)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)
    ).all()


def _answers(s: Session, attempt_id: int) -> dict[str, str]:
    rows = s.execute(select(Answer.question_id, Answer.option_id).where(Answer.attempt_id == attempt_id)).all()
    return {str(q): o for q, o in rows}


def attempt_json(s: Session, a: Attempt, contest: Contest, now: datetime | None = None) -> dict:
    """The attempt as the quiz page needs it; once closed, with its result too."""
    now = now or utcnow()
    paper = _paper(s, a.id)
    answers = _answers(s, a.id)
    body = {
        "id": a.id, "contest": contest.slug, "status": a.status, "started_at": iso(a.started_at),
        "deadline": iso(a.deadline), "server_time": iso(now),
        "time_limit_s": a.time_limit_s or contest.time_limit_s,  # the attempt's own (extra time included)
        "questions": [{"id": str(qid), "position": pos,
                       "options": [{"id": oid, "text": texts[i]} for oid, i in shuffled], "text": text}
                      for qid, pos, shuffled, text, texts, _c, _e, _a in paper],
        "answers": answers,
    }
    if a.status != OPEN:
        body["result"] = result_json(a, contest, paper=paper, answers=answers, now=now)
    return body


def result_json(a: Attempt, contest: Contest, s: Session | None = None, paper=None, answers=None,
                now: datetime | None = None) -> dict:
    """The result of a closed attempt, with the review when the policy allows."""
    now = now or utcnow()
    body = {"attempt_id": a.id, "status": a.status, "score": a.score, "total": a.total,
            "duration_ms": a.duration_ms, "submitted_at": iso(a.submitted_at), "prediction": a.prediction}
    if review_allowed(a, contest, now):
        if paper is None:
            paper, answers = _paper(s, a.id), _answers(s, a.id)
        body["review"] = [
            {"question_id": str(qid), "chosen": answers.get(str(qid)),
             "correct": next(oid for oid, i in shuffled if i == correct),
             "explanation": explanation, "article": article}
            for qid, _p, shuffled, _t, _o, correct, explanation, article in paper]
    return body
