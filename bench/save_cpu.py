"""The CPU one answer save costs in one process, with the limits off, in memory or in Redis.

    .venv/bin/python bench/save_cpu.py off|memory|redis

A fresh SQLite database (bench/run.py's setup), one person, one attempt; 1,000 saves through Flask's test
client, timed with time.process_time() (what the process spends, however busy the machine), best of 5.
docs/benchmarks.md compares the three.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import limit_env, setup  # noqa: E402


def main(mode: str) -> None:
    from quiz import create_app

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='quiz-save-cpu-')) / 'bench.db'}"
    setup(url, users=2)
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"}
    for name, value in limit_env(mode).items():
        config[name] = value == "true" if name == "RATELIMIT_ENABLED" else value
    client = create_app(config).test_client()
    headers = {"X-CSRFToken": client.get("/api/v1/csrf").get_json()["csrf_token"]}
    client.post("/api/v1/auth/login", json={"email": "u1@bench.vn", "password": "bench-password"}, headers=headers)
    attempt = client.post("/api/v1/contests/bench/attempts", headers=headers).get_json()["attempt"]

    def saves(n: int) -> float:
        started = time.process_time()
        for i in range(n):
            q = attempt["questions"][i % len(attempt["questions"])]
            r = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}",
                           json={"option_id": q["options"][0]["id"]}, headers=headers)
            assert r.status_code == 200, r.get_json()
        return (time.process_time() - started) / n * 1e6

    saves(200)
    print(f"limits {mode}: {min(saves(1000) for _ in range(5)):.0f} µs of CPU per save")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "off")
