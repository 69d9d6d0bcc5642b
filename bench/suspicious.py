"""How long the suspicious-pattern report takes, and how many pairs of sheets it compares.

    .venv/bin/python bench/suspicious.py [--db sqlite|postgresql|both] [--attempts 3000 10000 30000]

For each size and database: a fresh database with either the real bank (523 questions, default blueprint:
two papers share about one question) or a 30-question bank (any two papers share at least 10: the worst
case for identical-sheet search), that many finished attempts (80% right, random mistakes, from N/3
addresses and 50 device marks over ten hours) and a ring of 4 copying one sheet. Prints the report's time
(best of 3), the identical-sheet search's own time and its counts: sheets read, bucket keys, pairs made
in buckets (against all pairs), those sharing enough questions, and those checked exactly.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgresql+psycopg://127.0.0.1:5432/test"


def measure(kind: str, attempts: int, bank: str) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from quiz import create_app
    from quiz.bank.questions import import_questions
    from quiz.contest.contests import create_contest
    from quiz.contest.similar_sheets import similar_clusters
    from quiz.contest.suspicious import build_report
    from quiz.infra.extensions import db
    from tests.bulk import insert_sheets
    from tests.conftest import make_questions

    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='quiz-susp-')) / 's.db'}"
    else:
        schema = f"susp_{secrets.token_hex(3)}"
        with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG}?options=-csearch_path%3D{schema}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    try:
        with app.app_context():
            upgrade()
            if bank == "real":
                from quiz.bank.check import bank_files
                from quiz.bank.question_files import parse_questions

                import_questions(db.session, [q for f in bank_files() for q in parse_questions(f)])
            else:
                import_questions(db.session, make_questions(30))
            contest = create_contest(db.session, slug="s", title="S")
            ring = insert_sheets(db.session, contest, attempts, ring=4, rng=random.Random(11),
                                 addresses=max(1, attempts // 3))
            if kind == "postgresql":  # planner statistics, as autovacuum would have them by now
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            best = None
            for _ in range(3):
                t = time.perf_counter()
                report = build_report(db.session, contest)
                best = min(best or 1e9, time.perf_counter() - t)
            stats = {}
            t = time.perf_counter()
            clusters = similar_clusters(db.session, contest.id, None, stats=stats)
            search = time.perf_counter() - t
            db.session.commit()
            found = any(set(ring) <= {a for _u, a in c.attempts} for c in clusters)
            db.engine.dispose()
    finally:
        if schema:
            with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    return {"report_s": best, "search_s": search, "ring_found": found, "flags": report["counts"], **stats}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--attempts", type=int, nargs="+", default=[3000, 10000, 30000])
    parser.add_argument("--bank", choices=["real", "small", "both"], default="both")
    args = parser.parse_args()
    print("| database | bank | attempts | report (best of 3) | identical-sheet search | sheets read | bucket keys | "
          "pairs in buckets (all pairs) | sharing >= 10 questions | checked exactly | ring found | flags |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        for bank in (["real", "small"] if args.bank == "both" else [args.bank]):
            for n in args.attempts:
                r = measure(kind, n, bank)
                total = (n + 4) * (n + 3) // 2
                flags = ", ".join(f"{k} {v}" for k, v in r["flags"].items() if v)
                print(f"| {kind} | {'523 questions' if bank == 'real' else '30 questions'} | {n:,} | "
                      f"{r['report_s'] * 1000:.0f} ms | {r['search_s'] * 1000:.0f} ms | {r['sheets']:,} | "
                      f"{r['buckets']:,} | {r['candidate_pairs']:,} ({total:,}) | {r['overlapping_pairs']:,} | "
                      f"{r['checked_pairs']:,} | {r['ring_found']} | {flags} |",
                      flush=True)


if __name__ == "__main__":
    main()
