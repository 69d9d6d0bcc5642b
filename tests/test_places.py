"""The official localities after the 2025 reform: the list itself (codes checked against the official names),
the API, registration and the profile with a ward, statistics by ward and province, winner lists."""
import csv
import io

import pytest
from sqlalchemy import func, select

from quiz import places
from quiz.accounts import users
from quiz.contest.attempts import start_attempt, submit
from quiz.contest.stats import contest_stats
from quiz.contest.tallies import rebuild
from quiz.files.exports import winners_csv
from quiz.infra import audit
from quiz.models import AuditEntry, User
from tests.helpers import PASSWORD, ApiClient, answer_rightly, counters, error_code, page_login, register, token

# Checked by hand against the official names of the resolutions of 12 June 2025 on the provinces and of the
# Standing Committee on each province's communes: codes are the General Statistics Office's.
OFFICIAL = {"01": "Thành phố Hà Nội", "31": "Thành phố Hải Phòng", "79": "Thành phố Hồ Chí Minh",
            "75": "Đồng Nai", "48": "Thành phố Đà Nẵng", "46": "Thành phố Huế", "92": "Thành phố Cần Thơ",
            "37": "Ninh Bình", "96": "Cà Mau", "04": "Cao Bằng"}
WARDS = {"00070": ("Phường Hoàn Kiếm", "01"), "11824": ("Xã Vĩnh Bảo", "31"), "11311": ("Phường Hồng Bàng", "31"),
         "26740": ("Phường Sài Gòn", "79"), "31135": ("Phường Ninh Kiều", "92")}


def test_the_list_is_the_2025_one_with_official_codes():
    assert len(places.provinces()) == 34
    assert sum(len(places.wards(p.code)) for p in places.provinces()) == 3321
    for code, name in OFFICIAL.items():
        assert places.province(code).name == name
    for code, (name, province) in WARDS.items():
        ward = places.ward(code)
        assert (ward.name, ward.province.code) == (name, province)
    assert places.ward("11824").full_name == "Xã Vĩnh Bảo, Thành phố Hải Phòng"
    assert len(places.wards("31")) == 114  # Hải Phòng: 45 wards, 67 communes, 2 special zones
    # No district level any more, and the old provinces are gone (Nam Định 36 is part of Ninh Bình now).
    assert places.province("36") is None and places.province("1") is None and places.ward(11824) is None
    assert all(len(p.code) == 2 for p in places.provinces())
    assert all(len(w.code) == 5 for p in places.provinces() for w in places.wards(p.code))


def test_search_folds_diacritics():
    assert "11824" in [w.code for w in places.search("vinh bao")]
    assert [w.code for w in places.search("VĨNH BẢO", "31")] == ["11824"]
    assert places.search("", "31") == [] and places.search("vinh bao", "99") == []


# --- API -----------------------------------------------------------------------------------------------------

def test_localities_api(api):
    r = api.get("/api/v1/localities")
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
    provinces = r.get_json()["provinces"]
    assert len(provinces) == 34 and {"code": "31", "name": "Thành phố Hải Phòng"} in provinces
    r = api.get("/api/v1/localities?province=31")
    assert r.status_code == 200 and "max-age" in r.headers["Cache-Control"]
    wards = r.get_json()["wards"]
    assert len(wards) == 114 and {"code": "11824", "name": "Xã Vĩnh Bảo"} in wards
    for bad in ("36", "1", "", "abc"):
        r = api.get(f"/api/v1/localities?province={bad}")
        assert r.status_code == 404 and error_code(r) == "not_found"


def test_register_with_a_ward_code(api, session):
    r = register(api, "vinh@example.vn", locality_code="11824", locality="gõ tay")
    assert r.status_code == 201
    user = session.execute(select(User).where(User.email == "vinh@example.vn")).scalar_one()
    assert user.locality_code == "11824" and user.locality == "Xã Vĩnh Bảo, Thành phố Hải Phòng"
    assert api.get("/api/v1/me/data").get_json()["profile"]["locality_code"] == "11824"


