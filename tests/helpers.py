"""What the tests share: where things are, test data, one API client, one way to log in on each surface
(the login page, the JSON API, a browser), a live gunicorn, the OpenAPI schema check.

Test modules import from here (and get fixtures from conftest.py and the plugins it registers); no test
module imports another (tests/test_test_suite.py fails when one does).
"""
from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "mat-khau-123"  # every account the tests make has it unless they say otherwise


# --- Databases ---------------------------------------------------------------------------------------------

def pg_available() -> bool:
    try:
        engine = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with engine.connect() as c:
            c.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def migrate(url: str) -> None:
    """Build the schema with Alembic, exactly as ``flask db upgrade`` does."""
    from flask_migrate import upgrade

    from quiz import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        from quiz.infra.extensions import db

        db.engine.dispose()


# --- Test data ---------------------------------------------------------------------------------------------

VIETNAMESE_WORDS = ("Phương án sai", "Phương án đúng", "Điều", "Câu hỏi thử số", "Giải thích")
ASCII_WORDS = ("Wrong option", "Right option", "Article", "Test question", "Explanation")  # pages in English


def make_questions(n: int = 30, prefix: str = "T", words: tuple = VIETNAMESE_WORDS) -> list:
    """Synthetic questions; option 'đúng' is always the right one (index varies)."""
    from quiz.bank.question_files import ParsedQuestion

    wrong, right, article, question, explanation = words
    out = []
    for i in range(n):
        correct = i % 4
        options = [f"{wrong} {i}-{k}" for k in range(4)]
        options[correct] = f"{right} {i}"
        out.append(ParsedQuestion(f"{prefix}-{i:03d}", 1 + i % 12, f"{article} {1 + i % 100}", f"{question} {i}?",
                                  options, correct, f"{explanation} {i}.", ""))
    return out


CSV_HEADER = ["code", "chapter", "article", "question", "option_a", "option_b", "option_c", "option_d", "correct",
              "explanation"]
CSV_GOOD = ["HTX-1", "1", "khoản 7 Điều 4", "Hợp tác xã có ít nhất bao nhiêu thành viên chính thức?", "03", "05",
            "07", "", "B", "Khoản 7 Điều 4."]


