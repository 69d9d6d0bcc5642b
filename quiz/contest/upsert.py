"""Insert-or-update of answer rows in one statement, on SQLite and PostgreSQL alike.

Both speak ``INSERT ... ON CONFLICT ... DO UPDATE``; the statement is a fixed
text so the hot path pays no SQL compilation per request.
"""
from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from quiz.models import UTCDateTime

UPSERT_ANSWER = text(
    "INSERT INTO answer (attempt_id, question_id, option_id, option_index, saved_at) "
    "VALUES (:attempt_id, :question_id, :option_id, :option_index, :saved_at) "
    "ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, "
    "option_index = excluded.option_index, saved_at = excluded.saved_at",
).bindparams(bindparam("saved_at", type_=UTCDateTime))


def upsert_answers(s: Session, rows: list[dict]) -> None:
    """Write answers; a question already answered in that attempt gets the new choice."""
    if rows:
        s.connection().execute(UPSERT_ANSWER, rows)
