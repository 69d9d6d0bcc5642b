"""Contest-scale benchmark: 1,000,000 attempts by 700,000 people.

    .venv/bin/python bench/big_contest.py [--db sqlite|postgresql|both] [--rows 1000000]

The contest belongs to an organization with a unit directory of 2,000 units (codes, each in an official ward)
and its people live in wards of several provinces (their accounts are made first, each with a ward), so the
statistics have by_unit rows by code, by_locality rows by ward and by_province rows. Writes a results file
(each row's unit a code of the directory: the import enrolls everyone), times `flask results import` on it,
then times the statistics report (item counters filled to their largest possible size), the same report as
`GET /api/v1/contests/big/stats` and the dashboard page ask for it (computed, and from the shared snapshot),
the top-100 leaderboard, the freeze, the full winner export as the API builds it, and a full recount of the
statistics' counters (`quiz.contest.tallies.rebuild`).
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgresql://127.0.0.1:5432/test"
OPENS = datetime(2026, 1, 5, tzinfo=timezone.utc)


UNITS = 2000
PROVINCES = 6  # the people's wards (and the units') come from this many provinces


def bench_wards() -> list[str]:
    """Ward codes of PROVINCES provinces, all of their wards."""
    from quiz import places

    return [w.code for p in places.provinces()[:PROVINCES] for w in places.wards(p.code)]


def write_units(path: Path) -> None:
    wards = bench_wards()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("code,name,locality_code,headcount\n")
        for i in range(UNITS):
            fh.write(f"U{i:04d},HTX số {i},{wards[i * 7 % len(wards)]},{300 + i % 400}\n")


def write_results(path: Path, rows: int, people: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("email,full_name,unit,locality,score,duration_s,submitted_at,prediction\n")
        for i in range(rows):
            p = i if i < people else rng.randrange(people)
            score = min(20, max(0, int(rng.gauss(15, 3.5))))
            when = OPENS + timedelta(seconds=rng.randrange(40 * 86400))
            pred = "" if rng.random() < 0.1 else str(rng.randrange(100000))
            fh.write(f"p{p}@bench.vn,Người Thi {p},U{p % UNITS:04d},,{score},"
                     f"{rng.randrange(60, 1200)},{when.isoformat()},{pred}\n")


def make_people(url: str, people: int) -> float:
    """The people's accounts, each with an official ward (the import keeps existing profiles), in bulk."""
    from sqlalchemy import create_engine, insert

    from quiz import places
    from quiz.models import User

    wards = bench_wards()
    names = {code: places.ward(code).full_name for code in wards}
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    t = time.perf_counter()
    now = datetime.now(timezone.utc)
    with engine.begin() as c:
        for start in range(0, people, 50_000):
            c.execute(insert(User), [
                {"email": f"p{p}@bench.vn", "full_name": f"Người Thi {p}", "phone": "", "unit": "",
                 "locality": names[wards[p % len(wards)]], "locality_code": wards[p % len(wards)],
                 "role": "participant", "created_at": now} for p in range(start, min(people, start + 50_000))])
        c.execute(insert(User), [{"email": "admin@bench.vn", "full_name": "Quản trị", "role": "admin",
                                  "created_at": now}])
    engine.dispose()
    return time.perf_counter() - t


def flask(url: str, *args: str) -> tuple[float, str]:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench")
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return time.perf_counter() - t, out.stdout


def timed_in_process(url: str, stats_only: bool = False) -> dict:
    """Stats, top-100 and export timed inside one process (no interpreter start-up in the figure); with
    ``stats_only`` the statistics report, its endpoint and the dashboard page only."""
    from quiz import create_app
    from quiz.contest import ranking
    from quiz.contest.contests import get_contest
    from quiz.contest.stats import contest_stats
    from quiz.contest.tallies import rebuild
    from quiz.files import exports
    from quiz.infra.extensions import db
    from quiz.models import ItemTally

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://")})
    out = {}
    with app.app_context():
        contest = get_contest(db.session, "big")
        if not db.session.execute(db.select(ItemTally.version_id).limit(1)).first():  # not a --reuse'd database
            fill_item_counters(db.session, contest.id)

        web = logged_in_admin(app)
        for name, fn in (("stats", lambda: contest_stats(db.session, contest, with_items=False)),
                         ("stats_items", lambda: contest_stats(db.session, contest)),
                         ("stats_api", lambda: get(app, web, "/api/v1/contests/big/stats", 0)),
                         ("dashboard", lambda: get(app, web, "/results/big", 0)),
                         ("stats_api_snapshot", lambda: get(app, web, "/api/v1/contests/big/stats", 3600)),
                         ("dashboard_snapshot", lambda: get(app, web, "/results/big", 3600)),
                         ("top100", lambda: ranking.ranking(db.session, contest, limit=100)),
                         ("freeze", lambda: ranking.freeze(db.session, contest, None, None)),
                         ("frozen_top100", lambda: ranking.frozen_rows(
                             db.session, ranking.current_freeze(db.session, contest.id, None).id, 100)),
                         ("winners_csv", lambda: exports.winner_list(db.session, contest, None, "csv")),
                         ("winners_xlsx", lambda: exports.winner_list(db.session, contest, None, "xlsx")),
                         ("recount", lambda: rebuild(db.session.connection(), contest.id))):
            if stats_only and not name.startswith(("stats", "dashboard")):
                continue
            best = None
            for _ in range(1 if name.startswith(("winners", "freeze", "recount")) else 3):
                t = time.perf_counter()
                fn()
                db.session.commit()
                best = min(best or 1e9, time.perf_counter() - t)
            out[name] = best
        db.engine.dispose()
    return out


