"""Synthetic finished attempts written straight into the tables (for the identical-sheet search's test and
benchmark): every person answers a random paper, mostly right, with a few random mistakes; a ring copies
one sheet."""
from __future__ import annotations

import json
import random
from datetime import timedelta

from sqlalchemy import func, select, text

from quiz.files.results_import import _bulk
from quiz.models import Attempt, Question, QuestionVersion, User, utcnow


def _naive(when):
    return when.replace(tzinfo=None)


def insert_sheets(session, contest, people: int, ring: int = 0, rng: random.Random | None = None,
                  right: float = 0.8, addresses: int = 0) -> list[int]:
    """Add ``people`` people with one finished attempt each, plus ``ring`` people copying one sheet with 4
    mistakes (the last copier also gets one right answer wrong: near-identical, not only identical).
    With ``addresses``, attempts start from that many addresses and 50 devices over ten hours.
    Return the ring's attempt ids."""
    rng = rng or random.Random(1)
    bank = [(q, v, len(options), correct) for q, v, options, correct in session.execute(
        select(Question.id, QuestionVersion.id, QuestionVersion.options, QuestionVersion.correct)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)).all()]
    conn = session.connection()
    user_id = (conn.execute(select(func.max(User.id))).scalar() or 0) + 1
    attempt_id = (conn.execute(select(func.max(Attempt.id))).scalar() or 0) + 1
    now = utcnow()
    users, attempts, papers, answers = [], [], [], []
    template = None
    ring_ids = []
    for n in range(people + ring):
        in_ring = n >= people
        if in_ring and template is None:
            chosen = rng.sample(bank, contest.question_count)
            template = [(q, v, size, correct, (correct + 1 + i % (size - 1)) % size if i < 4 else correct)
                        for i, (q, v, size, correct) in enumerate(chosen)]
        if in_ring:
            sheet = list(template)
            if n == people + ring - 1:  # the last copier changes one answer
                q, v, size, correct, _c = sheet[-1]
                sheet[-1] = (q, v, size, correct, (correct + 1) % size)
            ring_ids.append(attempt_id)
        else:
            sheet = [(q, v, size, correct, correct if rng.random() < right else
                      rng.choice([i for i in range(size) if i != correct]))
                     for q, v, size, correct in rng.sample(bank, contest.question_count)]
        started = now - timedelta(minutes=rng.randrange(1, 600))
        score = sum(chosen == correct for _q, _v, _s, correct, chosen in sheet)
        users.append((user_id, f"p{user_id}@bulk.vn", f"Người Thử {user_id}", "", "", "", "participant",
                      _naive(now)))
        ip = f"10.{n % addresses // 65536}.{n % addresses // 256 % 256}.{n % addresses % 256}" if addresses else None
        attempts.append((attempt_id, user_id, contest.id, 1, "submitted", _naive(started),
                         _naive(started + timedelta(seconds=contest.time_limit_s)),
                         _naive(started + timedelta(seconds=600)), score, contest.question_count, 600_000,
                         ip, f"{rng.randrange(50):016x}" if addresses else None))
        for position, (q, v, size, _correct, chosen) in enumerate(sheet, start=1):
            order = list(range(size))
            rng.shuffle(order)
            options = [[f"o{attempt_id}-{q}-{i}", i] for i in order]
            papers.append((attempt_id, q, v, position, json.dumps(options)))
            answers.append((attempt_id, q, f"o{attempt_id}-{q}-{chosen}", chosen, _naive(started)))
        user_id += 1
        attempt_id += 1
    raw = conn.connection.driver_connection
    dialect = conn.dialect.name
    _bulk(raw, dialect, "user", ["id", "email", "full_name", "phone", "unit", "locality", "role", "created_at"], users)
    _bulk(raw, dialect, "attempt", ["id", "user_id", "contest_id", "number", "status", "started_at", "deadline",
                                    "submitted_at", "score", "total", "duration_ms", "ip", "device"], attempts)
    _bulk(raw, dialect, "attempt_question", ["attempt_id", "question_id", "version_id", "position", "options"],
          papers)
    _bulk(raw, dialect, "answer", ["attempt_id", "question_id", "option_id", "option_index", "saved_at"], answers)
    if dialect == "postgresql":  # explicit ids: move the sequences past them
        for table in ("user", "attempt"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                              f"(SELECT max(id) FROM \"{table}\"))"))
    session.commit()
    return ring_ids