def write_csv(path, rows, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def correct_option(session, attempt_id: int, question_id: str) -> str:
    """The opaque id of the right option, read from the database (tests only)."""
    from quiz.models import AttemptQuestion, QuestionVersion

    aq = session.get(AttemptQuestion, (attempt_id, int(question_id)))
    v = session.get(QuestionVersion, aq.version_id)
    answer = next(oid for oid, i in aq.options if i == v.correct)
    session.commit()  # end the read: on SQLite it holds the write lock other connections wait for
    return answer


def counters(session) -> dict:
    """Every statistics counter row (zeros dropped: a best that moved on leaves one behind)."""
    from sqlalchemy import select

    from quiz.models import ItemTally, PersonBest, ScoreTally

    session.rollback()
    rows = {}
    for model, key in ((ScoreTally, ("contest_id", "scope", "kind", "label", "score")),
                       (ItemTally, ("contest_id", "scope", "version_id", "score", "choice")),
                       (PersonBest, ("contest_id", "scope", "user_id"))):
        value = "best" if model is PersonBest else "n"
        for row in session.execute(select(model)).scalars():
            if getattr(row, value):
                rows[(model.__name__, *(getattr(row, k) for k in key))] = getattr(row, value)
    session.commit()
    return rows


# --- Pages (the Flask test client) -------------------------------------------------------------------------

def answer_rightly(session, attempt_id, user_id, right_count):
    """Answer the first ``right_count`` questions of an attempt right and the rest wrong (first wrong option)."""
    from quiz.contest.attempts import save_answer
    from quiz.models import AttemptQuestion, QuestionVersion

    rows = session.query(AttemptQuestion).filter_by(attempt_id=attempt_id).order_by(AttemptQuestion.position).all()
    for i, aq in enumerate(rows):
        v = session.get(QuestionVersion, aq.version_id)
        want = v.correct if i < right_count else next(k for k in range(len(v.options)) if k != v.correct)
        oid = next(o for o, k in aq.options if k == want)
        session.commit()
        save_answer(session, attempt_id, user_id, aq.question_id, oid)


def finished_attempt(session, contest, user, score: int, duration_s: int, t0, submitted_s: int = 0, round_=None,
                     status: str = "submitted", prediction: int | None = None):
    """A finished attempt with chosen values, ``submitted_s`` seconds after ``t0`` (the ranking reads only these
    columns; the counters are recounted)."""
    from datetime import timedelta

    from quiz.contest.tallies import rebuild
    from quiz.models import Attempt

    n = session.query(Attempt).filter_by(user_id=user.id, contest_id=contest.id).count() + 1
    a = Attempt(user_id=user.id, contest_id=contest.id, round_id=round_.id if round_ else None, number=n,
                status=status, started_at=t0 + timedelta(seconds=submitted_s - duration_s),
                deadline=t0 + timedelta(seconds=submitted_s - duration_s + 1200),
                submitted_at=t0 + timedelta(seconds=submitted_s), score=score, total=20,
                duration_ms=duration_s * 1000, prediction=prediction)
    session.add(a)
    session.flush()
    rebuild(session.connection(), contest.id)
    session.commit()
    return a


def token(html: str) -> str:
    """The CSRF token of the form in a page."""
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def page_login(web, email: str, password: str = PASSWORD):
    """Log in through the login page's form; the response (302 when it worked). An empty password is
    refused by the form without hashing anything."""
    page = web.get("/login").get_data(as_text=True)
    return web.post("/login", data={"csrf_token": token(page), "email": email, "password": password})


def page_client(app, email: str | None = None, password: str = PASSWORD):
    """A test client of ``app``, logged in through the login page as ``email`` (anonymous without one)."""
    web = app.test_client()
    if email:
        r = page_login(web, email, password)
        assert r.status_code == 302, (email, r.status_code)
    return web


def upload(web, name, data, **fields):
    """Upload a question file through the organizer's upload page."""
    page = web.get("/organizer/questions/upload").get_data(as_text=True)
    form = {"csrf_token": token(page), "file": (io.BytesIO(data), name), **fields}
    return web.post("/organizer/questions/upload", data=form, content_type="multipart/form-data",
                    follow_redirects=True)


# --- The JSON API --------------------------------------------------------------------------------------------

class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connect from a given loopback address (127.0.0.2, ...): several clients, each with an address of its own."""

    def __init__(self, source: str, **kw):
        self.source = (source, 0)
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = self.source
        super().init_poolmanager(*args, **kw)


class ApiClient:
    """The JSON API as the quiz page speaks it: one session's cookies, its CSRF token on every request.

    ``target`` is a Flask app (requests go through its test client, in process) or a server's base URL
    (a requests session over HTTP). ``source`` is the client's address: REMOTE_ADDR in process, the
    loopback address it connects from over HTTP. ``user_agent`` and ``language`` go with every request.
    ``call(..., base=URL)`` sends one request to another server with the same cookies (cookies do not
    depend on the port). Answers are the transport's own: Flask's response (``get_json()``) in process,
    requests' (``json()``) over HTTP. ``http`` is the underlying client, for requests without the token.
    """

    def __init__(self, target, source: str | None = None, user_agent: str | None = None,
                 language: str | None = None):
        headers = {name: value for name, value in (("User-Agent", user_agent), ("Accept-Language", language))
                   if value}
        if isinstance(target, str):
            self.base = target
            self.http = requests.Session()
            self.http.headers.update(headers)
            if source:
                self.http.mount("http://", SourceAddressAdapter(source))
            self.token = self.http.get(target + "/api/v1/csrf", timeout=30).json()["csrf_token"]
        else:
            self.base = None
            self.http = target.test_client()
            self.http.environ_base.update({"HTTP_" + name.upper().replace("-", "_"): value
                                           for name, value in headers.items()})
            if source:
                self.http.environ_base["REMOTE_ADDR"] = source
            self.token = self.http.get("/api/v1/csrf").get_json()["csrf_token"]

    @classmethod
    def logged_in(cls, target, email: str, password: str = PASSWORD, **kw) -> ApiClient:
        """A new client, logged in as ``email`` (the login must work)."""
        client = cls(target, **kw)
        r = client.login(email, password)
        assert r.status_code == 200, (email, r.status_code)
        return client

    def call(self, method: str, path: str, base: str | None = None, **kw):
        headers = dict(kw.pop("headers", None) or {})
        headers.setdefault("X-CSRFToken", self.token)
        if self.base is None:
            assert base is None, "base= is for clients of a live server"
            return self.http.open(path, method=method.upper(), headers=headers, **kw)
        return self.http.request(method.upper(), (base or self.base) + path, headers=headers, timeout=30, **kw)

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.call("PUT", path, **kw)

    def patch(self, path: str, **kw):
        return self.call("PATCH", path, **kw)

    def delete(self, path: str, **kw):
        return self.call("DELETE", path, **kw)

    def login(self, email: str, password: str = PASSWORD, remember: bool = False, **kw):
        """Log in through the API; the response (200 when it worked, 401 or 429 when not)."""
        body = {"email": email, "password": password, **({"remember": True} if remember else {})}
        return self.post("/api/v1/auth/login", json=body, **kw)


def phone_of(email: str) -> str:
    """A mobile number of one's own for each test email (mobile numbers are unique, like emails)."""
    import hashlib

    return "09" + f"{int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10**8:08d}"


def register(api: ApiClient, email: str = "lan@example.vn", **extra):
    """Register through the API (Trần Thị Lan unless ``extra`` says otherwise); the response."""
    body = {"full_name": "Trần Thị Lan", "email": email, "password": PASSWORD, "phone": phone_of(email or ""),
            "unit": "HTX Nông nghiệp Tân Phú", "locality": "Đồng Nai", "consent": True, **extra}
    return api.post("/api/v1/auth/register", json=body)


def error_code(r):
    """The code of an API error answer, after checking its shape."""
    body = r.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]["code"]


