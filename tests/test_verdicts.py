"""Judges' verdicts: a disqualified winner leaves the ranking and its prizes, a frozen ranking is frozen again as a
new version (the old ones stay readable), the roles, the command, and one prize per person across rounds."""
import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from quiz.contest import ranking
from quiz.contest.contests import close_now, create_contest
from quiz.contest.rounds import create_round
from quiz.files.exports import winner_list
from quiz.models import Attempt, AuditEntry, utcnow
from quiz.timeutil import VN
from tests.helpers import ApiClient, finished_attempt

T0 = utcnow().replace(microsecond=0) - timedelta(days=3)


def add(session, contest, user, score, duration_s, round_=None, submitted_s=0):
    return finished_attempt(session, contest, user, score, duration_s, T0, submitted_s, round_)


@pytest.fixture
def podium(session, bank, user_factory):
    """A frozen contest of three people, prizes 1:Giải Nhất,1:Giải Nhì; a judge, an organizer and an admin."""
    contest = create_contest(session, slug="chung-ket", title="Chung kết", opens_at=T0 - timedelta(days=1),
                             closes_at=utcnow() + timedelta(days=1), max_attempts=5,
                             prize_tiers="1:Giải Nhất,1:Giải Nhì")
    people = [user_factory(full_name=name, email=f"{key}@example.vn")
              for key, name in (("an", "Nguyễn Văn An"), ("binh", "Trần Thị Bình"), ("cuong", "Lê Cường"))]
    for i, p in enumerate(people):
        add(session, contest, p, 20 - i, 100, submitted_s=60 * i)
    user_factory(role="judge", email="giamkhao@example.vn")
    user_factory(role="organizer", email="btc@example.vn")
    user_factory(role="admin", email="admin@example.vn")
    close_now(session, contest)
    return contest


def names(rows):
    return [r.full_name for r in rows]


