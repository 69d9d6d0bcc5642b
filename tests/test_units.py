"""An organization's unit directory (flask units import, search with and without diacritics), enrollment in a
contest's unit (required before the first attempt, fixed after it, moved by staff with an audit entry),
statistics, collective prizes and winner lists by unit code, the results import mapped to the directory."""
import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from quiz.contest import ranking, units
from quiz.contest.attempts import save_answer, start_attempt, submit
from quiz.contest.organizations import create_organization
from quiz.contest.stats import contest_stats
from quiz.contest.tallies import rebuild
from quiz.files.exports import winners_csv
from quiz.infra import audit
from quiz.models import AttemptQuestion, AuditEntry, Enrollment, QuestionVersion, Unit, User
from tests.helpers import ApiClient, counters, error_code

GOOD = [["code", "name", "locality_code", "headcount"],
        ["HTX-TT", "HTX Nông nghiệp Thắng Thủy", "11824", "120"],
        ["HTX-TP", "HTX Tân Phú", "", ""],
        ["UBND-HB", "Ủy ban nhân dân phường Hồng Bàng", "11311", "35"]]


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def write(path, rows):
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def count(session, model):
    n = session.execute(select(func.count()).select_from(model)).scalar_one()
    session.commit()
    return n


@pytest.fixture
def org(session):
    return create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")


@pytest.fixture
def directory(app, org, tmp_path):
    r = run(app, "units", "import", "hai-phong", str(write(tmp_path / "units.csv", GOOD)))
    assert r.exit_code == 0, r.output
    return org


def play(session, contest, user, right):
    a, _ = start_attempt(session, user.id, contest)
    rows = session.query(AttemptQuestion).filter_by(attempt_id=a.id).order_by(AttemptQuestion.position).all()
    for i, aq in enumerate(rows):
        v = session.get(QuestionVersion, aq.version_id)
        want = v.correct if i < right else next(k for k in range(len(v.options)) if k != v.correct)
        oid = next(o for o, k in aq.options if k == want)
        session.commit()
        save_answer(session, a.id, user.id, aq.question_id, oid)
    submit(session, a.id, user.id)
    return a


def recount_equals_kept(session, contest_id):
    kept = counters(session)
    rebuild(session.connection(), contest_id)
    session.commit()
    assert counters(session) == kept


# --- The directory ------------------------------------------------------------------------------------------

def test_import_good_then_update_then_bad_changes_nothing(app, session, org, tmp_path):
    r = run(app, "units", "import", "hai-phong", str(write(tmp_path / "units.csv", GOOD)), "--by", "")
    assert r.exit_code == 0, r.output
    assert "3 added, 0 updated" in r.output
    tt = session.execute(select(Unit).where(Unit.code == "HTX-TT")).scalar_one()
    assert (tt.name, tt.locality_code, tt.headcount, tt.search_text) == (
        "HTX Nông nghiệp Thắng Thủy", "11824", 120, "htx-tt htx nong nghiep thang thuy")
    session.commit()
    # .xlsx: an existing code is updated, a new one added.
    book = openpyxl.Workbook()
    for row in (GOOD[0], ["HTX-TP", "HTX Tân Phú (Đồng Nai)", "", "40"], ["HTX-MOI", "HTX Mới", "", ""]):
        book.active.append(row)
    book.save(tmp_path / "more.xlsx")
    r = run(app, "units", "import", "hai-phong", str(tmp_path / "more.xlsx"))
    assert r.exit_code == 0 and "1 added, 1 updated" in r.output, r.output
    assert count(session, Unit) == 4
    # Every bad row reported as FILE:ROW: problem; nothing written.
    bad = write(tmp_path / "bad.csv", [GOOD[0], ["HTX-TP", "Đổi tên", "", ""], ["", "Không mã", "", ""],
                                       ["X 1", "", "99999", "-3"], ["HTX-TP", "Lặp lại", "", ""]])
    r = run(app, "units", "import", "hai-phong", str(bad))
    assert r.exit_code == 1
    for line in ("bad.csv:3: code is empty", "bad.csv:4: code 'X 1' may only use",
                 "bad.csv:4: name must be 1 to 200 characters",
                 "bad.csv:4: locality_code '99999' is not an official ward code",
                 "bad.csv:4: headcount must be a whole number 0 or more, or empty, got '-3'",
                 "bad.csv:5: code HTX-TP repeats row 2", "nothing imported"):
        assert line in r.output, r.output
    assert session.execute(select(Unit.name).where(Unit.code == "HTX-TP")).scalar_one() == "HTX Tân Phú (Đồng Nai)"
    assert count(session, Unit) == 4
    missing = run(app, "units", "import", "hai-phong", str(write(tmp_path / "m.csv", [["code"], ["A"]])))
    assert missing.exit_code == 1 and "m.csv:1: missing column(s): name" in missing.output
    assert run(app, "units", "import", "khong-co", str(tmp_path / "units.csv")).exit_code == 1
    logged = session.execute(select(AuditEntry.action, AuditEntry.target_id, AuditEntry.after)
                             .where(AuditEntry.action == audit.UNITS_IMPORT).order_by(AuditEntry.id)).all()
    assert [(a, t, after["created"], after["updated"]) for a, t, after in logged] == [
        ("units.import", "hai-phong", 3, 0), ("units.import", "hai-phong", 1, 1)]