PHONE_UA = "Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"


class Visitor(ApiClient):
    """An API client in process that comes from one address with one browser, with a participant's steps."""

    def __init__(self, app, ip: str, ua: str = PHONE_UA, lang: str = "vi-VN,vi;q=0.9"):
        super().__init__(app, source=ip, user_agent=ua, language=lang)

    def register(self, email, name="Người Thử", unit="HTX Thử", phone=None):
        r = self.post("/api/v1/auth/register", json={"full_name": name, "email": email, "unit": unit,
                                                     "password": PASSWORD, "phone": phone or phone_of(email),
                                                     "consent": True})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["user"]["id"]

    def start(self, slug="thi-thu"):
        r = self.post(f"/api/v1/contests/{slug}/attempts")
        assert r.status_code in (200, 201), r.get_json()
        return r.get_json()["attempt"]

    def submit(self, attempt_id, answers=None):
        r = self.post(f"/api/v1/attempts/{attempt_id}/submit", json={"answers": answers or {}})
        assert r.status_code == 200, r.get_json()
        return r.get_json()["result"]


SPEC = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))


def check(name, body):
    """``body`` fits the schema ``name`` of docs/openapi.yaml."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resource("spec", Resource.opaque(SPEC))
    validator = Draft202012Validator({"$ref": f"spec#/components/schemas/{name}"}, registry=registry)
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, errors[0]


# --- Browsers --------------------------------------------------------------------------------------------

def browser_login(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login page in a Playwright page."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def submit_quiz(page) -> None:
    """Submit the attempt on the quiz page: the submit button, then its dialog's confirmation (static/quiz.js)."""
    page.click("#submit")
    page.click("#submit-dialog #confirm-submit")


# --- Live servers ------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn serving the app on a free loopback port, against the given database."""

    def __init__(self, database_url: str, workers: int = 2, threads: int = 8, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="live-secret", **(extra_env or {}))
        log = ROOT / "instance" / f"gunicorn-{self.port}.log"
        self.log = open(log, "w") if log.parent.exists() else subprocess.DEVNULL  # closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "--keep-alive", "60",
             "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited early")
            try:
                requests.get(self.url + "/api/v1/contests", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.log is not subprocess.DEVNULL:
            self.log.close()
