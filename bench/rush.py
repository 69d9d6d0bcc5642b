"""A contest rush as an operator sees it: how many people taking the contest at once one machine serves.

    .venv/bin/python bench/rush.py [--db sqlite|postgresql] [--people 2500,5000,7500,10000] [--clients 150]
                                   [--arrival-s 300] [--think 20,60] [--workers 2] [--threads 4]

The production configuration: gunicorn as ./run starts it (``--workers 2 --threads 4``, gthread), rate limits
on and counted in Redis (``$BENCH_REDIS_URL``, default redis://127.0.0.1:6379/9, a prefix of its own).

Each person, like the quiz page in a browser: the contest page, its static files (app.css, confirm.js), the
start button (a form POST, then the quiz page and quiz.js), the attempt's load (GET /api/v1/attempts/ID),
then each of the 20 questions after a think time drawn uniformly from --think seconds (a PUT per answer),
the submit, and the result page. People arrive uniformly over --arrival-s seconds.

Time is compressed, since the server cannot tell: ``--people P`` people are played by ``--clients C``
clients (threads, each its own loopback address 127.1.x.y and its own account), every think time and the
arrival period divided by ``scale = P / C``. Each request rate is then that of P people: saves P / (mean
think) a second, starts P / arrival-s a second. Only the per-attempt save limit sees the compression (one
client saves ``scale`` times faster than a person), so it is raised by the same factor; every other limit
is the default. Logging the C clients in first is the login storm: the script reports logins a second
(scrypt, n=2^15, is the cost).

A step passes when no request fails and the p99 of saves is under 1 s. Prints a Markdown table, one row a
step. The load generator runs on the same machine: on a quiet machine with the clients elsewhere the
server has both cores to itself.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import requests.adapters
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PG, PG_ENGINE, REDIS, setup  # noqa: E402

PORT = 8111
SLUG = "bench"


class FromAddress(requests.adapters.HTTPAdapter):
    """Connect from a loopback address of one's own: each person has their own address."""

    def __init__(self, source: str, **kw):
        self.source = (source, 0)
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = self.source
        super().init_poolmanager(*args, **kw)


def address(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


def serve(url: str, workers: int, threads: int, save_limit: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", REDIS_URL=REDIS,
               RATELIMIT_KEY_PREFIX=f"rush-{secrets.token_hex(4)}", RATELIMIT_ENABLED="true",
               RATELIMIT_SAVE_PER_ATTEMPT=save_limit)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
                             "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning", "wsgi:app"],
                            cwd=ROOT, env=env)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{PORT}/static/app.css", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


class Person:
    def __init__(self, i: int):
        self.i = i
        self.http = requests.Session()
        # One retry when a connection fails before any answer, as a browser does when the server has
        # closed an idle keep-alive connection (gunicorn does after 2 s, shorter than a think time).
        retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods=None, raise_on_status=False)
        self.http.mount("http://", FromAddress(address(i), pool_maxsize=2, max_retries=retry))
        self.base = f"http://127.0.0.1:{PORT}"

    def login(self) -> None:
        token = self.http.get(self.base + "/api/v1/csrf").json()["csrf_token"]
        r = self.http.post(self.base + "/api/v1/auth/login", headers={"X-CSRFToken": token},
                           json={"email": f"u{self.i}@bench.vn", "password": "bench-password"})
        r.raise_for_status()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.failures: list[str] = []

    def call(self, person: Person, kind: str, method: str, path: str, **kw):
        started = time.perf_counter()
        try:
            r = person.http.request(method, person.base + path, timeout=30, allow_redirects=False, **kw)
            ok = r.status_code < 400
        except requests.RequestException as exc:
            r, ok = None, False
            reason = type(exc).__name__
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times.setdefault(kind, []).append(elapsed)
            if not ok:
                self.failures.append(f"{kind} {r.status_code if r is not None else reason}")
        return r if ok else None


