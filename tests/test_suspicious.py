"""The suspicious-pattern report: what is recorded, each rule through real requests from different addresses
and browsers, the page, the CSV, the command line, and candidate search that stays far from all pairs."""
import csv
import io
import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.contest.suspicious import Rules, build_report, densest_window
from quiz.models import Attempt, AttemptQuestion, QuestionVersion, User, utcnow
from quiz.web.fingerprint import device_mark
from tests.helpers import Visitor, page_client, token


def paper(session, attempt_id):
    """{question id: ({option index: opaque id}, right index)} of an attempt (tests only)."""
    rows = session.execute(select(AttemptQuestion.question_id, AttemptQuestion.options, QuestionVersion.correct)
                           .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
                           .where(AttemptQuestion.attempt_id == attempt_id)).all()
    session.commit()
    return {str(q): ({i: oid for oid, i in options}, correct) for q, options, correct in rows}


def report(app, session, slug="thi-thu", **rules):
    from quiz.contest.contests import get_contest

    return build_report(session, get_contest(session, slug), rules=Rules(**rules))


def kinds(rep):
    return [f["kind"] for f in rep["flags"]]


def test_address_and_device_are_recorded_at_registration_and_start(client_app, session, bank, contest_factory):
    contest_factory("thi-thu")
    v = Visitor(client_app, "203.0.113.7", ua="Mozilla/5.0 Thử nghiệm", lang="vi")
    uid = v.register("ghi@example.vn")
    attempt = v.start()
    mark = device_mark("Mozilla/5.0 Thử nghiệm", "vi", "test-secret")
    user, a = session.get(User, uid), session.get(Attempt, attempt["id"])
    assert (user.registered_ip, user.registered_device) == ("203.0.113.7", mark) and len(mark) == 16
    assert (a.ip, a.device) == ("203.0.113.7", mark)
    assert "Mozilla" not in repr(vars(user)) + repr(vars(a))  # only the hash is kept
    session.commit()
    # Resuming from elsewhere keeps where the attempt was started.
    moved = Visitor(client_app, "198.51.100.1")
    moved.http.set_cookie("session", v.http.get_cookie("session").value)
    moved.token = v.token
    assert moved.start()["id"] == attempt["id"]
    session.expire_all()
    assert session.get(Attempt, attempt["id"]).ip == "203.0.113.7"
    session.commit()
    # The pages record the same.
    web = client_app.test_client()
    web.environ_base.update({"REMOTE_ADDR": "2001:db8::5", "HTTP_USER_AGENT": "Trình duyệt khác"})
    page = web.get("/register").get_data(as_text=True)
    assert web.post("/register", data={"csrf_token": token(page), "full_name": "Lê Văn Trang",
                                       "email": "trang@example.vn", "password": "mat-khau-123",
                                       "confirm": "mat-khau-123"}).status_code == 302
    html = web.get("/contests/thi-thu").get_data(as_text=True)
    assert web.post("/contests/thi-thu/start", data={"csrf_token": token(html)}).status_code == 302
    trang = session.execute(select(User).where(User.email == "trang@example.vn")).scalar_one()
    started = session.execute(select(Attempt).where(Attempt.user_id == trang.id)).scalar_one()
    assert trang.registered_ip == started.ip == "2001:db8::5"
    assert trang.registered_device == started.device == device_mark("Trình duyệt khác", "", "test-secret")
    session.commit()


def test_densest_window():
    t0 = utcnow()
    events = [(t0 + timedelta(minutes=m), person, None) for m, person in
              [(0, 1), (10, 2), (20, 2), (50, 3), (65, 4), (70, 5), (100, 6), (109, 7)]]
    assert densest_window(events, 3600, 4) == (3, 7)  # 50..109 minutes: people 3, 4, 5, 6, 7
    assert densest_window(events, 3600, 6) is None
    assert densest_window(events[:4], 3600, 3) == (0, 3)  # person 2 twice counts once
    assert densest_window([], 3600, 1) is None


