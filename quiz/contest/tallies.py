"""Counters behind the statistics report, kept as attempts are scored.

Summarising a million attempts from scratch takes seconds; the report must take
well under one. So every transaction that scores an attempt also adds it to a
few counters (models ScoreTally, ItemTally, PersonBest): per score, per unit,
place and Viet Nam day, per question version and choice, each person's
best score, and the sum of each unit's members' best scores (for collective
prizes, quiz.contest.collective). The report then reads a few thousand small rows (quiz.contest.stats).

A person's unit in a contest is the directory's unit they enrolled in (label ``c:`` and the unit's code,
quiz.contest.units), so two spellings of one unit never split it; without an enrollment (a contest whose
organization has no directory) it is their profile's free text (``u:`` and the text).
A person's place is their official ward when they picked one (label ``w:`` and
the five-digit code; the report adds wards up into provinces, since a ward's
province never changes), else their free-text locality (``l:`` and the text).

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
# On PostgreSQL the person's row is share-locked: a profile change (users.change_profile, which updates the
# row before it moves the counters) and a scoring then take turns, so no attempt is counted under a stale place.
_PROFILE_SQL = ('SELECT u.unit, u.locality, u.locality_code, un.code FROM "user" u '
                'LEFT JOIN enrollment e ON e.user_id = u.id AND e.contest_id = :c '
                'LEFT JOIN unit un ON un.id = e.unit_id WHERE u.id = :u')
_PROFILE = {"postgresql": text(_PROFILE_SQL + " FOR SHARE OF u"), "sqlite": text(_PROFILE_SQL)}
_PLACE_SQL = "CASE WHEN u.locality_code IS NULL THEN 'l:' || u.locality ELSE 'w:' || u.locality_code END"
_UNIT_SQL = "CASE WHEN un.code IS NULL THEN 'u:' || u.unit ELSE 'c:' || un.code END"
# The person's enrollment in the contest (alias un: their unit), for the recount; {a} is the table with user_id.
_ENROLLED_SQL = ("LEFT JOIN enrollment e ON e.user_id = {a}.user_id AND e.contest_id = {a}.contest_id "
                 "LEFT JOIN unit un ON un.id = e.unit_id")


# The sum of the members' best scores per unit (kind ``s``, score 0; quiz.contest.collective reads it with the
# people per unit, kind ``p``), recounted from person_best.
UNIT_BESTS_SQL = ("INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
                  "SELECT :c, b.scope, 's', " + _UNIT_SQL + ", 0, sum(b.best) FROM person_best b "
                  'JOIN "user" u ON u.id = b.user_id ' + _ENROLLED_SQL.format(a="b") + " WHERE b.contest_id = :c "
                  "GROUP BY b.scope, " + _UNIT_SQL)


def unit_label(unit: str, unit_code: str | None) -> str:
    """The counter label of a person's unit in a contest: the directory's code when they enrolled, else the
    profile's free text."""
    return "c:" + unit_code if unit_code else "u:" + (unit or "")


def place_label(locality: str, locality_code: str | None) -> str:
    """The counter label of a person's place: their ward's code when they picked one, else the free text."""
    return "w:" + locality_code if locality_code else "l:" + (locality or "")


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

    def attempt(self, contest_id: int, round_id: int | None, score: int, unit: str, place: str,
                submitted_at: datetime, choices=()) -> None:
        """``unit``: the person's ``unit_label``; ``place``: their ``place_label``."""
        labels = ("", unit, place, "d:" + vn_day(submitted_at))
        for scope in scopes_of(round_id):
            for label in labels:
                self.scores[(contest_id, scope, "a", label, score)] += 1
            for version_id, choice in choices:
                self.items[(contest_id, scope, version_id, score, choice)] += 1

    def person(self, contest_id: int, scope: int, old: int | None, new: int, unit: str, place: str) -> None:
        """A person's best in a scope went from ``old`` (None: first finished attempt) to ``new``."""
        if old is None:
            self.scores[(contest_id, scope, "p", unit, 0)] += 1
            self.scores[(contest_id, scope, "p", place, 0)] += 1
        elif new <= old:
            return
        else:
            self.scores[(contest_id, scope, "b", "", old)] -= 1
        self.scores[(contest_id, scope, "b", "", new)] += 1
        self.scores[(contest_id, scope, "s", unit, 0)] += new - (old or 0)

    def move_best(self, contest_id: int, scope: int, best: int, before: str, after: str) -> None:
        """A person with this best score in a scope moves from the label ``before`` to ``after`` (a unit or a
        place): their place among the participants, and for a unit their best in its members' sum."""
        for kind, n in (("p", 1), ("s", best)):
            if kind == "s" and not before.startswith(("u:", "c:")):
                continue  # a place: no sum of best scores by place
            self.scores[(contest_id, scope, kind, before, 0)] -= n
            self.scores[(contest_id, scope, kind, after, 0)] += n

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
    free_unit, locality, locality_code, unit_code = conn.execute(
        _PROFILE[conn.dialect.name], {"u": user_id, "c": contest_id}).one()
    unit, place = unit_label(free_unit, unit_code), place_label(locality, locality_code)
    delta = Delta()
    delta.attempt(contest_id, round_id, score, unit, place, submitted_at, choices)
    select_best = _BEST[conn.dialect.name]
    for scope in scopes_of(round_id):
        key = {"c": contest_id, "s": scope, "u": user_id}
        old = conn.execute(select_best, key).scalar()
        if old is None and conn.execute(_NEW_BEST, {**key, "b": score}).rowcount != 1:
            old = conn.execute(select_best, key).scalar()  # someone else made the row a moment ago
        if old is not None and score > old:
            conn.execute(_BETTER, {**key, "b": score})
        delta.person(contest_id, scope, old, score, unit, place)
    delta.write(conn)


