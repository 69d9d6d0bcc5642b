"""Counters behind the statistics report, kept as attempts are scored.

Summarising a million attempts from scratch takes seconds; the report must take
well under one. So every transaction that scores an attempt also adds it to a
few counters (models ScoreTally, ItemTally, PersonBest): per score, per unit,
locality and Viet Nam day, per question version and choice, and each person's
best score. The report then reads a few thousand small rows (quiz.contest.stats).

Counters are written with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + delta``
in a fixed key order, so concurrent submits on PostgreSQL queue on a row
instead of deadlocking. ``rebuild`` recomputes a contest's counters from the
attempts themselves (``flask stats SLUG --recount``; tests compare the two).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.engine import Connection

VN_OFFSET = timedelta(hours=7)  # Viet Nam's days: UTC+7, no daylight saving

UPSERT_SCORE = text(
    "INSERT INTO score_tally (contest_id, scope, kind, label, score, n) VALUES (:c, :s, :k, :l, :sc, :n) "
    "ON CONFLICT (contest_id, scope, kind, label, score) DO UPDATE SET n = score_tally.n + excluded.n")
UPSERT_ITEM = text(
    "INSERT INTO item_tally (contest_id, scope, version_id, score, choice, n) VALUES (:c, :s, :v, :sc, :ch, :n) "
    "ON CONFLICT (contest_id, scope, version_id, score, choice) DO UPDATE SET n = item_tally.n + excluded.n")
_BEST = {
    "postgresql": text("SELECT best FROM person_best WHERE contest_id = :c AND scope = :s AND user_id = :u FOR UPDATE"),
    "sqlite": text("SELECT best FROM person_best WHERE contest_id = :c AND scope = :s AND user_id = :u"),
}
_NEW_BEST = text("INSERT INTO person_best (contest_id, scope, user_id, best) VALUES (:c, :s, :u, :b) "
                 "ON CONFLICT (contest_id, scope, user_id) DO NOTHING")
_BETTER = text("UPDATE person_best SET best = :b WHERE contest_id = :c AND scope = :s AND user_id = :u")
_PROFILE = text('SELECT unit, locality FROM "user" WHERE id = :u')


def vn_day(when: datetime) -> str:
    return (when + VN_OFFSET).strftime("%Y-%m-%d")


def scopes_of(round_id: int | None) -> tuple[int, ...]:
    """Every attempt counts for the whole contest (0); one made in a round counts for it too."""
    return (0, round_id) if round_id else (0,)


class Delta:
    """Counter changes gathered in memory, written in one go by ``write``."""

    def __init__(self) -> None:
        self.scores: Counter = Counter()
        self.items: Counter = Counter()

    def attempt(self, contest_id: int, round_id: int | None, score: int, unit: str, locality: str,
                submitted_at: datetime, choices=()) -> None:
        labels = ("", "u:" + unit, "l:" + locality, "d:" + vn_day(submitted_at))
        for scope in scopes_of(round_id):
            for label in labels:
                self.scores[(contest_id, scope, "a", label, score)] += 1
            for version_id, choice in choices:
                self.items[(contest_id, scope, version_id, score, choice)] += 1

    def person(self, contest_id: int, scope: int, old: int | None, new: int, unit: str, locality: str) -> None:
        """A person's best in a scope went from ``old`` (None: first finished attempt) to ``new``."""
        if old is None:
            self.scores[(contest_id, scope, "p", "u:" + unit, 0)] += 1
            self.scores[(contest_id, scope, "p", "l:" + locality, 0)] += 1
        elif new <= old:
            return
        else:
            self.scores[(contest_id, scope, "b", "", old)] -= 1
        self.scores[(contest_id, scope, "b", "", new)] += 1

    def write(self, conn: Connection) -> None:
        # Sorted: every writer takes the counter rows' locks in the same order.
        scores = [{"c": c, "s": s, "k": k, "l": lab, "sc": sc, "n": n}
                  for (c, s, k, lab, sc), n in sorted(self.scores.items()) if n]
        items = [{"c": c, "s": s, "v": v, "sc": sc, "ch": ch, "n": n}
                 for (c, s, v, sc, ch), n in sorted(self.items.items()) if n]
        if scores:
            conn.execute(UPSERT_SCORE, scores)
        if items:
            conn.execute(UPSERT_ITEM, items)


def count_closed(conn: Connection, contest_id: int, round_id: int | None, user_id: int, score: int,
                 submitted_at: datetime, choices) -> None:
    """Add one just-scored attempt to the counters, in the caller's transaction.

    ``choices``: (version id, option index or -1 when left blank) per question.
    A person's attempts are scored one after another (one open attempt at a
    time); the row lock on PostgreSQL covers a results import racing a submit.
    """
    unit, locality = conn.execute(_PROFILE, {"u": user_id}).one()
    delta = Delta()
    delta.attempt(contest_id, round_id, score, unit, locality, submitted_at, choices)
    select_best = _BEST[conn.dialect.name]
    for scope in scopes_of(round_id):
        key = {"c": contest_id, "s": scope, "u": user_id}
        old = conn.execute(select_best, key).scalar()
        if old is None and conn.execute(_NEW_BEST, {**key, "b": score}).rowcount != 1:
            old = conn.execute(select_best, key).scalar()  # someone else made the row a moment ago
        if old is not None and score > old:
            conn.execute(_BETTER, {**key, "b": score})
        delta.person(contest_id, scope, old, score, unit, locality)
    delta.write(conn)