def test_many_people_from_one_address_or_device_within_an_hour(client_app, session, bank, contest_factory):
    contest_factory("thi-thu")
    # Five people from one address, each with a browser of their own: a flag for registrations and starts.
    for i in range(5):
        v = Visitor(client_app, "203.0.113.50", ua=f"Trình duyệt {i}")
        v.register(f"cung-ip-{i}@example.vn", unit="HTX Cùng Mạng")
        v.start()
    # Four people on another address: below the threshold.
    for i in range(4):
        v = Visitor(client_app, "203.0.113.60", ua=f"Máy khác {i}")
        v.register(f"it-nguoi-{i}@example.vn")
        v.start()
    # Five people on five addresses with one browser and language: a device flag.
    for i in range(5):
        v = Visitor(client_app, f"198.51.100.{i + 1}", ua="Một trình duyệt", lang="vi")
        v.register(f"cung-may-{i}@example.vn")
        v.start()
    rep = report(client_app, session)
    by_kind = {}
    for f in rep["flags"]:
        by_kind.setdefault(f["kind"], []).append(f)
    assert sorted(by_kind) == ["registrations_device", "registrations_ip", "starts_device", "starts_ip"]
    for kind, prefix in (("registrations_ip", "cung-ip-"), ("starts_ip", "cung-ip-"),
                         ("registrations_device", "cung-may-"), ("starts_device", "cung-may-")):
        (flag,) = by_kind[kind]
        assert sorted(p["email"] for p in flag["people"]) == [f"{prefix}{i}@example.vn" for i in range(5)], kind
        assert all(p["attempt_ids"] for p in flag["people"])
    ip_flag = by_kind["starts_ip"][0]
    assert ip_flag["detail"]["key"] == "203.0.113.50" and ip_flag["people"][0]["unit"] == "HTX Cùng Mạng"
    assert ip_flag["reason"].startswith("5 người bắt đầu làm bài từ địa chỉ IP 203.0.113.50 trong ")
    # A higher threshold (from the app's config, as the page reads it) and nothing is flagged.
    assert Rules.from_config({"SUSPICIOUS_SAME_SOURCE_PEOPLE": "6", "SUSPICIOUS_WINDOW_S": "60"}) == \
        Rules(same_source_people=6, window_s=60)
    assert report(client_app, session, same_source_people=6)["flags"] == []


def test_starts_spread_over_more_than_the_window_are_not_flagged(session, bank, contest_factory, user_factory):
    from quiz.contest.attempts import start_attempt

    contest = contest_factory("thi-thu", opens_at=utcnow() - timedelta(days=1))
    t0 = utcnow() - timedelta(hours=10)
    for i in range(5):  # one start every 20 minutes: at most 3 within any hour
        start_attempt(session, user_factory().id, contest, now=t0 + timedelta(minutes=20 * i), ip="203.0.113.9")
    assert report(None, session)["flags"] == []
    assert kinds(report(None, session, window_s=2 * 3600)) == ["starts_ip"]


def right_answers(session, attempt_id, wrong=()):
    """An answers map choosing the right option, except a wrong one for the questions in ``wrong``."""
    out = {}
    for qid, (ids, correct) in paper(session, attempt_id).items():
        out[qid] = ids[(correct + 1) % len(ids)] if qid in wrong else ids[correct]
    return out


def test_too_fast_with_a_high_score(client_app, session, bank, contest_factory, tmp_path):
    contest_factory("thi-thu")
    fast = Visitor(client_app, "203.0.113.1")
    fast.register("nhanh@example.vn", name="Nguyễn Văn Nhanh")
    a = fast.start()
    assert fast.submit(a["id"], right_answers(session, a["id"]))["score"] == 20  # 20 right in well under 60 s
    careless = Visitor(client_app, "203.0.113.2")
    careless.register("vo-y@example.vn")
    b = careless.start()
    careless.submit(b["id"])  # blank in a second: fast, but no advantage gained
    rep = report(client_app, session)
    assert kinds(rep) == ["fast"]
    assert rep["flags"][0]["people"][0]["email"] == "nhanh@example.vn"
    assert rep["flags"][0]["people"][0]["attempt_ids"] == [a["id"]]
    assert "giây cho 20 câu hỏi (chưa đến 3 giây mỗi câu) mà đúng 20/20 câu" in rep["flags"][0]["reason"]
    # With no minimum time per question nothing is too fast.
    assert report(client_app, session, min_s_per_question=0)["flags"] == []
    # Imported results (times from elsewhere) are not judged.
    path = tmp_path / "r.csv"
    when = utcnow().isoformat()
    path.write_text(f"email,full_name,unit,locality,score,duration_s,submitted_at,prediction\n"
                    f"giay@example.vn,Người Giấy,HTX,Xã,20,5,{when},\n", encoding="utf-8")
    out = client_app.test_cli_runner().invoke(args=["results", "import", "thi-thu", str(path)])
    assert out.exit_code == 0, out.output
    assert kinds(report(client_app, session)) == ["fast"]


