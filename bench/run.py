"""Deadline-rush benchmark: answer saves vs a bare upsert endpoint, and whole attempts.

    .venv/bin/python bench/run.py [--db sqlite|postgresql|both] [--seconds 15] [--limits off|memory|redis]

Starts gunicorn (2 sync workers) for the app and for bench/bare_app.py on the
same fresh database, loads each with wrk (64 connections), then runs whole
attempts (start, 20 saves, submit) from a Python client. Prints a Markdown
table for docs/benchmarks.md.

--limits: off (RATELIMIT_ENABLED=false, the default), memory (limits on, counted in each process) or
redis (limits on, counted in Redis at $BENCH_REDIS_URL, default redis://127.0.0.1:6379/9, under a prefix of
its own). With limits on every limit is raised far above the load (256 people log in from one address, each
attempt takes hundreds of saves a second), so every request pays for the counting and none is refused.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgresql://127.0.0.1:5432/test"
PG_ENGINE = PG.replace("postgresql://", "postgresql+psycopg://")
USERS = 256


def setup(url: str, users: int = USERS) -> None:
    """Migrate, load the bank, create the contest and ``users`` users u0@bench.vn... (in bulk)."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from quiz import create_app
    from quiz.accounts.privacy import NOTICE_VERSION
    from quiz.bank.check import bank_files
    from quiz.bank.question_files import parse_questions
    from quiz.bank.questions import import_questions
    from quiz.contest.contests import create_contest
    from quiz.infra.extensions import db
    from quiz.models import User, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://")})
    with app.app_context():
        upgrade()
        import_questions(db.session, [q for f in bank_files() for q in parse_questions(f)])
        from datetime import timedelta

        create_contest(db.session, slug="bench", title="Bench", time_limit_s=24 * 3600, max_attempts=1000,
                       opens_at=utcnow() - timedelta(hours=1))
        pw = generate_password_hash("bench-password")
        db.session.execute(User.__table__.insert(), [
            {"email": f"u{i}@bench.vn", "password_hash": pw, "full_name": f"Người {i}", "phone": "", "unit": "",
             "locality": "", "role": "participant", "created_at": utcnow(), "consent_version": NOTICE_VERSION}
            for i in range(users)])
        db.session.commit()
        db.engine.dispose()


REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
HIGH = "1000000 per minute"


def limit_env(limits: str) -> dict:
    """The environment of --limits: off, or on (in memory or Redis) with every limit far above the load."""
    if limits == "off":
        return {"RATELIMIT_ENABLED": "false"}
    from quiz.infra.settings import RATE_LIMITS

    env = {"RATELIMIT_ENABLED": "true", **{name: HIGH for name in RATE_LIMITS}}
    env.pop("REDIS_URL", None)
    if limits == "redis":
        env.update(REDIS_URL=REDIS, RATELIMIT_KEY_PREFIX=f"bench-{secrets.token_hex(4)}")
    return env


def serve(module: str, url: str, port: int, limits: str = "off") -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", **limit_env(limits))
    if limits != "redis":
        env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--backlog", "2048", module], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{module} did not start")


def login(base: str, i: int) -> tuple[requests.Session, str]:
    s = requests.Session()
    token = s.get(base + "/api/v1/csrf").json()["csrf_token"]
    r = s.post(base + "/api/v1/auth/login", json={"email": f"u{i}@bench.vn", "password": "bench-password"},
               headers={"X-CSRFToken": token})
    r.raise_for_status()
    return s, token


def prepare_saves(base: str, out_app: Path, out_bare: Path) -> None:
    """One open attempt per user; request lines for every (attempt, question) pair."""
    app_lines, bare_lines = [], []
    for i in range(USERS // 2):
        s, token = login(base, i)
        a = s.post(base + "/api/v1/contests/bench/attempts", headers={"X-CSRFToken": token}).json()["attempt"]
        cookie = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
        for q in a["questions"]:
            body = json.dumps({"option_id": q["options"][0]["id"]})
            app_lines.append(f"/api/v1/attempts/{a['id']}/answers/{q['id']}\t{cookie}\t{token}\t{body}")
            bare_lines.append(f"/bare/{a['id']}/{q['id']}\t\t\t{body}")
    out_app.write_text("\n".join(app_lines) + "\n")
    out_bare.write_text("\n".join(bare_lines) + "\n")


def wrk(port: int, data: Path, seconds: int, connections: int = 64) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                          str(ROOT / "bench" / "put.lua"), f"http://127.0.0.1:{port}", "--", str(data)],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms(50), "p99": ms(99), "non2xx": int(errors.group(1)) if errors else 0}


def whole_attempts(base: str, port: int, data: Path, seconds: int, users: int = 32) -> dict:
    """wrk with one connection per thread, each looping whole attempts as its own user."""
    lines = []
    for i in range(users):
        s, token = login(base, USERS // 2 + i)
        lines.append("; ".join(f"{k}={v}" for k, v in s.cookies.items()) + "\t" + token)
    data.write_text("\n".join(lines) + "\n")
    out = subprocess.run(["wrk", f"-t{users}", f"-c{users}", f"-d{seconds}s", "--latency", "-s",
                          str(ROOT / "bench" / "attempt.lua"), f"http://127.0.0.1:{port}", "--", str(data)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"ATTEMPTS (\d+) ERRORS (\d+) SECONDS ([\d.]+)", out)
    done, errors, elapsed = int(m.group(1)), int(m.group(2)), float(m.group(3))
    return {"attempts_per_s": done / elapsed, "attempts": done, "failures": errors,
            "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}


def run(kind: str, seconds: int, limits: str = "off") -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="quiz-bench-"))
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        from sqlalchemy import create_engine, text

        schema = f"bench_{secrets.token_hex(3)}"
        with create_engine(PG_ENGINE, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG}?options=-csearch_path%3D{schema}"
    setup(url)
    app_proc, bare_proc = serve("wsgi:app", url, 8101, limits), serve("bench.bare_app:app", url, 8102)
    try:
        prepare_saves("http://127.0.0.1:8101", tmp / "app.txt", tmp / "bare.txt")
        results = {"bare": [], "app": []}
        for _ in range(2):  # interleave, keep the better run of each
            results["bare"].append(wrk(8102, tmp / "bare.txt", seconds))
            results["app"].append(wrk(8101, tmp / "app.txt", seconds))
        best = {k: max(v, key=lambda r: r["rps"]) for k, v in results.items()}
        best["attempts"] = whole_attempts("http://127.0.0.1:8101", 8101, tmp / "users.txt", seconds)
        return best
    finally:
        for p in (app_proc, bare_proc):
            p.terminate()
            p.wait()
        if kind == "postgresql":
            with create_engine(PG_ENGINE, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--limits", choices=["off", "memory", "redis"], default="off")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"limits: {args.limits}")
    print("| database | bare upsert req/s | app save req/s | ratio | bare p50/p99 ms | app p50/p99 ms | "
          "whole attempts/s |")
    print("|---|---|---|---|---|---|---|")
    for kind in kinds:
        r = run(kind, args.seconds, args.limits)
        b, a, w = r["bare"], r["app"], r["attempts"]
        print(f"| {kind} | {b['rps']:.0f} | {a['rps']:.0f} | {a['rps'] / b['rps']:.0%} | {b['p50']:.1f} / "
              f"{b['p99']:.1f} | {a['p50']:.1f} / {a['p99']:.1f} | {w['attempts_per_s']:.1f} "
              f"({w['failures']} failed) |", flush=True)
        print(json.dumps(r), file=sys.stderr)


if __name__ == "__main__":
    main()
