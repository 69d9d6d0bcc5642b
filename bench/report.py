"""The ceremony report at a million attempts (goal: under 3 s), and the freeze that issues everyone's
certificates, on SQLite and PostgreSQL.

    .venv/bin/python bench/report.py [--db sqlite|postgresql|both] [--rows 1000000] [--people 700000]

Builds the database of bench/big_contest.py (its results file, its import) with prize tiers, then times in one
process: the report while the contest is open (provisional ranking), its parts (the statistics from the
counters, the prize places, the units, the PDF), the freeze (the ranking copied and every certificate issued),
the report of the frozen ranking, and a re-freeze (what a judge's verdict costs: nothing new to issue).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big_contest import build, write_results  # noqa: E402

PRIZES = "1:Giải Nhất,3:Giải Nhì,6:Giải Ba,30:Khuyến khích"


def best_of(n: int, fn) -> float:
    best = None
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best or 1e9, time.perf_counter() - t)
    return best


def timed(url: str) -> dict:
    from quiz import create_app
    from quiz.contest import ranking
    from quiz.contest.collective import collective
    from quiz.contest.contests import get_contest
    from quiz.contest.stats import contest_stats
    from quiz.files.report import ceremony_report
    from quiz.infra.database import reading
    from quiz.infra.extensions import db
    from quiz.models import Certificate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://")})
    out = {}
    with app.app_context():
        s = db.session
        contest = get_contest(s, "big")

        def report():
            data = ceremony_report(s, contest, None, "Liên minh Hợp tác xã Việt Nam")
            s.commit()
            assert data.startswith(b"%PDF")

        def stats():
            with reading(s):
                contest_stats(s, contest, None, with_items=False)

        out["report_first"] = best_of(1, report)
        out["report_open"] = best_of(3, report)
        out["stats"] = best_of(3, stats)
        out["prize_places"] = best_of(3, lambda: (ranking.ranking(s, contest, None, limit=30), s.commit()))
        out["units"] = best_of(3, lambda: (collective(s, contest, None), s.commit()))
        out["freeze"] = best_of(1, lambda: ranking.freeze(s, contest, None, None))
        out["certificates"] = s.query(Certificate).count()
        s.commit()
        out["report_frozen"] = best_of(3, report)
        out["refreeze"] = best_of(1, lambda: ranking.freeze(s, contest, None, None, reason="bench"))
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=700_000)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="quiz-report-data-")) / "results.csv"
    write_results(data, args.rows, args.people)
    print(f"| database | import ({args.rows:,} rows) | report, first | report, open (provisional) | statistics | "
          "prize places | units | freeze + certificates | certificates | report, frozen | re-freeze |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        url, seconds, drop = build(kind, data, "--prizes", PRIZES, people=args.people)
        r = timed(url)
        drop()
        print(f"| {kind} | {seconds:.1f} s | {r['report_first']:.2f} s | {r['report_open']:.2f} s | "
              f"{r['stats'] * 1000:.0f} ms | {r['prize_places'] * 1000:.0f} ms | {r['units'] * 1000:.0f} ms | "
              f"{r['freeze']:.1f} s | {r['certificates']:,} | {r['report_frozen']:.2f} s | {r['refreeze']:.1f} s |",
              flush=True)


if __name__ == "__main__":
    main()