def test_identical_answer_sheets(client_app, session, bank, contest_factory):
    """Two people sharing at least 10 of 20 questions (30 in the bank) with the same mistakes are flagged;
    alike right answers, different mistakes and one's own retake are not."""
    contest_factory("thi-thu", max_attempts=2)  # everyone here answers in a second: rule 2 is set aside
    src = Visitor(client_app, "203.0.113.1")
    src.register("goc@example.vn", name="Người Gốc")
    copier = Visitor(client_app, "198.51.100.7")
    copier.register("chep@example.vn", name="Người Chép")
    a, b = src.start(), copier.start()
    a_paper = paper(session, a["id"])
    wrong = set(sorted(set(a_paper) & set(paper(session, b["id"])))[:5])  # 5 of the shared ones, wrong
    src.submit(a["id"], right_answers(session, a["id"], wrong))
    a_index = {q: (c + 1) % len(ids) if q in wrong else c for q, (ids, c) in a_paper.items()}

    def copy_of(visitor, attempt=None):
        b = attempt or visitor.start()
        answers = {}
        for q, (ids, c) in paper(session, b["id"]).items():
            answers[q] = ids[a_index[q]] if q in a_index else ids[(c + 2) % len(ids)]  # own mistakes elsewhere
        visitor.submit(b["id"], answers)
        return b

    copy_of(copier, b)
    honest = Visitor(client_app, "198.51.100.8")
    honest.register("tu-lam@example.vn")
    c = honest.start()
    c_paper = paper(session, c["id"])
    honest.submit(c["id"], {q: ids[(cor + 3) % len(ids)] if q in sorted(c_paper)[:3] else ids[cor]
                            for q, (ids, cor) in c_paper.items()})
    rep = report(client_app, session, min_s_per_question=0)
    assert kinds(rep) == ["similar"]
    flag = rep["flags"][0]
    assert sorted(p["email"] for p in flag["people"]) == ["chep@example.vn", "goc@example.vn"]
    pair = flag["detail"]["pairs"][0]
    assert {pair["attempt_a"], pair["attempt_b"]} == {a["id"], b["id"]}
    shared = len(set(a_paper) & set(paper(session, b["id"])))
    assert shared >= 10 and pair["shared"] == shared and pair["same"] == shared
    assert pair["same_wrong"] == 5
    assert flag["reason"].startswith(f"Hai người có bài làm giống nhau: chọn giống nhau {shared}/{shared} câu chung")
    # Asking for more identical mistakes than they share clears them.
    assert report(client_app, session, min_s_per_question=0, similar_min_wrong=6)["flags"] == []
    # The source's own second attempt, copying the first, adds no flag and no person.
    copy_of(src)
    rep = report(client_app, session, min_s_per_question=0)
    assert kinds(rep) == ["similar"] and len(rep["flags"][0]["people"]) == 2
    # On the page: the reason and the pairs, each attempt a link.
    from quiz.accounts.users import create_user

    create_user(session, full_name="Ban Tổ Chức", email="btc@example.vn", password="mat-khau-123", role="organizer")
    btc = page_client(client_app, "btc@example.vn")
    html = btc.get("/organizer/contests/thi-thu/suspicious").get_data(as_text=True)
    assert "Hai người có bài làm giống nhau" in html and "câu cùng sai một phương án" in html
    assert f'href="/organizer/contests/thi-thu/attempts/{b["id"]}"' in html


def test_candidate_search_is_far_from_all_pairs(session, bank, contest_factory, user_factory):
    """600 sheets over a 30-question bank, everyone with a few random mistakes, and a ring of 4 copying one
    sheet: the ring is found, and far fewer pairs than 600 x 599 / 2 are compared."""
    from quiz.contest.similar_sheets import similar_clusters
    from tests.bulk import insert_sheets

    contest = contest_factory("thi-thu")
    stats = {}
    ring = insert_sheets(session, contest, people=600, ring=4, rng=random.Random(5))
    clusters = similar_clusters(session, contest.id, None, stats=stats)
    assert any(set(ring) <= {a for _u, a in c.attempts} for c in clusters)
    assert stats["sheets"] > 400 and stats["candidate_pairs"] < 600 * 599 / 2 / 20, stats
    assert stats["checked_pairs"] <= stats["overlapping_pairs"] + 3 and stats["skipped_buckets"] == 0
    # Where the search leaves pairs out, the report says so.
    rep = build_report(session, contest, rules=Rules(similar_bucket_cap=3, similar_max_checks=5))
    assert len(rep["notes"]) == 2 and "SUSPICIOUS_SIMILAR_MIN_WRONG" in rep["notes"][1]
    with pytest.raises(ValueError):
        Rules(similar_min_wrong=1)


