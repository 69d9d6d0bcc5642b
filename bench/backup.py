"""Backup and restore at contest scale: a SQLite database with ``--rows`` imported attempts (default 1,000,000
by 700,000 people), backed up with `flask backup`, restored with `flask restore` into a fresh SQLite file and
a fresh PostgreSQL schema (the move to PostgreSQL), each timed as the operator runs it.

    .venv/bin/python bench/backup.py [--rows 1000000] [--people 700000]
"""
from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big_contest import OPENS, PG, flask, write_results  # noqa: E402


def main() -> None:
    from sqlalchemy import create_engine, text

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=700_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="quiz-backup-"))
    data = tmp / "results.csv"
    write_results(data, args.rows, args.people)
    source = f"sqlite:///{tmp / 'source.db'}"
    flask(source, "db", "upgrade")
    flask(source, "questions", "import", *map(str, sorted((ROOT / "question_bank").glob("*.csv"))))
    closes = max(OPENS + timedelta(days=60), datetime.now(timezone.utc) + timedelta(days=30))
    flask(source, "contests", "create", "--slug", "big", "--title", "Big", "--opens", OPENS.isoformat(),
          "--closes", closes.isoformat(), "--max-attempts", "50")
    flask(source, "results", "import", "big", str(data))
    backup = tmp / "quiz.jsonl.gz"
    seconds, output = flask(source, "backup", "--out", str(backup))
    print(f"backup of SQLite: {seconds:.1f} s, {backup.stat().st_size / 1e6:.0f} MB; {output.strip()}", flush=True)

    target = f"sqlite:///{tmp / 'target.db'}"
    flask(target, "db", "upgrade")
    seconds, output = flask(target, "restore", str(backup))
    print(f"restore into SQLite: {seconds:.1f} s; {output.strip()}", flush=True)

    admin = create_engine(PG.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    schema = f"bk_{secrets.token_hex(3)}"
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{PG}?options=-csearch_path%3D{schema}"
        flask(url, "db", "upgrade")
        seconds, output = flask(url, "restore", str(backup))
        print(f"restore into PostgreSQL: {seconds:.1f} s; {output.strip()}", flush=True)
        seconds, output = flask(url, "backup", "--out", str(tmp / "again.jsonl.gz"))
        print(f"backup of PostgreSQL: {seconds:.1f} s; {output.strip()}", flush=True)
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
