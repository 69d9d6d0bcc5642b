"""Drawing an attempt's questions: a random paper with shuffled, opaque options."""
from __future__ import annotations

import base64
import random
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import DomainError
from .models import Question, QuestionVersion


_POOL = select(Question.id, Question.current_version_id).where(Question.active.is_(True),
                                                               Question.current_version_id.is_not(None))


def active_pool(s: Session) -> list[tuple[int, int]]:
    """Return (question id, current version id) of every active question: two integers a row."""
    return s.connection().execute(_POOL).all()


def draw_paper(s: Session, pool: list[tuple[int, int]], count: int, rng: random.Random | None = None) -> list[dict]:
    """Pick ``count`` questions and shuffle each one's options under fresh random ids.

    Option ids are random tokens, so neither their values nor their order tells
    which option is correct. Only the drawn versions' options are read.
    """
    # One secret seed per attempt: unpredictable, without a system call per shuffle.
    rng = rng or random.Random(secrets.randbits(128))
    if len(pool) < count:
        raise DomainError("bank_too_small",
                          f"Ngân hàng chỉ có {len(pool)} câu hỏi đang dùng, không đủ {count} câu cho một lượt thi.", 409)
    chosen = rng.sample(pool, count)
    sizes = dict(s.execute(select(QuestionVersion.id, QuestionVersion.options)
                           .where(QuestionVersion.id.in_([vid for _q, vid in chosen]))).all())
    ids = iter(_option_ids(sum(len(sizes[vid]) for _q, vid in chosen)))
    paper = []
    for position, (qid, vid) in enumerate(chosen, start=1):
        order = list(range(len(sizes[vid])))
        rng.shuffle(order)
        paper.append({"question_id": qid, "version_id": vid, "position": position,
                      "options": [[next(ids), i] for i in order]})
    return paper


def _option_ids(n: int) -> list[str]:
    """n random 8-character ids (48 bits each) from one read of the system's randomness."""
    raw = base64.urlsafe_b64encode(secrets.token_bytes(6 * n)).decode()
    return [raw[i:i + 8] for i in range(0, 8 * n, 8)]
