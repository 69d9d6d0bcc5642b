"""The unit search (GET /api/v1/contests/SLUG/units?q=...) with a directory of 20,000 units.

    .venv/bin/python bench/units.py [--units 20000] [--database URL] [--repeat 200]

Builds a migrated database (a temporary SQLite file unless --database names an empty one, e.g. the test
PostgreSQL), creates an organization with UNITS units (Vietnamese names with diacritics: "HTX Nông nghiệp Thắng
Thủy 123"), imports them through ``flask units import`` (the real file path: .csv, checked, one transaction),
then asks the API for a handful of typical searches (with and without diacritics, short and long, a code, no
match) through the Flask test client, REPEAT times each. Prints the import time and each search's median and
95th percentile in milliseconds: the whole request (routing, the query, JSON), not the query alone. The target
(issue 10): under 50 ms. Figures: docs/benchmarks.md, "Unit search".
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ["HTX Nông nghiệp", "HTX Dịch vụ", "Tổ hợp tác", "HTX Thủy sản", "Quỹ tín dụng nhân dân", "HTX Vận tải",
         "Liên hiệp HTX", "HTX Môi trường", "HTX Chè", "HTX Muối"]
PLACES = ["Thắng Thủy", "Tân Phú", "Vĩnh Bảo", "Hồng Bàng", "Kiến An", "Đồ Sơn", "Cát Hải", "An Lão", "Thủy Nguyên",
          "Tiên Lãng", "Hải An", "Dương Kinh", "Lê Chân", "Ngô Quyền", "Bạch Long Vĩ", "Nam Định", "Ý Yên", "Giao Thủy",
          "Hải Hậu", "Xuân Trường"]
QUERIES = ["thang thuy", "Thắng Thủy", "htx nong nghiep tan phu", "quỹ tín dụng", "u-01234", "giao", "khong co gi",
           "h"]


def flask(url: str, *args: str) -> str:
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def query_alone(app, org_id: int, q: str, repeat: int) -> list[float]:
    """The search's own time (quiz.contest.units.find_units, its read transaction), without the request around it:
    on a loaded machine it tells the query from the rest."""
    from quiz.contest.units import find_units
    from quiz.infra.extensions import db

    times = []
    with app.app_context():
        for _ in range(repeat):
            t = time.perf_counter()
            find_units(db.session, org_id, q)
            db.session.commit()
            times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--database", default=None, help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="units-bench-"))
    url = args.database or f"sqlite:///{tmp / 'units.db'}"
    flask(url, "db", "upgrade")
    flask(url, "orgs", "create", "--slug", "hai-phong", "--name", "Liên minh HTX thành phố Hải Phòng")
    rng = random.Random(10)
    lines = ["code,name,locality_code,headcount"]
    for i in range(args.units):
        lines.append(f"U-{i:05d},{rng.choice(KINDS)} {rng.choice(PLACES)} {i},,{rng.randint(5, 500)}")
    (tmp / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    flask(url, "units", "import", "hai-phong", str(tmp / "units.csv"))
    print(f"flask units import: {args.units:,} units in {time.perf_counter() - started:.2f} s")

    from quiz import create_app
    from quiz.infra.extensions import db
    from quiz.models import Contest, Organization, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():  # a contest row of the organization: the search reads only its organization
        org = db.session.query(Organization).filter_by(slug="hai-phong").one()
        db.session.add(Contest(slug="hp", title="Cuộc thi", organization_id=org.id, opens_at=utcnow(),
                               closes_at=utcnow().replace(year=utcnow().year + 1)))
        db.session.commit()
        org_id = org.id
    client = app.test_client()
    print(f"{'query':<28} {'found':>5} {'median ms':>10} {'p95 ms':>8} {'query alone: median':>20} {'p95':>7}")
    worst = 0.0
    for q in QUERIES:
        client.get("/api/v1/contests/hp/units", query_string={"q": q})  # warm
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = client.get("/api/v1/contests/hp/units", query_string={"q": q})
            times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
        p95 = statistics.quantiles(times, n=20)[18]
        worst = max(worst, p95)
        alone = query_alone(app, org_id, q, args.repeat)
        print(f"{q:<28} {len(r.get_json()['units']):>5} {statistics.median(times):>10.2f} {p95:>8.2f} "
              f"{statistics.median(alone):>20.2f} {statistics.quantiles(alone, n=20)[18]:>7.2f}")
    print(f"worst p95: {worst:.2f} ms (target: under 50 ms)")


if __name__ == "__main__":
    main()