@pytest.fixture
def staff_world(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    for role in ("participant", "organizer", "judge", "admin"):
        user_factory(role=role, email=f"{role}@example.vn", full_name=f"Vai trò {role}")
    for i in range(5):
        v = Visitor(client_app, "203.0.113.77", ua=f"UA {i}")
        v.register(f"hoi-truong-{i}@example.vn", name="=HYPERLINK(\"http://x\")" if i == 0 else f"Người Hội Trường {i}",
                   unit="HTX Hội Trường")
        v.start()
    return client_app


def test_page_csv_and_attempt_view(staff_world, session):
    c = page_client(staff_world, "organizer@example.vn")
    html = c.get("/organizer/contests/thi-thu/suspicious").get_data(as_text=True)
    assert "Dấu hiệu bất thường: Cuộc thi thử" in html and "không phải kết luận gian lận" in html
    assert "5 người bắt đầu làm bài từ địa chỉ IP 203.0.113.77" in html and "hoi-truong-3@example.vn" in html
    assert "Các quy tắc phát hiện" in html and "trong vòng 60 phút" in html
    r = c.get("/organizer/contests/thi-thu/suspicious.csv")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert r.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Dấu hiệu số", "Loại", "Mô tả", "Lý do"]
    assert len(rows) == 1 + 10  # 5 people x (registrations, starts) from one address
    names = [row[4] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names and not any(n.startswith("=") for n in names)
    from quiz.models import AuditEntry

    logged = session.execute(select(AuditEntry.action, AuditEntry.actor_email, AuditEntry.target_id)).all()
    session.commit()
    assert ("suspicious.export", "organizer@example.vn", "thi-thu") in logged  # contacts left the platform
    # The attempt behind a flag, with where it was started and the key.
    attempt_id = int(rows[-1][9].split()[0])
    page = c.get(f"/organizer/contests/thi-thu/attempts/{attempt_id}").get_data(as_text=True)
    assert "203.0.113.77" in page and "✓ đáp án đúng" in page and "Lượt thi #" in page
    assert c.get("/organizer/contests/thi-thu/attempts/999999").status_code == 404
    # Judges may read it; participants and visitors may not, and see nobody's data.
    assert page_client(staff_world, "judge@example.vn").get("/organizer/contests/thi-thu/suspicious").status_code == 200
    for client in (page_client(staff_world, "participant@example.vn"), staff_world.test_client()):
        for path in ("/organizer/contests/thi-thu/suspicious", "/organizer/contests/thi-thu/suspicious.csv",
                     f"/organizer/contests/thi-thu/attempts/{attempt_id}"):
            r = client.get(path)
            assert r.status_code in (302, 403) and "hoi-truong" not in r.get_data(as_text=True), path


def test_command_line(staff_world, session):
    runner = staff_world.test_cli_runner()
    out = runner.invoke(args=["suspicious", "thi-thu", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["counts"]["starts_ip"] == 1 and body["counts"]["registrations_ip"] == 1
    assert body["rules"]["same_source_people"] == 5
    text = runner.invoke(args=["suspicious", "thi-thu"])
    assert text.exit_code == 0 and "2 dấu hiệu" in text.output and "hoi-truong-1@example.vn" in text.output
    by = runner.invoke(args=["suspicious", "thi-thu", "--by", "judge@example.vn"])
    assert by.exit_code == 0
    from quiz.models import AuditEntry

    assert [tuple(r) for r in session.execute(select(AuditEntry.actor_email, AuditEntry.after)
                                              .where(AuditEntry.action == "suspicious.export")).all()] == [
        ("cli", {"round": None, "format": "json", "flags": 2}), ("cli", {"round": None, "format": "text", "flags": 2}),
        ("judge@example.vn", {"round": None, "format": "text", "flags": 2})]
    session.commit()
    bad = runner.invoke(args=["suspicious", "khong-co"])
    assert bad.exit_code == 1 and "Không tìm thấy cuộc thi" in bad.output
    assert runner.invoke(args=["suspicious", "thi-thu", "--round", "9"]).exit_code == 1


def test_report_for_one_round(client_app, session, bank, contest_factory, user_factory):
    """?round=R and --round R look at that round's attempts only."""
    from quiz.contest.attempts import start_attempt
    from quiz.contest.rounds import create_round

    now = utcnow()
    contest = contest_factory("thi-thu", opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=1))
    create_round(session, contest, number=1, opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    create_round(session, contest, number=2, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    for i in range(5):  # a crowd in round 1 only
        start_attempt(session, user_factory().id, contest, now=now - timedelta(hours=36, minutes=i), ip="203.0.113.3")
    user_factory(role="judge", email="bgk@example.vn")
    c = page_client(client_app, "bgk@example.vn")
    one = c.get("/organizer/contests/thi-thu/suspicious?round=1").get_data(as_text=True)
    two = c.get("/organizer/contests/thi-thu/suspicious?round=2").get_data(as_text=True)
    assert "5 người bắt đầu làm bài từ địa chỉ IP 203.0.113.3" in one and 'id="no-flags"' in two
    assert c.get("/organizer/contests/thi-thu/suspicious?round=7").status_code == 404
    runner = client_app.test_cli_runner()
    assert json.loads(runner.invoke(args=["suspicious", "thi-thu", "--json", "--round", "2"]).output)["flags"] == []
    assert json.loads(runner.invoke(args=["suspicious", "thi-thu", "--json", "--round", "1"]).output)["round"] == 1