@pytest.mark.parametrize("bad", ["99999", "1182", 11824, "31", ["11824"]])
def test_register_with_an_unknown_code_is_422_and_creates_nothing(api, session, bad):
    r = register(api, "sai@example.vn", locality_code=bad)
    assert r.status_code == 422 and error_code(r) == "invalid_fields"
    assert set(r.get_json()["error"]["fields"]) == {"locality_code"}
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_register_without_a_code_keeps_free_text(api, session):
    assert register(api, "tu@example.vn").status_code == 201
    assert register(ApiClient(api.http.application), "null@example.vn", locality_code=None).status_code == 201
    rows = session.execute(select(User.locality, User.locality_code).order_by(User.id)).all()
    assert rows == [("Đồng Nai", None), ("Đồng Nai", None)]


# --- Pages ---------------------------------------------------------------------------------------------------

@pytest.fixture
def web(client_app):
    return client_app.test_client()


FORM = {"full_name": "Đỗ Văn Nam", "email": "nam@example.vn", "password": PASSWORD, "confirm": PASSWORD,
        "phone": "0901234567", "unit": "HTX Thủy sản", "consent": "y"}


def test_register_page_picker_without_javascript(web, session):
    page = web.get("/register").get_data(as_text=True)
    assert 'id="province" name="province"' in page and 'id="locality_code" name="locality_code"' in page
    assert "<legend>Địa phương" in page
    assert "Thành phố Hải Phòng" in page and "Xã Vĩnh Bảo" not in page  # wards come once a province is chosen
    assert "<span>Tỉnh, thành phố</span>" in page and "<span>Xã, phường, đặc khu</span>" in page  # in their labels
    r = web.post("/register", data={"csrf_token": token(page), **FORM, "province": "31", "pick_province": "1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and '<option value="11824">Xã Vĩnh Bảo</option>' in html
    assert 'value="Đỗ Văn Nam"' in html  # what was typed stays
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
    session.commit()
    r = web.post("/register", data={"csrf_token": token(html), **FORM, "province": "31", "locality_code": "11824"})
    assert r.status_code == 302
    user = session.execute(select(User)).scalar_one()
    assert (user.locality_code, user.locality) == ("11824", "Xã Vĩnh Bảo, Thành phố Hải Phòng")
    session.commit()
    me = web.get("/me").get_data(as_text=True)
    assert "Xã Vĩnh Bảo, Thành phố Hải Phòng" in me and "11824" in me


def test_register_page_refuses_an_unknown_ward(web, session):
    page = web.get("/register").get_data(as_text=True)
    r = web.post("/register", data={"csrf_token": token(page), **FORM, "province": "31", "locality_code": "99999"})
    assert r.status_code == 422 and users.UNKNOWN_WARD in r.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_profile_changes_unit_and_ward(web, session, user_factory):
    user_factory(email="an@example.vn", password=PASSWORD, unit="HTX Cũ", locality="huyện Vĩnh Bảo (cũ)")
    assert page_login(web, "an@example.vn").status_code == 302
    page = web.get("/account/profile").get_data(as_text=True)
    assert "huyện Vĩnh Bảo (cũ)" in page and 'value="HTX Cũ"' in page
    r = web.post("/account/profile", data={"csrf_token": token(page), "unit": "HTX Mới", "province": "31",
                                          "locality_code": "99999"})
    assert r.status_code == 422 and users.UNKNOWN_WARD in r.get_data(as_text=True)
    r = web.post("/account/profile", data={"csrf_token": token(page), "unit": "HTX Mới", "province": "31",
                                          "locality_code": "11824"})
    assert r.status_code == 302
    session.rollback()
    user = session.execute(select(User)).scalar_one()
    assert (user.unit, user.locality_code, user.locality) == ("HTX Mới", "11824", "Xã Vĩnh Bảo, Thành phố Hải Phòng")
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == audit.ACCOUNT_PROFILE_CHANGE)).scalar_one()
    # A participant is logged by id, and what changed by name only: the log keeps no unit or place of theirs.
    assert (entry.actor_id, entry.actor_email, entry.target_id) == (user.id, "", str(user.id))
    assert entry.before is None and entry.after == {"changed": ["locality", "locality_code", "unit"]}
    session.commit()  # end the read: on SQLite it holds the lock the next request waits for
    page = web.get("/account/profile").get_data(as_text=True)
    assert '<option selected value="11824">Xã Vĩnh Bảo</option>' in page
    assert '<option selected value="31">Thành phố Hải Phòng</option>' in page