def test_search_with_and_without_diacritics(client_app, session, directory, contest_factory, bank):
    contest_factory("hp", organization_id=directory.id, question_count=4, blueprint="1-12:4")
    contest_factory("platform", question_count=4, blueprint="1-12:4")
    api = ApiClient(client_app)
    for q in ("thang thuy", "Thắng Thủy", "THANG", "htx-tt", "nong nghiep thang"):
        assert api.get(f"/api/v1/contests/hp/units?q={q}").get_json() == {
            "units": [{"code": "HTX-TT", "name": "HTX Nông nghiệp Thắng Thủy"}]}, q
    assert len(api.get("/api/v1/contests/hp/units").get_json()["units"]) == 3
    assert api.get("/api/v1/contests/hp/units?q=hong bang").get_json()["units"][0]["code"] == "UBND-HB"
    assert api.get("/api/v1/contests/hp/units?q=%25").get_json() == {"units": []}
    assert api.get("/api/v1/contests/platform/units?q=htx").get_json() == {"units": []}
    assert api.get("/api/v1/contests/none/units").status_code == 404


# --- Enrollment ---------------------------------------------------------------------------------------------

def test_enrollment_required_then_locked_and_staff_move_is_audited(client_app, session, directory, contest_factory,
                                                                   bank, user_factory):
    contest = contest_factory("hp", organization_id=directory.id, question_count=4, blueprint="1-12:4",
                              max_attempts=2)
    lan = user_factory(email="lan@example.vn", unit="htx tan phu")
    api = ApiClient.logged_in(client_app, "lan@example.vn", "mat-khau-123")
    r = api.post("/api/v1/contests/hp/attempts")
    assert r.status_code == 409 and error_code(r) == "enrollment_required"
    r = api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "KHONG-CO"})
    assert r.status_code == 422 and "unit_code" in r.get_json()["error"]["fields"]
    assert api.post("/api/v1/contests/hp/enrollment", json={"unit_code": 5}).status_code == 422
    assert api.post("/api/v1/contests/hp/enrollment", json={}).status_code == 422
    assert count(session, Enrollment) == 0
    r = api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "HTX-TT"})
    assert r.status_code == 201
    assert r.get_json() == {"enrollment": {"unit": {"code": "HTX-TT", "name": "HTX Nông nghiệp Thắng Thủy"}}}
    # Changed before any attempt: allowed; repeated unchanged: 200.
    assert api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "HTX-TP"}).status_code == 201
    assert api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "HTX-TP"}).status_code == 200
    r = api.post("/api/v1/contests/hp/attempts")
    assert r.status_code == 201, r.get_json()
    attempt_id = r.get_json()["attempt"]["id"]
    r = api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "HTX-TT"})
    assert r.status_code == 409 and error_code(r) == "enrollment_locked"
    assert api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "HTX-TP"}).status_code == 200
    enrolled = session.execute(select(Unit.code).join(Enrollment, Enrollment.unit_id == Unit.id)).scalar_one()
    assert enrolled == "HTX-TP"
    session.commit()
    # Finish it, then staff move the person: the counters follow, the move is logged by account id.
    submit(session, attempt_id, lan.id)
    organizer = user_factory(role="organizer", email="btc@example.vn", organization_id=directory.id)
    units.move(session, contest, lan, "HTX-TT", audit.person(organizer, "10.0.0.9"))
    by_unit = contest_stats(session, contest)["by_unit"]
    assert [(r["code"], r["name"], r["participants"], r["attempts"]) for r in by_unit] == [
        ("HTX-TT", "HTX Nông nghiệp Thắng Thủy", 1, 1)]
    recount_equals_kept(session, contest.id)
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == audit.ENROLLMENT_MOVE)).scalar_one()
    assert (entry.actor_email, entry.target_id, entry.before, entry.after, entry.ip) == (
        "btc@example.vn", f"hp/{lan.id}", {"unit_code": "HTX-TP"}, {"unit_code": "HTX-TT"}, "10.0.0.9")
    session.commit()
    with pytest.raises(Exception) as exc:
        units.move(session, contest, lan, "KHONG-CO", audit.person(organizer))
    assert getattr(exc.value, "code", None) == "invalid_fields"


