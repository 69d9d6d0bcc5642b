"""Certificates at ceremony scale: 20,000 participation certificates as one zip with `flask certificates`
(goal: under 60 s), and one certificate on demand through the API (goal: under 200 ms), on SQLite.

    .venv/bin/python bench/certificates.py [--people 20000]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big_contest import OPENS, flask  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Ngọc", "Thu", "Minh", "Hữu", "Thanh", "Quốc", "Hồng"]
GIVEN = ["Nhung", "Ưng", "Hà", "Anh", "Dũng", "Hương", "Tuấn", "Lan", "Phượng", "Khoa", "Yến", "Quỳnh", "Đạt"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(11)
    tmp = Path(tempfile.mkdtemp(prefix="quiz-certs-"))
    data = tmp / "results.csv"
    with data.open("w", encoding="utf-8") as fh:
        fh.write("email,full_name,unit,locality,score,duration_s,submitted_at,prediction\n")
        for p in range(args.people):
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            when = OPENS + timedelta(seconds=rng.randrange(20 * 86400))
            fh.write(f"p{p}@bench.vn,{name},HTX số {p % 300},Xã {p % 50},{rng.randrange(8, 21)},"
                     f"{rng.randrange(60, 1200)},{when.isoformat()},{rng.randrange(5000)}\n")
    url = f"sqlite:///{tmp / 'quiz.db'}"
    flask(url, "db", "upgrade")
    flask(url, "questions", "import", *map(str, sorted((ROOT / "question_bank").glob("*.csv"))))
    closes = max(OPENS + timedelta(days=30), datetime.now(timezone.utc) + timedelta(days=30))
    flask(url, "contests", "create", "--slug", "big", "--title", "Cuộc thi tìm hiểu Luật Hợp tác xã năm 2023",
          "--opens", OPENS.isoformat(), "--closes", closes.isoformat(), "--max-attempts", "5",
          "--prizes", "1:Giải Nhất,2:Giải Nhì,3:Giải Ba,10:Khuyến khích")
    flask(url, "results", "import", "big", str(data))
    seconds, _ = flask(url, "contests", "close", "big")  # freezes the ranking and issues the certificates
    print(f"flask contests close (freeze + {args.people:,} participation and the prize certificates issued): "
          f"{seconds:.1f} s")
    out = tmp / "certs.zip"
    import os

    os.environ["PUBLIC_URL"] = "https://thi.example.vn"
    seconds, output = flask(url, "certificates", "big", "--out", str(out), "--kind", "participation")
    with zipfile.ZipFile(out) as zf:
        count = len(zf.namelist())
    print(f"flask certificates (participation, {count} PDFs, {out.stat().st_size / 1e6:.0f} MB zip): "
          f"{seconds:.1f} s ({output.strip()})")

    os.environ["DATABASE_URL"] = url
    from quiz import create_app
    from quiz.infra.extensions import db
    from quiz.models import Certificate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        code = db.session.query(Certificate.code).filter_by(kind="participation").first()[0]
        from quiz.accounts.users import create_user

        create_user(db.session, email="judge@bench.vn", password="mat-khau-bench-1", full_name="Giám khảo",
                    role="judge", consent=True)
    client = app.test_client()
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    client.post("/api/v1/auth/login", json={"email": "judge@bench.vn", "password": "mat-khau-bench-1"},
                headers={"X-CSRFToken": token})
    times = []
    for _ in range(21):
        t = time.perf_counter()
        r = client.get(f"/api/v1/certificates/{code}/pdf")
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, r.status_code
    print(f"one certificate on demand (GET .../pdf): first {times[0] * 1000:.0f} ms, "
          f"median of the next 20 {sorted(times[1:])[10] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