def test_profile_needs_a_login(web):
    r = web.get("/account/profile")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- Statistics and winner lists -----------------------------------------------------------------------------


def play(session, contest, user, score):
    a, _ = start_attempt(session, user.id, contest)
    answer_rightly(session, a.id, user.id, score)
    submit(session, a.id, user.id)


def recount_equals_kept(session, contest_id):
    kept = counters(session)
    rebuild(session.connection(), contest_id)
    session.commit()
    assert counters(session) == kept


def test_stats_by_ward_and_province(session, bank, contest_factory, user_factory):
    contest = contest_factory("dia-phuong", question_count=4, blueprint="1-12:4", max_attempts=2)
    hong_bang = user_factory(locality_code="11311")
    vinh_bao = user_factory(locality_code="11824")
    saigon = user_factory(locality_code="26740")
    free = user_factory(locality="Huế")
    for person, scores in ((hong_bang, [4, 2]), (vinh_bao, [3]), (saigon, [1]), (free, [4])):
        for score in scores:
            play(session, contest, person, score)
    stats = contest_stats(session, contest)
    wards = {r["code"]: r for r in stats["by_locality"]}
    assert wards[None]["name"] == "Huế" and wards[None]["participants"] == 1
    assert wards["11311"]["name"] == "Phường Hồng Bàng, Thành phố Hải Phòng" and wards["11311"]["attempts"] == 2
    provinces = {r["code"]: r for r in stats["by_province"]}
    assert set(provinces) == {"31", "79"}  # free text has no province
    hp = provinces["31"]
    assert (hp["name"], hp["participants"], hp["attempts"], hp["perfect"]) == ("Thành phố Hải Phòng", 2, 3, 1)
    assert hp["mean"] == pytest.approx((4 + 2 + 3) / 3)
    assert stats["by_province"][0]["code"] == "31"  # most participants first
    recount_equals_kept(session, contest.id)

    # A person who moves (their profile) takes their attempts along, and the kept counters still equal a recount.
    users.change_profile(session, vinh_bao, "HTX Mới", "", "26740", audit.CLI)
    recount_equals_kept(session, contest.id)
    moved = {r["code"]: r for r in contest_stats(session, contest)["by_province"]}
    assert (moved["31"]["participants"], moved["31"]["attempts"]) == (1, 2)
    assert (moved["79"]["participants"], moved["79"]["attempts"]) == (2, 2)
    assert {r["name"]: r["participants"] for r in contest_stats(session, contest)["by_unit"]}["HTX Mới"] == 1


def test_winner_list_gains_locality_code_and_province(session, bank, contest_factory, user_factory):
    from quiz.contest import ranking

    contest = contest_factory("giai", question_count=4, blueprint="1-12:4")
    play(session, contest, user_factory(locality_code="11824"), 4)
    play(session, contest, user_factory(locality="Huế"), 2)
    rows = list(csv.reader(io.StringIO(winners_csv(ranking.ranking(session, contest), None).decode("utf-8-sig"))))
    assert rows[0][-5:] == ["attempt_id", "unit_code", "locality_code", "province", "verdict"]
    assert rows[1][6] == "Xã Vĩnh Bảo, Thành phố Hải Phòng" and rows[1][-3:-1] == ["11824", "Thành phố Hải Phòng"]
    assert rows[2][6] == "Huế" and rows[2][-3:-1] == ["", ""]
    # A frozen ranking keeps the code as it was.
    ranking.freeze(session, contest, None, audit.CLI)
    frozen = ranking.ranking(session, contest, for_export=True)
    rows = list(csv.reader(io.StringIO(winners_csv(frozen, None).decode("utf-8-sig"))))
    assert rows[1][-3:-1] == ["11824", "Thành phố Hải Phòng"]