def test_without_a_directory_the_free_text_unit_works_as_before(client_app, session, org, contest_factory, bank,
                                                                 user_factory):
    contest_factory("hp", organization_id=org.id, question_count=4, blueprint="1-12:4")
    user_factory(email="an@example.vn")
    api = ApiClient.logged_in(client_app, "an@example.vn", "mat-khau-123")
    assert api.post("/api/v1/contests/hp/attempts").status_code == 201
    r = api.post("/api/v1/contests/hp/enrollment", json={"unit_code": "HTX-TT"})
    assert r.status_code == 422


# --- Statistics, collective prizes, winner lists -------------------------------------------------------------

def test_two_spellings_enrolled_in_one_unit_never_split(session, directory, contest_factory, bank, user_factory):
    contest = contest_factory("hp", organization_id=directory.id, question_count=4, blueprint="1-12:4",
                              max_attempts=2)
    a = user_factory(unit="HTX Tân Phú", full_name="Nguyễn Văn An")
    b = user_factory(unit="htx tan phu", full_name="Trần Thị Bình")
    c = user_factory(unit="HTX Thắng Thủy (cũ)", full_name="Lê Văn Cường")
    for person, code in ((a, "HTX-TP"), (b, "HTX-TP"), (c, "HTX-TT")):
        units.enroll(session, person.id, contest, code)
    play(session, contest, a, 4)
    play(session, contest, b, 3)
    play(session, contest, b, 2)
    play(session, contest, c, 1)
    body = contest_stats(session, contest)
    assert [(r["code"], r["name"], r["participants"], r["attempts"]) for r in body["by_unit"]] == [
        ("HTX-TP", "HTX Tân Phú", 2, 3), ("HTX-TT", "HTX Nông nghiệp Thắng Thủy", 1, 1)]
    recount_equals_kept(session, contest.id)
    # A profile change of the free text moves nothing where the person is enrolled.
    from quiz.accounts.users import change_profile

    change_profile(session, b, "HTX khác hẳn", "", None, audit.person(b))
    assert contest_stats(session, contest)["by_unit"] == body["by_unit"]
    recount_equals_kept(session, contest.id)
    from quiz.contest.collective import collective

    assert [(u.unit, u.participants, u.unit_code) for u in collective(session, contest)[1]] == [
        ("HTX Tân Phú", 2, "HTX-TP"), ("HTX Nông nghiệp Thắng Thủy", 1, "HTX-TT")]
    for result in (ranking.ranking(session, contest), None):
        if result is None:  # frozen: the code and the directory's name are kept with the ranking
            ranking.freeze(session, contest, None, audit.CLI)
            result = ranking.ranking(session, contest, for_export=True)
        rows = list(csv.reader(io.StringIO(winners_csv(result, None).decode("utf-8-sig"))))
        assert rows[0][-5:] == ["attempt_id", "unit_code", "locality_code", "province", "verdict"]
        assert [(r[2], r[5], r[-4]) for r in rows[1:]] == [
            ("Nguyễn Văn An", "HTX Tân Phú", "HTX-TP"), ("Trần Thị Bình", "HTX Tân Phú", "HTX-TP"),
            ("Lê Văn Cường", "HTX Nông nghiệp Thắng Thủy", "HTX-TT")]


