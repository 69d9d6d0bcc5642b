"""Attempts' answer sheets as shown: each question with its options in display order, the option chosen and
the key. Read by a participant's own data download (quiz.accounts.my_data, which hides the key where the
review policy does) and by the organizers' view of one attempt (quiz.web.suspicious)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.models import Answer, AttemptQuestion, QuestionVersion


def answer_sheets(s: Session, attempt_ids: list[int]) -> dict[int, list[dict]]:
    """Each attempt's questions in order, as shown: text, option texts in display order, the option
    chosen (None: left blank), and the key (``correct_answer``, ``explanation``, ``article``): callers
    decide whether the key may be shown. Two queries, whatever the number of attempts."""
    out: dict[int, list[dict]] = {}
    for i in range(0, len(attempt_ids), 500):
        ids = attempt_ids[i:i + 500]
        chosen = {(a, q): index for a, q, index in s.execute(
            select(Answer.attempt_id, Answer.question_id, Answer.option_index).where(Answer.attempt_id.in_(ids)))}
        rows = s.execute(
            select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.position,
                   AttemptQuestion.options, QuestionVersion.text, QuestionVersion.options, QuestionVersion.correct,
                   QuestionVersion.explanation, QuestionVersion.article)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
            .where(AttemptQuestion.attempt_id.in_(ids))
            .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)).all()
        for attempt_id, qid, position, shown, text, texts, correct, explanation, article in rows:
            index = chosen.get((attempt_id, qid))
            out.setdefault(attempt_id, []).append({
                "position": position, "question_id": str(qid), "text": text,
                "options": [texts[i] for _oid, i in shown],
                "your_answer": texts[index] if index is not None else None,
                "correct_answer": texts[correct], "explanation": explanation, "article": article})
    return out