def count_imported(conn: Connection, contest_id: int, rows, profiles: dict[int, tuple[str, str]]) -> list[tuple]:
    """Add imported attempts ((user id, score, submitted_at, round id), ...) to the counters.

    A million rows: every count is a Counter over zipped columns (counted in C),
    never one dictionary update per row and label. Returns the new person_best
    rows for the caller to bulk-insert; improved bests are updated here.
    """
    if not rows:
        return []
    uids, scores, whens, round_ids = zip(*rows, strict=True)
    offset = VN_OFFSET.total_seconds()
    day_numbers = [int((w.timestamp() + offset) // 86400) for w in whens]
    day_names = {d: vn_day(datetime.fromtimestamp(d * 86400 - offset, tz=timezone.utc)) for d in set(day_numbers)}
    # A person's (unit, locality) pair is one shared tuple: counting by it counts both at once.
    by_profile = Counter(zip(round_ids, [profiles[u] for u in uids], scores, strict=True))
    by_day = Counter(zip(round_ids, day_numbers, scores, strict=True))
    delta = Delta()
    for (round_id, (unit, locality), score), n in by_profile.items():
        for scope in scopes_of(round_id):
            for label in ("", "u:" + unit, "l:" + locality):
                delta.scores[(contest_id, scope, "a", label, score)] += n
    for (round_id, day, score), n in by_day.items():
        for scope in scopes_of(round_id):
            delta.scores[(contest_id, scope, "a", "d:" + day_names[day], score)] += n
    old = {(s, u): b for s, u, b in conn.execute(
        text("SELECT scope, user_id, best FROM person_best WHERE contest_id = :c"), {"c": contest_id})}
    best: dict[tuple[int, int], int] = {}
    for uid, score, round_id in zip(uids, scores, round_ids, strict=True):
        for key in ((0, uid), (round_id, uid)) if round_id else ((0, uid),):
            if best.get(key, -1) < score:
                best[key] = score
    new_rows, better = [], []
    for (scope, uid), score in best.items():
        before = old.get((scope, uid))
        if before is None:
            new_rows.append((contest_id, scope, uid, score))
        elif score > before:
            better.append({"c": contest_id, "s": scope, "u": uid, "b": score})
        delta.person(contest_id, scope, before, score, *profiles[uid])
    if better:
        conn.execute(_BETTER, better)
    delta.write(conn)
    return new_rows


def _rebuild_sql(dialect: str) -> list[str]:
    """INSERT ... SELECT statements that recount one contest (:c) from its attempts."""
    day = ("to_char(a.submitted_at + interval '7 hours', 'YYYY-MM-DD')" if dialect == "postgresql"
           else "strftime('%Y-%m-%d', a.submitted_at, '+7 hours')")
    statements = []

    def group(*terms: str) -> str:  # constants stay out: GROUP BY 0 would mean a column number
        return ", ".join(t for t in terms if t not in ("0", "''"))

    for scope, only in (("0", ""), ("a.round_id", " AND a.round_id IS NOT NULL")):
        finished = f"a.contest_id = :c AND a.score IS NOT NULL{only}"
        for label in ("''", "'u:' || u.unit", "'l:' || u.locality", f"'d:' || {day}"):
            statements.append(
                f"INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
                f"SELECT :c, {scope}, 'a', {label}, a.score, count(*) FROM attempt a "
                f'JOIN "user" u ON u.id = a.user_id WHERE {finished} GROUP BY {group(scope, label, "a.score")}')
        statements.append(
            f"INSERT INTO person_best (contest_id, scope, user_id, best) "
            f"SELECT :c, {scope}, a.user_id, max(a.score) FROM attempt a WHERE {finished} "
            f"GROUP BY {group(scope, 'a.user_id')}")
        statements.append(
            f"INSERT INTO item_tally (contest_id, scope, version_id, score, choice, n) "
            f"SELECT :c, {scope}, q.version_id, a.score, coalesce(ans.option_index, -1), count(*) "
            f"FROM attempt a JOIN attempt_question q ON q.attempt_id = a.id "
            f"LEFT JOIN answer ans ON ans.attempt_id = q.attempt_id AND ans.question_id = q.question_id "
            f"WHERE {finished} GROUP BY {group(scope, 'q.version_id', 'a.score', 'coalesce(ans.option_index, -1)')}")
    statements.append("INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
                      "SELECT :c, scope, 'b', '', best, count(*) FROM person_best WHERE contest_id = :c "
                      "GROUP BY scope, best")
    for label in ("'u:' || u.unit", "'l:' || u.locality"):
        statements.append(
            f"INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
            f"SELECT :c, b.scope, 'p', {label}, 0, count(*) FROM person_best b JOIN \"user\" u ON u.id = b.user_id "
            f"WHERE b.contest_id = :c GROUP BY b.scope, {label}")
    return statements


def rebuild(conn: Connection, contest_id: int) -> None:
    """Recount a contest's counters from its attempts (in the caller's transaction)."""
    for table in ("score_tally", "item_tally", "person_best"):
        conn.execute(text(f"DELETE FROM {table} WHERE contest_id = :c"), {"c": contest_id})
    for statement in _rebuild_sql(conn.dialect.name):
        conn.execute(text(statement), {"c": contest_id})