def test_results_import_maps_units_by_code_or_exact_name(app, session, directory, contest_factory, bank,
                                                         user_factory, tmp_path):
    contest = contest_factory("hp", organization_id=directory.id, question_count=4, blueprint="1-12:4",
                              max_attempts=3)
    user_factory(email="cu@example.vn", unit="gì đó")
    when = contest.opens_at.isoformat()
    head = ["email", "full_name", "unit", "locality", "score", "duration_s", "submitted_at", "prediction"]
    bad = write(tmp_path / "bad.csv", [head, ["x@example.vn", "X", "HTX Tan Phu", "", "3", "60", when, ""],
                                       ["y@example.vn", "Y", "HTX-TP", "", "3", "60", when, ""]])
    r = run(app, "results", "import", "hp", str(bad))
    assert r.exit_code == 1 and "bad.csv:2: unit 'HTX Tan Phu' is neither a code nor a name" in r.output, r.output
    assert count(session, Enrollment) == 0 and count(session, User) == 1
    good = write(tmp_path / "good.csv", [
        head, ["moi@example.vn", "Người Mới", "HTX Tân Phú", "", "3", "60", when, ""],
        ["cu@example.vn", "Người Cũ", "HTX-TP", "", "4", "50", when, ""],
        ["ba@example.vn", "Người Ba", "UBND-HB", "", "2", "50", when, ""]])
    r = run(app, "results", "import", "hp", str(good))
    assert r.exit_code == 0, r.output
    enrolled = dict(session.execute(select(User.email, Unit.code).join(Enrollment, Enrollment.user_id == User.id)
                                    .join(Unit, Unit.id == Enrollment.unit_id)).all())
    session.commit()
    assert enrolled == {"moi@example.vn": "HTX-TP", "cu@example.vn": "HTX-TP", "ba@example.vn": "UBND-HB"}
    by_unit = contest_stats(session, contest)["by_unit"]
    assert [(r["code"], r["participants"]) for r in by_unit] == [("HTX-TP", 2), ("UBND-HB", 1)]
    recount_equals_kept(session, contest.id)


# --- Organizer pages ----------------------------------------------------------------------------------------

