"""Drawing an attempt's questions: a random paper with shuffled, opaque options."""
from __future__ import annotations

import random
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import DomainError
from .models import Question, QuestionVersion


def active_pool(s: Session) -> list[tuple[int, int, int]]:
    """Return (question id, current version id, option count) of every active question."""
    rows = s.execute(
        select(Question.id, Question.current_version_id, QuestionVersion.options)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.active.is_(True))
    ).all()
    return [(qid, vid, len(opts)) for qid, vid, opts in rows]


def draw_paper(pool: list[tuple[int, int, int]], count: int, rng: random.Random | None = None) -> list[dict]:
    """Pick ``count`` questions and shuffle each one's options under fresh random ids.

    Option ids are random tokens, so neither their values nor their order tells
    which option is correct.
    """
    rng = rng or random.SystemRandom()
    if len(pool) < count:
        raise DomainError("bank_too_small",
                          f"Ngân hàng chỉ có {len(pool)} câu hỏi đang dùng, không đủ {count} câu cho một lượt thi.", 409)
    paper = []
    for position, (qid, vid, n) in enumerate(rng.sample(pool, count), start=1):
        order = list(range(n))
        rng.shuffle(order)
        paper.append({"question_id": qid, "version_id": vid, "position": position,
                      "options": [[secrets.token_urlsafe(6), i] for i in order]})
    return paper
