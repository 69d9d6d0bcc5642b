"""A PostgreSQL server of the test's own, to stop and start at will (the shared one at 5432 is never touched),
and helpers to fill a fresh database (app_on, populate).

initdb and pg_ctl from the machine's PostgreSQL (/usr/lib/postgresql/*/bin), run as the postgres user in a
temporary directory it owns, listening on a free loopback port.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import IN_CI, free_port, make_questions, migrate


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def app_on(url: str, **config):
    from quiz import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test-secret", **config})


def populate(url: str, n_people: int = 1) -> list[str]:
    """The schema, a bank, an open contest ``thi-thu`` and participants on a fresh database."""
    from quiz.accounts.users import create_user
    from quiz.bank.questions import import_questions
    from quiz.contest.contests import create_contest
    from quiz.infra.extensions import db
    from quiz.models import utcnow

    migrate(url)
    with app_on(url).app_context():
        import_questions(db.session, make_questions())
        now = utcnow()
        create_contest(db.session, slug="thi-thu", title="Cuộc thi thử", opens_at=now - timedelta(hours=1),
                       closes_at=now + timedelta(days=1), question_count=20)
        emails = [f"hoa{i}@example.vn" for i in range(n_people)]
        for email in emails:
            create_user(db.session, email=email, full_name="Lê Thị Hoa", password="mat-khau-123", consent=True)
        db.session.remove()
        db.engine.dispose()
    return emails


class PrivatePostgres:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="quiz-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/quiz"
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                          "--no-sync", "--locale=C.UTF-8")
        self.start()
        engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text("CREATE DATABASE quiz"))
        engine.dispose()

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / tool), *args], check=True,
                       cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(name="private_postgres")
def private_postgres_fixture():
    """A running private PostgreSQL with an empty database ``quiz``; removed afterwards."""
    bin_dir = _bin_dir()
    problem = None
    if bin_dir is None:
        problem = "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing"
    elif os.geteuid() != 0:
        problem = "starting a private PostgreSQL needs root (runuser -u postgres)"
    if problem:
        if IN_CI:
            pytest.fail(problem + " (CI=true)")
        pytest.skip(problem)
    server = PrivatePostgres(bin_dir)
    yield server
    server.remove()
