"""The command line of docs/api.md: exit codes, messages, nothing changed on bad input."""
import csv
import subprocess
import sys

import openpyxl
from sqlalchemy import func, select, text

from quiz.models import Contest, Question, User
from tests.helpers import CSV_GOOD as GOOD
from tests.helpers import CSV_HEADER as HEADER
from tests.helpers import ROOT, write_csv


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def count(session, model):
    n = session.execute(select(func.count()).select_from(model)).scalar_one()
    session.commit()
    return n


def test_users_create(app, session):
    r = run(app, "users", "create", "--email", "BTC@example.vn", "--password", "mat-khau-123", "--name",
            "Ban Tổ Chức", "--role", "organizer")
    assert r.exit_code == 0, r.output
    assert session.execute(select(User.role, User.email)).one() == ("organizer", "btc@example.vn")
    again = run(app, "users", "create", "--email", "btc@example.vn", "--password", "mat-khau-123", "--name", "X Y")
    assert again.exit_code == 1 and "đã được đăng ký" in again.output
    assert run(app, "users", "create", "--email", "btc@example.vn", "--password", "mat-khau-123", "--name", "X Y",
               "--if-missing").exit_code == 0
    bad = run(app, "users", "create", "--email", "nope", "--password", "1", "--name", "X")
    assert bad.exit_code == 1 and "email" in bad.output and "password" in bad.output
    assert count(session, User) == 1


def test_questions_import_all_or_nothing(app, session, tmp_path):
    good = write_csv(tmp_path / "good.csv", [HEADER, GOOD])
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["HTX-2", "1", "Điều 4", "Hỏi?", "a", "", "", "", "A", "x"]])
    r = run(app, "questions", "import", str(good), str(bad))
    assert r.exit_code == 1 and "bad.csv:2: at least 2 options" in r.output and "nothing imported" in r.output
    assert count(session, Question) == 0
    r = run(app, "questions", "import", str(tmp_path / "missing.csv"))
    assert r.exit_code == 1 and "no such file" in r.output
    r = run(app, "questions", "import", str(good))
    assert r.exit_code == 0 and "1 new" in r.output
    out = tmp_path / "bank.xlsx"
    r = run(app, "questions", "export", str(out))
    assert r.exit_code == 0
    rows = list(openpyxl.load_workbook(out).active.values)
    assert rows[1][0] == "HTX-1" and rows[1][3] == GOOD[3]
    assert run(app, "questions", "export", str(tmp_path / "bank.pdf")).exit_code == 1


def test_contests_create(app, session, bank):
    r = run(app, "contests", "create", "--slug", "tuan-1", "--title", "Tuần 1", "--questions", "10",
            "--time-limit", "600", "--max-attempts", "2", "--opens", "2026-12-01T08:00:00+07:00",
            "--closes", "2026-12-08T08:00:00+07:00")
    assert r.exit_code == 0, r.output
    c = session.execute(select(Contest)).scalar_one()
    assert (c.question_count, c.time_limit_s, c.max_attempts) == (10, 600, 2)
    assert c.opens_at.isoformat() == "2026-12-01T01:00:00+00:00"
    for args, message in ((["--slug", "tuan-1", "--title", "Lặp"], "Đã có cuộc thi"),
                          (["--slug", "Có Dấu", "--title", "T"], "slug"),
                          (["--slug", "x", "--title", "T", "--opens", "tomorrow"], "ISO 8601"),
                          (["--slug", "y", "--title", "T", "--opens", "2026-12-01T08:00:00"], "ISO 8601"),
                          (["--slug", "z", "--title", "T", "--opens", "2026-12-02T00:00:00Z",
                            "--closes", "2026-12-01T00:00:00Z"], "closes_at"),
                          (["--slug", "w", "--title", "T", "--questions", "0"], "question_count")):
        r = run(app, "contests", "create", *args)
        assert r.exit_code == 1 and message in r.output, (args, r.output)
    assert count(session, Contest) == 1


def test_stats_winners_and_close_expired(app, session, bank, contest_factory, user_factory, tmp_path):
    from quiz.contest.attempts import start_attempt, submit

    contest = contest_factory("thi-thu")
    for i in range(3):
        u = user_factory(full_name=f"Nguyễn Văn {i}", unit="=HYPERLINK(\"x\")")
        a, _ = start_attempt(session, u.id, contest)
        submit(session, a.id, u.id, prediction=i)
    r = run(app, "stats", "thi-thu", "--json")
    assert r.exit_code == 0 and '"attempts": 3' in r.output
    assert "lượt dự thi: 3" in run(app, "stats", "thi-thu").output
    session.execute(text("DELETE FROM score_tally"))  # counters lost: --recount puts them back
    session.commit()
    assert "lượt dự thi: 0" in run(app, "stats", "thi-thu").output
    assert "lượt dự thi: 3" in run(app, "stats", "thi-thu", "--recount").output
    out = tmp_path / "w.csv"
    assert run(app, "winners", "thi-thu", "--out", str(out)).exit_code == 0
    rows = list(csv.reader(open(out, encoding="utf-8-sig")))
    assert rows[0][:3] == ["rank", "prize", "full_name"] and len(rows) == 4
    assert rows[1][5].startswith("'=")  # formula neutralised
    xlsx = tmp_path / "w.xlsx"
    assert run(app, "winners", "thi-thu", "--out", str(xlsx)).exit_code == 0
    book = openpyxl.load_workbook(xlsx)
    assert book["winners"].freeze_panes == "A2" and len(book["digest"]["B3"].value) == 64
    assert run(app, "winners", "khong-co", "--out", str(out)).exit_code == 1
    assert run(app, "winners", "thi-thu", "--out", str(tmp_path / "w.pdf")).exit_code == 1
    r = run(app, "attempts", "close-expired")
    assert r.exit_code == 0 and "closed 0" in r.output


def test_flask_finds_the_app_from_the_repo_root(database_url):
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "SECRET_KEY": "x"}
    r = subprocess.run([sys.executable, "-m", "flask", "contests", "list"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_contests_create_with_blueprint(app, session, bank):
    r = run(app, "contests", "create", "--slug", "co-cau", "--title", "Cơ cấu", "--blueprint", "1:2,4:2,8-12:6")
    assert r.exit_code == 0 and "10 questions (1:2,4:2,8-12:6)" in r.output, r.output
    r = run(app, "contests", "create", "--slug", "qua-suc", "--title", "Quá sức", "--blueprint", "1:9")
    assert r.exit_code == 1 and "chương 1 cần 9 câu" in r.output
    r = run(app, "contests", "create", "--slug", "sai", "--title", "Sai", "--blueprint", "1:2,1:3")
    assert r.exit_code == 1 and "blueprint" in r.output
    assert count(session, Contest) == 1
