"""Drawing an attempt's questions: a random paper that follows the contest's blueprint,
avoids what the person already saw where the bank allows, and shuffles the options
under random per-attempt ids."""
from __future__ import annotations

import base64
import random
import secrets
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.contest.chapter_plan import Plan, check_fillable
from quiz.models import Attempt, AttemptQuestion, Question, QuestionVersion

_POOL = select(Question.id, Question.current_version_id, Question.chapter).where(
    Question.active.is_(True), Question.current_version_id.is_not(None))


def active_pool(s: Session) -> list[tuple[int, int, int]]:
    """Return (question id, current version id, chapter) of every active question."""
    return s.connection().execute(_POOL).all()


def seen_questions(s: Session, user_id: int, contest_id: int) -> set[int]:
    """Questions this person was shown in earlier attempts of this contest."""
    return set(s.execute(select(AttemptQuestion.question_id).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                         .where(Attempt.user_id == user_id, Attempt.contest_id == contest_id)).scalars())


def choose(pool: list[tuple[int, int, int]], plan: Plan, seen: set[int], rng: random.Random) -> list[tuple[int, int]]:
    """Pick (question id, version id) pairs: exactly the plan's count per chapter group, unseen ones first."""
    check_fillable(plan, Counter(ch for _q, _v, ch in pool))
    chosen = []
    for chapters, n in plan:
        group = [(q, v) for q, v, ch in pool if ch in chapters]
        fresh = [p for p in group if p[0] not in seen]
        if len(fresh) >= n:
            chosen += rng.sample(fresh, n)
        else:
            chosen += fresh + rng.sample([p for p in group if p[0] in seen], n - len(fresh))
    rng.shuffle(chosen)
    return chosen


def draw_paper(s: Session, pool: list[tuple[int, int, int]], plan: Plan, seen: set[int] = frozenset(),
               rng: random.Random | None = None) -> list[dict]:
    """Draw the paper and shuffle each question's options under fresh random ids.

    Option ids are random tokens, so neither their values nor their order tells
    which option is correct. Only the drawn versions' options are read.
    """
    # One secret seed per attempt: unpredictable, without a system call per shuffle.
    rng = rng or random.Random(secrets.randbits(128))
    chosen = choose(pool, plan, seen, rng)
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
