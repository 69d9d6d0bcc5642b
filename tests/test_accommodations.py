"""Accommodations: extra time and attempts per person per contest. The command (good, bad email, bad numbers,
the audit row), the attempts that follow them (deadline later by exactly the extra time, the expiry and the
timer with it; extra attempts on top of the limit), the organizers' page (add, change, remove; another
organization's staff refused), and the time tie-break as a share of each person's own limit."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.contest import attempts, ranking
from quiz.contest.accommodations import extras_of
from quiz.models import Accommodation, AuditEntry, utcnow
from tests.helpers import ApiClient, finished_attempt, page_client, token


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def world(bank, contest_factory, user_factory):
    contest = contest_factory("thi-thu", time_limit_s=600, max_attempts=1, question_count=10)
    user_factory(role="organizer", email="btc@example.vn")
    lan = user_factory(email="lan@example.vn", full_name="Trần Thị Lan")
    return contest, lan


def accommodation_rows(session):
    rows = session.execute(select(Accommodation.user_id, Accommodation.extra_time_s,
                                  Accommodation.extra_attempts)).all()
    session.commit()
    return rows


def audit_rows(session):
    rows = session.execute(select(AuditEntry.actor_email, AuditEntry.target_id, AuditEntry.before, AuditEntry.after)
                           .where(AuditEntry.action == "accommodation.set").order_by(AuditEntry.id)).all()
    session.commit()
    return rows


def test_the_command(app, session, world):
    contest, lan = world
    r = run(app, "accommodations", "set", "thi-thu", "--email", "LAN@example.vn", "--extra-time", "300",
            "--extra-attempts", "2", "--by", "btc@example.vn")
    assert r.exit_code == 0 and "300 s more time, 2 more attempt(s)" in r.output, r.output
    assert accommodation_rows(session) == [(lan.id, 300, 2)]
    listed = run(app, "accommodations", "list", "thi-thu")
    assert listed.output == "lan@example.vn\t300\t2\tbtc@example.vn\n"
    # Bad input: exit 1 with the reason, nothing changed.
    for args, problem in ((["--email", "khong-co@example.vn", "--extra-time", "60"], "email"),
                          (["--email", "lan@example.vn", "--extra-time", "-5"], "extra_time_s"),
                          (["--email", "lan@example.vn", "--extra-attempts", "5000"], "extra_attempts"),
                          (["--email", "lan@example.vn", "--extra-time", "100000"], "extra_time_s")):
        bad = run(app, "accommodations", "set", "thi-thu", *args, "--by", "btc@example.vn")
        assert bad.exit_code == 1 and problem in bad.output, (args, bad.output)
    assert run(app, "accommodations", "set", "thi-thu", "--email", "lan@example.vn", "--extra-time", "9",
               "--by", "lan@example.vn").exit_code == 1  # a participant may not
    assert run(app, "accommodations", "set", "khong-co", "--email", "lan@example.vn", "--extra-time", "9",
               "--by", "btc@example.vn").exit_code == 1
    assert accommodation_rows(session) == [(lan.id, 300, 2)]
    # 0 and 0 removes it.
    r = run(app, "accommodations", "set", "thi-thu", "--email", "lan@example.vn", "--by", "btc@example.vn")
    assert r.exit_code == 0 and "no accommodation" in r.output
    assert accommodation_rows(session) == []
    # Audited, the person by account id only (no email of a participant in the log).
    assert audit_rows(session) == [
        ("btc@example.vn", f"thi-thu/{lan.id}", {"extra_time_s": 0, "extra_attempts": 0},
         {"extra_time_s": 300, "extra_attempts": 2}),
        ("btc@example.vn", f"thi-thu/{lan.id}", {"extra_time_s": 300, "extra_attempts": 2},
         {"extra_time_s": 0, "extra_attempts": 0})]


def test_next_attempts_get_the_extra_time_and_attempts(app, client_app, session, world):
    contest, lan = world
    api = ApiClient.logged_in(client_app, "lan@example.vn")
    first = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]  # before the accommodation
    assert run(app, "accommodations", "set", "thi-thu", "--email", "lan@example.vn", "--extra-time", "450",
               "--extra-attempts", "2", "--by", "btc@example.vn").exit_code == 0
    resumed = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]
    assert resumed["deadline"] == first["deadline"] and resumed["time_limit_s"] == 600  # a running one keeps its own
    api.post(f"/api/v1/attempts/{first['id']}/submit", json={})
    assert api.get("/api/v1/contests/thi-thu").get_json()["contest"]["attempts_left"] == 2  # 1 + 2 - 1
    r = api.post("/api/v1/contests/thi-thu/attempts")
    assert r.status_code == 201
    body = r.get_json()["attempt"]
    assert body["time_limit_s"] == 1050
    a = attempts.load_attempt(session, body["id"], lan.id)
    session.commit()
    assert a.deadline - a.started_at == timedelta(seconds=600 + 450) and a.time_limit_s == 1050
    # The expiry follows the attempt's own deadline: past the contest's limit it is still open...
    late_for_others = a.started_at + timedelta(seconds=600 + 60)
    assert attempts.touch(session, a, late_for_others).status == "in_progress"
    attempts.save_answer(session, a.id, lan.id, int(body["questions"][0]["id"]),
                         body["questions"][0]["options"][0]["id"], now=late_for_others)
    # ... and closes past its own, with the full own limit as its time.
    closed = attempts.touch(session, a, a.deadline + timedelta(seconds=6))
    assert closed.status == "expired" and closed.duration_ms == 1050 * 1000
    third = api.post("/api/v1/contests/thi-thu/attempts")
    assert third.status_code == 201
    api.post(f"/api/v1/attempts/{third.get_json()['attempt']['id']}/submit", json={})
    refused = api.post("/api/v1/contests/thi-thu/attempts")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "attempt_limit_reached"
    assert extras_of(session, contest.id, lan.id).attempts == 2
    session.commit()
    mine = api.get("/api/v1/me/data").get_json()
    assert mine["accommodations"] == [{"contest": "thi-thu", "extra_time_s": 450, "extra_attempts": 2}]


def test_the_organizers_page_adds_changes_and_removes(client_app, session, world):
    contest, lan = world
    web = page_client(client_app, "btc@example.vn")
    url = "/organizer/contests/thi-thu/accommodations"
    page = web.get(url).get_data(as_text=True)
    assert "Chưa có ai được hỗ trợ" in page and 'name="email"' in page
    r = web.post(url, data={"csrf_token": token(page), "email": "lan@example.vn", "extra_time_min": "10",
                            "extra_attempts": "1"})
    assert r.status_code == 302
    assert accommodation_rows(session) == [(lan.id, 600, 1)]
    listing = web.get(url).get_data(as_text=True)
    assert "Trần Thị Lan" in listing and "10 phút 00 giây" in listing
    edit = web.get(url + "?email=lan@example.vn").get_data(as_text=True)
    assert 'value="10"' in edit and 'value="lan@example.vn"' in edit
    bad = web.post(url, data={"csrf_token": token(edit), "email": "ai-do@example.vn", "extra_time_min": "5"})
    assert bad.status_code == 422 and "không có tài khoản với email này" in bad.get_data(as_text=True)
    r = web.post(url, data={"csrf_token": token(edit), "email": "lan@example.vn", "extra_time_min": "15",
                            "extra_attempts": "0"})
    assert r.status_code == 302 and accommodation_rows(session) == [(lan.id, 900, 0)]
    listing = web.get(url).get_data(as_text=True)
    r = web.post(url, data={"csrf_token": token(listing), "email": "lan@example.vn", "extra_time_min": "0",
                            "extra_attempts": "0"})  # the row's "Bỏ" button
    assert r.status_code == 302 and accommodation_rows(session) == []
    assert [after for *_x, after in audit_rows(session)] == [
        {"extra_time_s": 600, "extra_attempts": 1}, {"extra_time_s": 900, "extra_attempts": 0},
        {"extra_time_s": 0, "extra_attempts": 0}]


def test_another_organizations_staff_are_refused(client_app, session, bank, contest_factory, user_factory):
    from quiz.contest.organizations import create_organization

    a = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    b = create_organization(session, slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định")
    contest_factory("thi-thu", organization_id=a.id)
    user_factory(role="organizer", email="btc.hp@example.vn", organization_id=a.id)
    user_factory(role="organizer", email="btc.nd@example.vn", organization_id=b.id)
    user_factory(email="lan@example.vn")
    url = "/organizer/contests/thi-thu/accommodations"
    other = page_client(client_app, "btc.nd@example.vn")
    assert other.get(url).status_code == 403
    csrf = token(other.get("/contests/thi-thu").get_data(as_text=True))
    r = other.post(url, data={"csrf_token": csrf, "email": "lan@example.vn", "extra_time_min": "10"})
    assert r.status_code == 403 and accommodation_rows(session) == []
    assert run(client_app, "accommodations", "set", "thi-thu", "--email", "lan@example.vn", "--extra-time", "60",
               "--by", "btc.nd@example.vn").exit_code == 1
    session.rollback()  # the command ran in the test's app context: end its read
    own = page_client(client_app, "btc.hp@example.vn")
    assert own.get(url).status_code == 200
    assert accommodation_rows(session) == []


def test_time_tie_break_is_a_share_of_each_persons_own_limit(session, world, user_factory):
    """Equal scores, no predictions: Lan has twice the time (600 s more on 600 s) and used 500 s of her 1200 s
    (42%); Minh used 400 s of his 600 s (67%). Lan ranks first although slower on the clock; Khoa, who used 250 s
    of 600 s (42%, the same share as Lan), ties with her on time and goes by the submission time."""
    contest, lan = world
    minh, khoa = user_factory(full_name="Minh"), user_factory(full_name="Khoa")
    t0 = utcnow() - timedelta(hours=1)
    a = finished_attempt(session, contest, lan, 15, 500, t0, submitted_s=10)
    a.time_limit_s = 1200
    a.deadline = a.started_at + timedelta(seconds=1200)
    session.commit()
    finished_attempt(session, contest, minh, 15, 400, t0, submitted_s=5)
    finished_attempt(session, contest, khoa, 15, 250, t0, submitted_s=20)
    assert ranking.paced(500_000, 1200, 600) == 250_000 == ranking.paced(250_000, None, 600)
    expected = [lan.id, khoa.id, minh.id]
    assert [r.user_id for r in ranking.ranking(session, contest, limit=10).rows] == expected  # the index walk
    assert [r.user_id for r in ranking.ranking(session, contest).rows] == expected  # the one SQL query
    frozen = ranking.freeze(session, contest, None, None)
    rows = ranking.frozen_rows(session, frozen.id)
    assert [(r.user_id, r.duration_ms) for r in rows] == [(lan.id, 500_000), (khoa.id, 250_000),
                                                            (minh.id, 400_000)]  # shown as the time taken
    assert session.execute(select(func.count()).select_from(Accommodation)).scalar_one() == 0