def csv_rows(session, contest, rnd=None):
    body, _result, _tiers = winner_list(session, contest, rnd, "csv")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_disqualifying_the_winner_of_a_frozen_ranking_moves_everyone_up_as_a_new_version(session, podium,
                                                                                        client_app):
    first = ranking.ranking(session, podium)
    assert first.frozen and names(first.rows) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Cường"]
    judge = ApiClient.logged_in(client_app, "giamkhao@example.vn")
    # A disqualification needs a reason; an unknown email is 422 fields.email; nothing changes.
    r = judge.post("/api/v1/contests/chung-ket/verdicts", json={"email": "an@example.vn", "verdict": "disqualified"})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = judge.post("/api/v1/contests/chung-ket/verdicts",
                   json={"email": "ai@example.vn", "verdict": "disqualified", "reason": "x"})
    assert r.status_code == 422 and "email" in r.get_json()["error"]["fields"]
    assert ranking.ranking(session, podium).digest == first.digest
    # Organizers run the contest; they do not judge it.
    organizer = ApiClient.logged_in(client_app, "btc@example.vn")
    r = organizer.post("/api/v1/contests/chung-ket/verdicts",
                       json={"email": "an@example.vn", "verdict": "disqualified", "reason": "Nhiều tài khoản"})
    assert r.status_code == 403
    r = judge.post("/api/v1/contests/chung-ket/verdicts",
                   json={"email": "AN@example.vn", "verdict": "disqualified", "reason": "Nhiều tài khoản"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["verdict"]["verdict"] == "disqualified" and body["verdict"]["reason"] == "Nhiều tài khoản"
    assert body["verdict"]["by"] == "giamkhao@example.vn" and body["verdict"]["at"].endswith("+07:00")
    second = ranking.ranking(session, podium)
    assert names(second.rows) == ["Trần Thị Bình", "Lê Cường"] and [r.rank for r in second.rows] == [1, 2]
    assert body["digest"] == second.digest != first.digest
    rows = csv_rows(session, podium)
    assert [(r[0], r[1], r[2], r[-1]) for r in rows[1:]] == [("1", "Giải Nhất", "Trần Thị Bình", "pending"),
                                                            ("2", "Giải Nhì", "Lê Cường", "pending")]
    # Versions: the old one stays readable (who, when, why), with its rows.
    versions = organizer.get("/api/v1/contests/chung-ket/rankings").get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["digest"] == first.digest
    assert versions[1]["digest"] == second.digest and versions[1]["by"] == "giamkhao@example.vn"
    assert "Nhiều tài khoản" in versions[1]["reason"] and versions[1]["frozen_at"].endswith("+07:00")
    old = ranking.versions(session, podium.id, None)[0]
    assert names(ranking.frozen_rows(session, old.id)) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Cường"]
    session.rollback()  # end the test's own read (SQLite: one writer at a time)
    # Verifying the new winner freezes again; a reset brings the first back (another version, the first digest).
    r = judge.post("/api/v1/contests/chung-ket/verdicts",
                   json={"email": "binh@example.vn", "verdict": "verified", "reason": ""})
    assert r.status_code == 200
    assert csv_rows(session, podium)[1][-1] == "verified"
    r = judge.post("/api/v1/contests/chung-ket/verdicts",
                   json={"email": "an@example.vn", "verdict": "pending", "reason": "Đã xác minh lại"})
    assert r.status_code == 200
    back = ranking.ranking(session, podium)
    assert names(back.rows) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Cường"] and back.digest == first.digest
    assert len(judge.get("/api/v1/contests/chung-ket/rankings").get_json()["versions"]) == 4
    # Audited by the operation: who, whom (a participant by id), before and after.
    entries = session.execute(select(AuditEntry).where(AuditEntry.action == "verdict.set")
                              .order_by(AuditEntry.id)).scalars().all()
    assert len(entries) == 3 and entries[0].actor_email == "giamkhao@example.vn"
    assert entries[0].after["verdict"]["verdict"] == "disqualified" and entries[0].before["verdict"] is None
    assert "@" not in entries[0].after["person"]
    session.rollback()
    # Participants and visitors: no.
    assert ApiClient(client_app).get("/api/v1/contests/chung-ket/rankings").status_code == 401
    assert ApiClient.logged_in(client_app, "an@example.vn").get(
        "/api/v1/contests/chung-ket/rankings").status_code == 403


def test_a_live_ranking_leaves_the_disqualified_out_too(session, bank, user_factory):
    contest = create_contest(session, slug="dang-mo", title="Đang mở", opens_at=T0 - timedelta(days=1),
                             closes_at=utcnow() + timedelta(days=1))
    a, b = user_factory(full_name="Một", email="mot@example.vn"), user_factory(full_name="Hai")
    add(session, contest, a, 20, 100)
    add(session, contest, b, 19, 100)
    judge = user_factory(role="judge", email="gk@example.vn")
    from quiz.contest import verdicts
    from quiz.infra.audit import person

    _row, digest = verdicts.set_verdict(session, contest, None, "mot@example.vn", "disqualified", "Khai sai",
                                        person(judge), judge.role)
    assert digest is None  # nothing frozen yet
    for limit in (None, 10, 2000):  # the one-query ranking and the index walk of leaderboards
        assert names(ranking.ranking(session, contest, limit=limit).rows) == ["Hai"]


def test_the_command_line_verdict(app, session, podium):
    runner = app.test_cli_runner()
    base = ["winners", "verdict", "chung-ket", "--email", "an@example.vn", "--reason", "Hai tài khoản"]
    refused = runner.invoke(args=[*base, "--disqualify", "--by", "btc@example.vn"])
    assert refused.exit_code == 1 and "not a judge" in refused.output
    missing = runner.invoke(args=[*base, "--by", "giamkhao@example.vn"])
    assert missing.exit_code == 1
    ok = runner.invoke(args=[*base, "--disqualify", "--by", "giamkhao@example.vn"])
    assert ok.exit_code == 0 and "ranking frozen again, sha256" in ok.output, ok.output
    assert names(ranking.ranking(session, podium).rows) == ["Trần Thị Bình", "Lê Cường"]
    ok = runner.invoke(args=[*base, "--reset", "--by", "admin@example.vn"])
    assert ok.exit_code == 0
    assert names(ranking.ranking(session, podium).rows)[0] == "Nguyễn Văn An"
    # The list still works as before: flask winners SLUG --out FILE.
    out = app.instance_path + "/verdict-test.csv"
    assert runner.invoke(args=["winners", "chung-ket", "--out", out]).exit_code == 0


def test_frozen_xlsx_has_real_viet_nam_datetimes_and_the_verdict_column(session, podium):
    body, result, _tiers = winner_list(session, podium, None, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body))["winners"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "verdict" and header[11] == "submitted_at"
    cell = sheet.cell(row=2, column=12)
    assert cell.is_date and isinstance(cell.value, datetime)
    submitted = session.get(Attempt, sheet.cell(row=2, column=13).value).submitted_at
    expected = submitted.astimezone(VN).replace(tzinfo=None, microsecond=0)
    assert abs((cell.value - expected).total_seconds()) < 0.001
    assert sheet.cell(row=2, column=17).value == "pending"  # after attempt_id, unit_code, locality_code, province
    frozen_at = openpyxl.load_workbook(io.BytesIO(body))["digest"]["B5"].value
    assert frozen_at.endswith("+07:00") and "." not in frozen_at


def test_one_prize_per_person_across_two_rounds(app, session, bank, user_factory):
    runner = app.test_cli_runner()
    opens, closes = (T0 - timedelta(days=2)).isoformat(), (utcnow() + timedelta(days=1)).isoformat()
    r = runner.invoke(args=["contests", "create", "--slug", "moi-nguoi-mot-giai", "--title", "Một giải",
                            "--opens", opens, "--closes", closes, "--prizes", "1:Giải Nhất,1:Giải Nhì",
                            "--one-prize-per-person"])
    assert r.exit_code == 0, r.output
    from quiz.contest.contests import get_contest

    contest = get_contest(session, "moi-nguoi-mot-giai")
    assert contest.one_prize_per_person
    r1 = create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=T0 - timedelta(days=1))
    r2 = create_round(session, contest, number=2, opens_at=T0 - timedelta(days=1), closes_at=contest.closes_at)
    a, b, c, d = (user_factory(full_name=n) for n in ("An", "Bình", "Cường", "Dũng"))
    for p, score in ((a, 20), (b, 19), (c, 18)):
        add(session, contest, p, score, 100, round_=r1, submitted_s=-86400 - 3600)
    for p, score in ((a, 20), (c, 19), (b, 18), (d, 17)):
        add(session, contest, p, score, 100, round_=r2)
    first = csv_rows(session, contest, r1)
    assert [(r[1], r[2]) for r in first[1:]] == [("Giải Nhất", "An"), ("Giải Nhì", "Bình")]
    second = csv_rows(session, contest, r2)
    # An and Bình won in round 1: Cường (2nd) and Dũng (4th) get round 2's prizes; An is listed without one.
    assert [(r[0], r[1], r[2]) for r in second[1:]] == [("1", "", "An"), ("2", "Giải Nhất", "Cường"),
                                                         ("3", "", "Bình"), ("4", "Giải Nhì", "Dũng")]
    # Without the rule the same round gives its prizes by rank.
    contest.one_prize_per_person = False
    session.commit()
    assert [(r[1], r[2]) for r in csv_rows(session, contest, r2)[1:]] == [("Giải Nhất", "An"), ("Giải Nhì", "Cường")]


def test_the_judges_page_lists_the_top_and_changes_a_verdict(client_app, session, podium):
    from tests.helpers import page_client, token

    assert page_client(client_app, "btc@example.vn").get("/judges/chung-ket").status_code == 403
    web = page_client(client_app, "giamkhao@example.vn")
    page = web.get("/judges/chung-ket")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Xét duyệt kết quả" in html and "Nguyễn Văn An" in html
    assert 'for="verdict-1"' in html and "Phiên bản 1" in html and "+07:00" in html
    # A disqualification without a reason is refused on the page, and nothing changes.
    bad = web.post("/judges/chung-ket", data={"csrf_token": token(html), "email": "an@example.vn",
                                              "verdict": "disqualified", "reason": ""})
    assert bad.status_code == 422 and "cần ghi lý do loại" in bad.get_data(as_text=True)
    assert names(ranking.ranking(session, podium).rows)[0] == "Nguyễn Văn An"
    session.rollback()
    ok = web.post("/judges/chung-ket", data={"csrf_token": token(html), "email": "an@example.vn",
                                             "verdict": "disqualified", "reason": "Khai sai đơn vị"})
    assert ok.status_code == 302
    after = web.get("/judges/chung-ket").get_data(as_text=True)
    assert "Người đã bị loại" in after and "Khai sai đơn vị" in after and "Phiên bản 2 (hiện hành)" in after
    assert names(ranking.ranking(session, podium).rows)[0] == "Trần Thị Bình"
