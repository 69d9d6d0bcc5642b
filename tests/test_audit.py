"""The audit log: organizer, judge, admin and command-line actions, written with the action; append-only;
an admin page with filters, pages and a CSV export."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from quiz.infra import audit
from quiz.models import AuditEntry, utcnow
from tests.helpers import ApiClient, page_client, token, upload


def entries(session, action=None):
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = list(session.execute(query).scalars())
    session.commit()
    return rows


def client(app, user_factory, role, email=None):
    email = email or f"{role}@example.vn"
    user_factory(role=role, email=email)
    return page_client(app, email)


def test_organizer_page_actions(client_app, session, bank, user_factory):
    user_factory(role="organizer", email="btc@example.vn")
    org = page_client(client_app, "btc@example.vn")
    page = org.get("/organizer/contests/new").get_data(as_text=True)
    form = {"csrf_token": token(page), "slug": "tuan-1", "title": "Tuần 1", "opens_at": "2026-01-01T08:00",
            "closes_at": "2030-01-01T08:00", "time_limit_min": "20", "max_attempts": "3",
            "review_policy": "after_submit", "question_count": "20"}
    assert org.post("/organizer/contests/new", data=dict(form, closes_at="2025-01-01T08:00")).status_code == 422
    assert entries(session) == []  # a refused action leaves no entry
    assert org.post("/organizer/contests/new", data=form).status_code == 302
    edit = org.get("/organizer/contests/tuan-1/edit").get_data(as_text=True)
    assert org.post("/organizer/contests/tuan-1/edit", data=dict(form, csrf_token=token(edit),
                                                                   title="Tuần 1 (sửa)")).status_code == 302
    rounds = org.get("/organizer/contests/tuan-1/rounds").get_data(as_text=True)
    assert org.post("/organizer/contests/tuan-1/rounds", data={
        "csrf_token": token(rounds), "number": "1", "opens_at": "2026-01-01T08:00",
        "closes_at": "2026-02-01T08:00"}).status_code == 302
    assert org.post("/organizer/contests/tuan-1/close", data={"csrf_token": token(edit)}).status_code == 302
    listing = org.get("/organizer/questions").get_data(as_text=True)
    assert org.post("/organizer/questions/T-000/active", data={"csrf_token": token(listing), "active": "0"}
                    ).status_code == 302
    assert org.post("/organizer/questions/T-000/active", data={"csrf_token": token(listing), "active": "1"}
                    ).status_code == 302
    edit_q = org.get("/organizer/questions/T-001/edit").get_data(as_text=True)
    qform = {"csrf_token": token(edit_q), "chapter": "2", "article": "Điều 2", "text": "Câu hỏi đã sửa?",
             "option_a": "Phương án sai 1-0", "option_b": "Phương án đúng 1", "option_c": "Phương án sai 1-2",
             "option_d": "Phương án sai 1-3", "correct": "B", "explanation": "Giải thích 1.", "source_quote": ""}
    assert org.post("/organizer/questions/T-001/edit", data=qform).status_code == 302
    assert org.post("/organizer/questions/T-001/edit", data=qform).status_code == 302  # unchanged: no entry
    upload(org, "them.csv", ("code,chapter,article,question,option_a,option_b,correct,explanation\n"
                             "M-1,1,Điều 4,Câu mới?,Có,Không,A,Vì vậy.\n").encode())
    org.get("/organizer/questions/export?format=csv")

    log = entries(session)
    # Closing froze the contest's ranking, in the close's transaction, by the same person.
    freezes = [e for e in log if e.action == "ranking.freeze"]
    assert [e.target_id for e in freezes] == ["tuan-1"] and len(freezes[0].after["digest"]) == 64
    assert {(e.actor_email, e.ip) for e in log} == {("btc@example.vn", "127.0.0.1")}
    log = [e for e in log if e not in freezes]
    assert [e.action for e in log] == ["contest.create", "contest.edit", "round.create", "contest.close",
                                       "question.deactivate", "question.reactivate", "question.edit",
                                       "question.upload", "questions.export"]
    assert len({e.actor_id for e in log}) == 1 and log[0].actor_id is not None
    create, edit_e, round_e, close = log[:4]
    assert (create.target_type, create.target_id, create.before) == ("contest", "tuan-1", None)
    assert create.after["title"] == "Tuần 1" and create.after["opens_at"] == "2026-01-01T01:00:00+00:00"
    assert (edit_e.before["title"], edit_e.after["title"]) == ("Tuần 1", "Tuần 1 (sửa)")
    assert round_e.target_id == "tuan-1/1" and round_e.after["number"] == 1
    assert close.before["closes_at"].startswith("2030") and not close.after["closes_at"].startswith("2030")
    assert (log[4].before, log[4].after) == ({"active": True}, {"active": False})
    q = log[6]
    assert q.target_id == "T-001" and (q.before["version"], q.after["version"]) == (1, 2)
    assert q.after["text"] == "Câu hỏi đã sửa?" and "search_text" not in q.after
    assert log[7].target_id == "them.csv" and log[7].after == {"questions": 1, "codes": ["M-1"]}
    assert log[8].after["format"] == "csv"


def test_cli_actions(app, session, bank, tmp_path):
    runner = app.test_cli_runner()

    def run(*args):
        r = runner.invoke(args=list(args))
        assert r.exit_code == 0, r.output
        return r

    run("users", "create", "--email", "Admin@example.vn", "--password", "mat-khau-123", "--name", "Quản Trị Viên",
        "--role", "admin")
    run("users", "create", "--email", "admin@example.vn", "--password", "mat-khau-123", "--name", "X Y",
        "--if-missing")  # nothing created: nothing logged
    by = ("--by", "admin@example.vn")
    now = utcnow()
    run("contests", "create", "--slug", "cli", "--title", "Dòng lệnh", "--opens",
        (now - timedelta(days=2)).isoformat(), "--closes", (now + timedelta(days=2)).isoformat(), *by)
    run("rounds", "create", "cli", "--number", "1", "--opens", (now - timedelta(days=1)).isoformat(), "--closes",
        (now + timedelta(days=1)).isoformat())
    results = tmp_path / "kq.csv"
    results.write_text("email,full_name,unit,locality,score,duration_s,submitted_at,prediction\n"
                       f"giay@example.vn,Người Giấy,HTX A,Huế,20,600,{(now - timedelta(hours=1)).isoformat()},3\n",
                       encoding="utf-8")
    run("results", "import", "cli", str(results), *by)
    run("contests", "close", "cli")
    run("ranking", "freeze", "cli", *by)
    run("winners", "cli", "--out", str(tmp_path / "w.csv"), *by)
    run("stats", "cli")  # a read: not logged
    bank_file = tmp_path / "bank.csv"
    bank_file.write_text("code,chapter,article,question,option_a,option_b,correct,explanation\n"
                         "C-1,1,Điều 4,Câu?,Có,Không,A,Vì.\n", encoding="utf-8")
    run("questions", "import", str(bank_file))
    bad = runner.invoke(args=["contests", "create", "--slug", "x2", "--title", "X", "--by", "ai@example.vn"])
    assert bad.exit_code == 1 and "no such account" in bad.output

    log = entries(session)
    assert [(e.action, e.actor_email) for e in log] == [
        ("user.create", "cli"), ("contest.create", "admin@example.vn"), ("round.create", "cli"),
        ("results.import", "admin@example.vn"), ("contest.close", "cli"), ("ranking.freeze", "cli"),
        ("ranking.freeze", "cli"), ("ranking.freeze", "admin@example.vn"), ("winners.export", "admin@example.vn"),
        ("question.import", "cli")]
    assert all(e.ip is None for e in log)
    user = log[0]
    assert user.target_id == "admin@example.vn" and user.after["role"] == "admin"
    assert "password_hash" not in user.after and "mat-khau" not in str(user.after)
    assert log[1].actor_id == user.after["id"]
    assert log[3].after == {"file": "kq.csv", "rows": 1, "round": None}
    # The close froze the contest's ranking and that of the round it cut short; the admin froze again.
    at_close, round_close, freeze = log[5:8]
    assert (at_close.target_id, round_close.target_id) == ("cli", "cli/1") and at_close.before is None
    assert freeze.target_id == "cli" and freeze.before["digest"] == at_close.after["digest"]
    assert len(freeze.after["digest"]) == 64 and log[8].after["sha256"] == freeze.after["digest"]


def test_reads_write_nothing_and_the_cron_job_freezes_as_the_system(app, session, bank, contest_factory):
    from quiz.contest import ranking

    now = utcnow()
    contest = contest_factory("dong", opens_at=now - timedelta(days=2), closes_at=now - timedelta(seconds=1))
    live = ranking.ranking(session, contest)  # closed by its window, not frozen yet: computed live
    assert not live.frozen and entries(session) == []
    run = app.test_cli_runner().invoke(args=["attempts", "close-expired"])
    assert run.exit_code == 0 and "froze the ranking of dong" in run.output
    assert app.test_cli_runner().invoke(args=["attempts", "close-expired"]).output.count("froze") == 0
    frozen = ranking.ranking(session, contest)
    log = entries(session, "ranking.freeze")
    assert len(log) == 1 and log[0].actor_email == "system" and log[0].after["digest"] == frozen.digest
    assert frozen.frozen and frozen.digest == live.digest


def test_exports_by_judges_are_logged(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    user_factory(role="judge", email="gk@example.vn")
    api = ApiClient.logged_in(client_app, "gk@example.vn")
    assert api.get("/api/v1/contests/thi-thu/winners?format=csv").status_code == 200
    assert api.get("/api/v1/contests/thi-thu/winners?format=xlsx").status_code == 200
    assert api.get("/api/v1/contests/thi-thu/stats").status_code == 200  # a read of no one's data: not logged
    log = entries(session)
    assert [(e.action, e.actor_email, e.target_id, e.after.get("format")) for e in log] == [
        ("winners.export", "gk@example.vn", "thi-thu", "csv"), ("winners.export", "gk@example.vn", "thi-thu", "xlsx")]
    # A refused export is not an export.
    user_factory(email="ts@example.vn")
    participant = ApiClient.logged_in(client_app, "ts@example.vn")
    assert participant.get("/api/v1/contests/thi-thu/winners?format=csv").status_code == 403
    assert len(entries(session)) == 2


def test_password_changes_are_logged(client_app, session, user_factory):
    user_factory(role="organizer", email="doi@example.vn")
    api = ApiClient.logged_in(client_app, "doi@example.vn")
    assert api.post("/api/v1/auth/password", json={"current_password": "mat-khau-123",
                                                   "new_password": "Cay-lua-xanh-2026"}).status_code == 204
    (entry,) = entries(session)
    assert (entry.action, entry.actor_email, entry.target_id, entry.ip) == (
        "account.password_change", "doi@example.vn", "doi@example.vn", "127.0.0.1")


def test_entries_cannot_be_changed_or_removed(app, session):
    audit.record_now(session, audit.CLI, "contest.create", "contest", "x")
    statements = ["UPDATE audit_entry SET actor_email = 'ai-do'", "DELETE FROM audit_entry"]
    if session.get_bind().dialect.name == "postgresql":
        statements.append("TRUNCATE audit_entry")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert [e.actor_email for e in entries(session)] == ["cli"]
    # The app has no route that could change it: the audit log's pages (blueprint admin) only read. (The
    # organizations pages under /admin/organizations change organizations, never the log.)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


@pytest.fixture
def admin(client_app, session, user_factory):
    return client(client_app, user_factory, "admin")


def test_admin_page_filters_pages_and_exports(admin, session):
    old = utcnow() - timedelta(days=10)
    for i in range(60):
        audit.record(session, audit.Actor(1, f"btc{i % 2}@example.vn"), "contest.edit" if i % 3 else "round.create",
                     "contest", f"c-{i}", before={"i": i}, after={"i": i + 1})
    session.add(audit.entry(audit.Actor(None, "=HYPERLINK(\"http://x\")"), "contest.create", "contest", "=1+2",
                            after={"title": "Cuộc thi có dấu"}))
    session.flush()
    session.execute(text("INSERT INTO audit_entry (at, actor_email, action, target_type, target_id) "
                         "VALUES (:at, 'cu@example.vn', 'contest.close', 'contest', 'cu')"),
                    {"at": old.replace(tzinfo=None)})
    session.commit()

    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "Nhật ký thao tác" in html and '<strong id="total">62</strong>' in html
    assert html.count("<tr data-id=") == 50 and "Trang sau" in html
    assert "Sửa cuộc thi" in html and "Cuộc thi có dấu" in html
    second = admin.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count("<tr data-id=") == 12 and "Trang trước" in second and "cu@example.vn" in second
    mine = admin.get("/admin/audit?actor=BTC1@").get_data(as_text=True)
    assert '<strong id="total">30</strong>' in mine
    rounds = admin.get("/admin/audit?action=round.create").get_data(as_text=True)
    assert '<strong id="total">20</strong>' in rounds
    today = utcnow().strftime("%Y-%m-%d")
    # Days are Viet Nam's (UTC+7): "until" the day after the old entry's UTC date takes it in whatever the hour.
    early = admin.get(f"/admin/audit?until={(old + timedelta(days=1)).strftime('%Y-%m-%d')}").get_data(as_text=True)
    assert '<strong id="total">1</strong>' in early and "cu@example.vn" in early
    recent = admin.get(f"/admin/audit?since={today}").get_data(as_text=True)
    assert '<strong id="total">61</strong>' in recent
    r = admin.get("/admin/audit?since=31-12-2026")
    assert r.status_code == 422 and "không hợp lệ" in r.get_data(as_text=True)

    r = admin.get("/admin/audit.csv?action=contest.create")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == audit.CSV_COLUMNS and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["actor_email"].startswith("'=") and row["target_id"] == "'=1+2"  # never a formula in Excel
    assert '"title": "Cuộc thi có dấu"' in row["after"]
    exported = entries(session, "audit.export")
    assert len(exported) == 1 and exported[0].actor_email == "admin@example.vn"
    assert exported[0].after == {"action": "contest.create", "rows": 1}


def test_every_action_has_a_label_and_unknown_actions_are_refused(session):
    names = {v for k, v in vars(audit).items() if k.isupper() and isinstance(v, str) and "." in v}
    assert names == set(audit.LABELS) == audit.ACTIONS
    assert all(label.strip() for label in audit.LABELS.values())
    # Every entry written anywhere (so in every test run) goes through audit.entry, which knows only these.
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(session, audit.CLI, "contest.delete")
    from quiz.web.admin import ACTION_LABELS

    assert ACTION_LABELS["suspicious.export"] == "Xuất báo cáo dấu hiệu bất thường"
