"""The collective ranking (quiz.contest.collective) of a contest the size of a million attempts.

    .venv/bin/python bench/collective.py [--people 700000] [--units 2000] [--database URL] [--repeat 3]

A million finished attempts by 700,000 people (the shape of bench/big_contest.py) leave 700,000 ``person_best``
rows and the counters of people per unit and the sum of their best scores (``score_tally`` kinds ``p`` and
``s``, two rows per unit): the collective ranking reads the counters, never the attempts, and ``person_best``
only for the disqualified. So the benchmark builds exactly that: a migrated database (a temporary SQLite file unless
--database names an empty one, e.g. the test PostgreSQL), an organization with UNITS units (headcounts, a tenth
without), a contest, PEOPLE accounts of whom 90% enrolled in a directory's unit and the rest with a free-text
unit, each with a best score, and 20 disqualified people. It times ``collective()`` for each rule (the best of
REPEAT runs, after one warm-up) and prints the ranked units. Figures: docs/benchmarks.md, "Collective prizes".
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHUNK = 50_000


def migrate(url: str) -> None:
    import os

    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)


def bulk(session, table, rows) -> None:
    from sqlalchemy import insert

    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i:i + CHUNK])
    session.commit()


def fill(session, people: int, unit_count: int) -> object:
    from sqlalchemy import text

    from quiz.contest.tallies import UNIT_BESTS_SQL
    from quiz.models import Contest, Enrollment, Organization, PersonBest, Unit, User, Verdict, utcnow

    rng = random.Random(11)
    org = Organization(slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    session.add(org)
    session.flush()
    now = utcnow()
    contest = Contest(slug="big", title="Cuộc thi lớn", organization_id=org.id, opens_at=now,
                      closes_at=now.replace(year=now.year + 1))
    session.add(contest)
    session.commit()
    bulk(session, Unit.__table__, [
        {"organization_id": org.id, "code": f"U-{i:05d}", "name": f"HTX số {i}",
         "headcount": None if i % 10 == 0 else rng.randint(200, 900), "search_text": f"u-{i:05d} htx so {i}"}
        for i in range(unit_count)])
    unit_ids = [u for (u,) in session.execute(Unit.__table__.select().with_only_columns(Unit.id)
                                              .where(Unit.organization_id == org.id).order_by(Unit.id))]
    started = time.perf_counter()
    bulk(session, User.__table__, [
        {"email": f"p{i}@bench.vn", "full_name": f"Người Thi {i}", "unit": f"HTX tự do {i % 300}",
         "password_hash": None, "created_at": now} for i in range(people)])
    first = session.execute(User.__table__.select().with_only_columns(User.id)
                            .where(User.email == "p0@bench.vn")).scalar_one()
    ids = range(first, first + people)
    bulk(session, Enrollment.__table__, [
        {"user_id": uid, "contest_id": contest.id, "unit_id": unit_ids[uid % unit_count], "enrolled_at": now}
        for uid in ids if uid % 10])
    bulk(session, PersonBest.__table__, [
        {"contest_id": contest.id, "scope": 0, "user_id": uid, "best": min(20, max(0, int(rng.gauss(15, 3.5))))}
        for uid in ids])
    # The counters scoring keeps (kinds p and s: people per unit, their best scores' sum), as rebuild counts them.
    session.execute(text(UNIT_BESTS_SQL), {"c": contest.id})
    session.execute(text(
        "INSERT INTO score_tally (contest_id, scope, kind, label, score, n) SELECT :c, 0, 'p', "
        "CASE WHEN un.code IS NULL THEN 'u:' || u.unit ELSE 'c:' || un.code END, 0, count(*) FROM person_best b "
        'JOIN "user" u ON u.id = b.user_id LEFT JOIN enrollment e ON e.user_id = b.user_id AND e.contest_id = :c '
        "LEFT JOIN unit un ON un.id = e.unit_id WHERE b.contest_id = :c "
        "GROUP BY CASE WHEN un.code IS NULL THEN 'u:' || u.unit ELSE 'c:' || un.code END"), {"c": contest.id})
    session.commit()
    bulk(session, Verdict.__table__, [
        {"contest_id": contest.id, "scope": 0, "user_id": uid, "verdict": "disqualified", "reason": "bench",
         "decided_by": "bench", "decided_at": now} for uid in rng.sample(ids, 20)])
    print(f"filled {people:,} people, {unit_count:,} units in {time.perf_counter() - started:.1f} s")
    return contest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=700_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--database", default=None, help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp(prefix='collective-bench-')) / 'c.db'}"
    migrate(url)

    from quiz import create_app
    from quiz.contest.collective import RULES, collective
    from quiz.infra.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
                      "SECRET_KEY": "bench"})
    with app.app_context():
        contest = fill(db.session, args.people, args.units)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        for rule in RULES:
            contest.collective_rule = rule
            db.session.commit()
            collective(db.session, contest)  # warm
            best, rows = None, []
            for _ in range(args.repeat):
                t = time.perf_counter()
                _settings, rows = collective(db.session, contest)
                best = min(best or 1e9, time.perf_counter() - t)
            print(f"{rule:<20} {len(rows):>5} units ranked, best of {args.repeat}: {best * 1000:.0f} ms")


if __name__ == "__main__":
    main()