def count_imported(conn: Connection, contest_id: int, rows, profiles: dict[int, tuple[str, str]]) -> list[tuple]:
    """Add imported attempts ((user id, score, submitted_at, round id), ...) to the counters.
    ``profiles``: user id -> (``unit_label``, ``place_label``).

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
    # A person's (unit, place) pair is one shared tuple: counting by it counts both at once.
    by_profile = Counter(zip(round_ids, [profiles[u] for u in uids], scores, strict=True))
    by_day = Counter(zip(round_ids, day_numbers, scores, strict=True))
    delta = Delta()
    for (round_id, (unit, place), score), n in by_profile.items():
        for scope in scopes_of(round_id):
            for label in ("", unit, place):
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
        for label in ("''", _UNIT_SQL, _PLACE_SQL, f"'d:' || {day}"):
            enrolled = " " + _ENROLLED_SQL.format(a="a") if label == _UNIT_SQL else ""
            statements.append(
                f"INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
                f"SELECT :c, {scope}, 'a', {label}, a.score, count(*) FROM attempt a "
                f'JOIN "user" u ON u.id = a.user_id{enrolled} WHERE {finished} '
                f'GROUP BY {group(scope, label, "a.score")}')
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
    for label in (_UNIT_SQL, _PLACE_SQL):
        enrolled = " " + _ENROLLED_SQL.format(a="b") if label == _UNIT_SQL else ""
        statements.append(
            f"INSERT INTO score_tally (contest_id, scope, kind, label, score, n) "
            f"SELECT :c, b.scope, 'p', {label}, 0, count(*) FROM person_best b JOIN \"user\" u ON u.id = b.user_id"
            f"{enrolled} WHERE b.contest_id = :c GROUP BY b.scope, {label}")
    statements.append(UNIT_BESTS_SQL)
    return statements


def rebuild(conn: Connection, contest_id: int) -> None:
    """Recount a contest's counters from its attempts (in the caller's transaction)."""
    for table in ("score_tally", "item_tally", "person_best"):
        conn.execute(text(f"DELETE FROM {table} WHERE contest_id = :c"), {"c": contest_id})
    for statement in _rebuild_sql(conn.dialect.name):
        conn.execute(text(statement), {"c": contest_id})



_ENROLLED_IN = text("SELECT contest_id FROM enrollment WHERE user_id = :u")
_FINISHED_OF = text("SELECT contest_id, round_id, score, count(*) FROM attempt "
                    "WHERE user_id = :u AND score IS NOT NULL GROUP BY contest_id, round_id, score")
_BESTS_OF = text("SELECT contest_id, scope, best FROM person_best WHERE user_id = :u")


def move_person(conn: Connection, user_id: int, old: tuple[str, str], new: tuple[str, str]) -> None:
    """Move a person's finished attempts and their place among the participants from ``old`` (unit,
    ``place_label``) to ``new``, in the caller's transaction: what a recount with the new profile gives."""
    delta = Delta()
    moves = [(before, after) for before, after in zip(("u:" + old[0], old[1]), ("u:" + new[0], new[1]), strict=True)
             if before != after]
    # Where the person enrolled in a directory's unit, their counters stand under its code: the free text moves
    # nothing there.
    enrolled = set(conn.execute(_ENROLLED_IN, {"u": user_id}).scalars())
    place_moves = [(before, after) for before, after in moves if not before.startswith("u:")]

    def moves_in(contest_id: int) -> list:
        return place_moves if contest_id in enrolled else moves

    for contest_id, round_id, score, n in conn.execute(_FINISHED_OF, {"u": user_id}):
        for scope in scopes_of(round_id):
            for before, after in moves_in(contest_id):
                delta.scores[(contest_id, scope, "a", before, score)] -= n
                delta.scores[(contest_id, scope, "a", after, score)] += n
    for contest_id, scope, best in conn.execute(_BESTS_OF, {"u": user_id}):
        for before, after in moves_in(contest_id):
            delta.move_best(contest_id, scope, best, before, after)
    delta.write(conn)
    contests = sorted({key[0] for key in delta.scores})
    if contests:  # a recount has no empty rows: drop those the move emptied
        conn.execute(text("DELETE FROM score_tally WHERE contest_id = :c AND n = 0"), [{"c": c} for c in contests])


_FINISHED_IN = text("SELECT round_id, score, count(*) FROM attempt WHERE user_id = :u AND contest_id = :c "
                    "AND score IS NOT NULL GROUP BY round_id, score")
_BESTS_IN = text("SELECT scope, best FROM person_best WHERE user_id = :u AND contest_id = :c")


def move_unit(conn: Connection, user_id: int, contest_id: int, old: str, new: str) -> None:
    """Move a person's finished attempts in one contest, and their place among its participants, from the unit
    label ``old`` to ``new`` (a staff member moved them to another unit), in the caller's transaction."""
    if old == new:
        return
    delta = Delta()
    for round_id, score, n in conn.execute(_FINISHED_IN, {"u": user_id, "c": contest_id}):
        for scope in scopes_of(round_id):
            delta.scores[(contest_id, scope, "a", old, score)] -= n
            delta.scores[(contest_id, scope, "a", new, score)] += n
    for scope, best in conn.execute(_BESTS_IN, {"u": user_id, "c": contest_id}):
        delta.move_best(contest_id, scope, best, old, new)
    delta.write(conn)
    if delta.scores:
        conn.execute(text("DELETE FROM score_tally WHERE contest_id = :c AND n = 0"), {"c": contest_id})