def take_contest(person: Person, rec: Recorder, delay: float, think: tuple[float, float], scale: float) -> None:
    time.sleep(delay)
    page = rec.call(person, "page", "GET", f"/contests/{SLUG}")
    if page is None:
        return
    for name in ("app.css", "confirm.js"):
        rec.call(person, "static", "GET", f"/static/{name}")
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text).group(1)
    started = rec.call(person, "start", "POST", f"/contests/{SLUG}/start", data={"csrf_token": token})
    if started is None:
        return
    quiz_path = started.headers["Location"].replace(person.base, "")
    quiz = rec.call(person, "page", "GET", quiz_path)
    rec.call(person, "static", "GET", "/static/quiz.js")
    if quiz is None:
        return
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', quiz.text).group(1)
    headers = {"X-CSRFToken": csrf, "Accept": "application/json"}
    api = "/api/v1/attempts/" + quiz_path.rsplit("/", 1)[1]
    loaded = rec.call(person, "load", "GET", api, headers=headers)
    if loaded is None:
        return
    answers = {}
    for q in loaded.json()["attempt"]["questions"]:
        time.sleep(random.uniform(*think) / scale)
        option = random.choice(q["options"])["id"]
        answers[q["id"]] = option
        rec.call(person, "save", "PUT", f"{api}/answers/{q['id']}", json={"option_id": option}, headers=headers)
    rec.call(person, "submit", "POST", api + "/submit", json={"answers": answers, "prediction": 10},
             headers=headers)
    rec.call(person, "page", "GET", quiz_path)  # the result page


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


def step(people: list[Person], n_people: int, arrival_s: float, think: tuple[float, float]) -> dict:
    scale = n_people / len(people)
    rec = Recorder()
    started = time.perf_counter()
    threads = [threading.Thread(target=take_contest,
                                args=(p, rec, random.uniform(0, arrival_s / scale), think, scale), daemon=True)
               for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in rec.times.values())
    return {"people": n_people, "clients": len(people), "scale": scale, "seconds": elapsed, "requests": total,
            "rps": total / elapsed, "saves_per_s": len(rec.times.get("save", [])) / elapsed,
            "p50": {k: pct(v, 0.5) for k, v in rec.times.items()},
            "p99": {k: pct(v, 0.99) for k, v in rec.times.items()}, "failures": rec.failures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", default="2500,5000,7500,10000")
    parser.add_argument("--clients", type=int, default=150)
    parser.add_argument("--arrival-s", type=float, default=300)
    parser.add_argument("--think", default="20,60")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    steps = [int(x) for x in args.people.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="quiz-rush-"))
    schema = None
    if args.db == "sqlite":
        url = f"sqlite:///{tmp / 'rush.db'}"
    else:
        from sqlalchemy import create_engine, text

        schema = f"rush_{secrets.token_hex(3)}"
        with create_engine(PG_ENGINE, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG}?options=-csearch_path%3D{schema}"
    setup(url, users=args.clients)
    # A client plays scale people, so it saves scale times faster than one: the save limit scales with it.
    scale_max = max(steps) / args.clients
    proc = serve(url, args.workers, args.threads, f"{int(120 * max(1.0, scale_max)) + 1} per minute")
    try:
        people = [Person(i) for i in range(args.clients)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(Person.login, people))
        login_s = time.perf_counter() - t0
        print(f"{args.db}: gunicorn {args.workers} workers x {args.threads} threads, limits on (Redis); "
              f"{len(people)} logins in {login_s:.1f} s = {len(people) / login_s:.1f} logins/s "
              f"(16 at a time); load average {os.getloadavg()[0]:.1f}", flush=True)
        print("| people | clients (scale) | saves/s | requests/s | save p50 / p99 ms | page p99 ms | "
              "start p99 ms | submit p99 ms | failed | load avg |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n in steps:
            r = step(people, n, args.arrival_s, think)
            failed = len(r["failures"])
            print(f"| {n} | {r['clients']} ({r['scale']:.0f}×) | {r['saves_per_s']:.0f} | {r['rps']:.0f} | "
                  f"{r['p50']['save']:.0f} / {r['p99']['save']:.0f} | {r['p99']['page']:.0f} | "
                  f"{r['p99']['start']:.0f} | {r['p99']['submit']:.0f} | {failed} | {os.getloadavg()[0]:.1f} |",
                  flush=True)
            if failed:
                print("  failures: " + ", ".join(sorted(set(r["failures"]))[:5]), flush=True)
    finally:
        proc.terminate()
        proc.wait()
        if schema:
            from sqlalchemy import create_engine, text

            with create_engine(PG_ENGINE, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
