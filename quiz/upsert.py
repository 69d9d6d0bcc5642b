"""Insert-or-update of answer rows in one statement, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Answer


def upsert_answers(s: Session, rows: list[dict]) -> None:
    """Write answers; a question already answered in that attempt gets the new choice."""
    if not rows:
        return
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Answer.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"option_id": stmt.excluded.option_id, "option_index": stmt.excluded.option_index,
              "saved_at": stmt.excluded.saved_at},
    )
    s.execute(stmt, rows)