def test_organizer_pages_upload_list_search_edit_and_move(client_app, session, org, contest_factory, bank,
                                                          user_factory):
    from tests.helpers import page_client, token

    other = create_organization(session, slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định")
    user_factory(role="organizer", email="btc@example.vn", organization_id=org.id)
    user_factory(role="organizer", email="nd@example.vn", organization_id=other.id)
    user_factory(role="organizer", email="platform@example.vn")
    web = page_client(client_app, "btc@example.vn", "mat-khau-123")
    page = web.get("/organizer/units").get_data(as_text=True)
    assert "Danh mục đơn vị · Liên minh HTX thành phố Hải Phòng" in page and "0 đơn vị" in page
    csv_text = "\n".join(",".join(r) for r in GOOD) + "\n"
    bad = "code,name\nA,\n"
    r = web.post("/organizer/units/upload?org=hai-phong", data={"csrf_token": token(page),
                 "file": (io.BytesIO(bad.encode()), "don-vi.csv")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "don-vi.csv:2: cột name phải dài từ 1 đến 200 ký tự" in r.get_data(as_text=True)
    assert count(session, Unit) == 0
    r = web.post("/organizer/units/upload?org=hai-phong", data={"csrf_token": token(page),
                 "file": (io.BytesIO(csv_text.encode()), "don-vi.csv")}, content_type="multipart/form-data")
    assert r.status_code == 302 and count(session, Unit) == 3
    listed = web.get("/organizer/units?q=thang thuy").get_data(as_text=True)
    assert "1 đơn vị khớp" in listed and "HTX Nông nghiệp Thắng Thủy" in listed and "HTX Tân Phú" not in listed
    # Another organization's directory: 403; platform staff pick one.
    assert web.get("/organizer/units?org=nam-dinh").status_code == 403
    nd = page_client(client_app, "nd@example.vn", "mat-khau-123")
    assert "0 đơn vị" in nd.get("/organizer/units").get_data(as_text=True)
    assert nd.get("/organizer/units/edit/HTX-TT?org=hai-phong").status_code == 403
    platform = page_client(client_app, "platform@example.vn", "mat-khau-123")
    assert "Chọn tổ chức" in platform.get("/organizer/units").get_data(as_text=True)
    assert "3 đơn vị" in platform.get("/organizer/units?org=hai-phong").get_data(as_text=True)
    # Edit: a bad ward is a field error and changes nothing; a good edit is logged.
    form = web.get("/organizer/units/edit/HTX-TP").get_data(as_text=True)
    r = web.post("/organizer/units/edit/HTX-TP", data={"csrf_token": token(form), "name": "HTX Tân Phú mới",
                                                            "locality_code": "99999", "headcount": "12"})
    assert r.status_code == 422 and "không phải mã phường, xã chính thức" in r.get_data(as_text=True)
    assert session.execute(select(Unit.name).where(Unit.code == "HTX-TP")).scalar_one() == "HTX Tân Phú"
    session.commit()
    r = web.post("/organizer/units/edit/HTX-TP", data={"csrf_token": token(form), "name": "HTX Tân Phú mới",
                                                            "locality_code": "11824", "headcount": "12"})
    assert r.status_code == 302
    unit = session.execute(select(Unit).where(Unit.code == "HTX-TP")).scalar_one()
    assert (unit.name, unit.locality_code, unit.headcount, unit.search_text) == (
        "HTX Tân Phú mới", "11824", 12, "htx-tp htx tan phu moi")
    session.commit()
    # Move a participant (after an attempt) from the page: audited with the organizer's address.
    contest = contest_factory("hp", organization_id=org.id, question_count=4, blueprint="1-12:4")
    lan = user_factory(email="lan@example.vn")
    units.enroll(session, lan.id, contest, "HTX-TT")
    play(session, contest, lan, 2)
    r = web.post("/organizer/units/move", data={"csrf_token": token(page), "contest": "hp",
                                                "email": "lan@example.vn", "unit_code": "HTX-TP"})
    assert r.status_code == 302
    assert [(r["code"], r["attempts"]) for r in contest_stats(session, contest)["by_unit"]] == [("HTX-TP", 1)]
    recount_equals_kept(session, contest.id)
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.actor_email == "btc@example.vn")
                              .order_by(AuditEntry.id)).scalars().all()
    assert actions == [audit.UNITS_IMPORT, audit.UNIT_EDIT, audit.ENROLLMENT_MOVE]