def logged_in_admin(app):
    """A test client logged in as the bench's admin (the login id Flask-Login keeps: "id:session version")."""
    from quiz.infra.extensions import db
    from quiz.models import User

    admin = db.session.execute(db.select(User).where(User.email == "admin@bench.vn")).scalar_one()
    web = app.test_client()
    with web.session_transaction() as session:
        session["_user_id"], session["_fresh"] = admin.get_id(), True
    db.session.commit()
    return web


def get(app, web, path: str, max_age_s: float) -> None:
    """One GET of a statistics page or endpoint; STATS_MAX_AGE_S 0 computes the report in the request."""
    app.config["STATS_MAX_AGE_S"] = max_age_s
    r = web.get(path)
    assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:300])
    if path.endswith("/stats"):
        body = r.get_json()
        assert body["by_province"] and body["by_unit"][0]["code"], "no provinces or unit codes in the report"


def fill_item_counters(s, contest_id: int) -> None:
    """Item counters at their largest: every question version x every score x every choice.

    Imported attempts carry no questions, so the import leaves these empty; a
    live contest fills them up to this size whatever its number of attempts."""
    from sqlalchemy import text

    s.execute(text("INSERT INTO item_tally (contest_id, scope, version_id, score, choice, n) "
                   "SELECT :c, 0, v.id, sc.score, ch.choice, 1 + (v.id * 7 + sc.score * 3 + ch.choice) % 50 "
                   "FROM question_version v CROSS JOIN (SELECT DISTINCT score FROM score_tally) sc "
                   "CROSS JOIN (SELECT -1 AS choice UNION ALL SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 "
                   "UNION ALL SELECT 3) ch"), {"c": contest_id})
    s.commit()


def build(kind: str, data: Path, *contest_options: str, people: int = 0) -> tuple[str, float, object]:
    """A migrated database of ``kind`` with the shipped bank, the open contest "big" and ``data`` imported:
    (its URL, the import's seconds, a function that drops it). ``people``: that many accounts made first, each
    with an official ward (the import keeps existing profiles)."""
    tmp = Path(tempfile.mkdtemp(prefix="quiz-big-"))
    drop = lambda: None  # noqa: E731
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'big.db'}"
    else:
        from sqlalchemy import create_engine, text

        schema = f"big_{secrets.token_hex(3)}"
        admin = create_engine(PG.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG}?options=-csearch_path%3D{schema}"

        def drop():
            with admin.connect() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    flask(url, "db", "upgrade")
    flask(url, "questions", "import", *map(str, sorted((ROOT / "question_bank").glob("*.csv"))))
    closes = max(OPENS + timedelta(days=60), datetime.now(timezone.utc) + timedelta(days=30))  # open: live ranking
    flask(url, "orgs", "create", "--slug", "big-org", "--name", "Liên minh HTX (benchmark)")
    write_units(tmp / "units.csv")
    flask(url, "units", "import", "big-org", str(tmp / "units.csv"))
    flask(url, "contests", "create", "--slug", "big", "--title", "Big", "--opens", OPENS.isoformat(),
          "--closes", closes.isoformat(), "--max-attempts", "50", "--org", "big-org", *contest_options)
    if people:
        BUILT["people_s"] = make_people(url, people)
    seconds, _output = flask(url, "results", "import", "big", str(data))
    return url, seconds, drop


BUILT: dict = {}  # what build() measured besides the import (the accounts' bulk insert)


def run(kind: str, rows: int, people: int, data: Path) -> dict:
    url, seconds, drop = build(kind, data, people=people)
    result = {"people_s": BUILT.pop("people_s", 0.0), "import_s": seconds, **timed_in_process(url)}
    drop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=700_000)
    parser.add_argument("--reuse", metavar="URL", help="time an already built database again (no import)")
    parser.add_argument("--stats-only", action="store_true", help="time the statistics and the dashboard only")
    args = parser.parse_args()
    if args.reuse:
        for name, seconds in timed_in_process(args.reuse, args.stats_only).items():
            print(f"{name}: {seconds * 1000:.0f} ms", flush=True)
        return
    data = Path(tempfile.mkdtemp(prefix="quiz-big-data-")) / "results.csv"
    write_results(data, args.rows, args.people)
    print(f"| database | accounts ({args.people:,}) | results import ({args.rows:,} rows) | stats | "
          "stats + item analysis | GET stats (computed / snapshot) | dashboard page (computed / snapshot) | "
          "live top-100 | freeze | frozen top-100 | winners CSV | winners XLSX | full recount of the counters |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        r = run(kind, args.rows, args.people, data)
        print(f"| {kind} | {r['people_s']:.1f} s | {r['import_s']:.1f} s | {r['stats'] * 1000:.0f} ms | "
              f"{r['stats_items'] * 1000:.0f} ms | "
              f"{r['stats_api'] * 1000:.0f} / {r['stats_api_snapshot'] * 1000:.0f} ms | "
              f"{r['dashboard'] * 1000:.0f} / {r['dashboard_snapshot'] * 1000:.0f} ms | "
              f"{r['top100'] * 1000:.0f} ms | {r['freeze']:.1f} s | {r['frozen_top100'] * 1000:.0f} ms | "
              f"{r['winners_csv']:.1f} s | {r['winners_xlsx']:.1f} s | {r['recount']:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
