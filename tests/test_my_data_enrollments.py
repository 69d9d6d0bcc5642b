"""A person's data download (GET /api/v1/me/data) lists the unit they enrolled in for each contest (code, name,
when), follows a staff move, and holds nobody else's."""
from quiz.contest import units
from quiz.contest.contests import get_contest
from quiz.contest.organizations import create_organization
from quiz.infra import audit
from quiz.models import User
from tests.helpers import ApiClient, check, register


def test_enrollments_in_the_data_download(client_app, session, bank, contest_factory):
    org = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    units.import_units(session, org, [units.UnitRow("HTX-TT", "HTX Nông nghiệp Thắng Thủy", "11824", 120),
                                      units.UnitRow("HTX-TP", "HTX Tân Phú", None, None)])
    contest_factory("hp-1", title="Tuần 1", organization_id=org.id)
    contest_factory("hp-2", title="Tuần 2", organization_id=org.id)
    contest_factory("chung", title="Cuộc thi của nền tảng")
    me, other = ApiClient(client_app), ApiClient(client_app)
    assert register(me).status_code == 201
    assert register(other, email="khac@example.vn", phone="0987654321").status_code == 201

    def data(api):
        body = api.get("/api/v1/me/data").get_json()
        check("MyData", body)
        return body["enrollments"]

    assert data(me) == []
    for api, slug, code in ((me, "hp-1", "HTX-TT"), (me, "hp-2", "HTX-TP"), (other, "hp-1", "HTX-TP")):
        assert api.post(f"/api/v1/contests/{slug}/enrollment", json={"unit_code": code}).status_code == 201
    mine = data(me)
    assert [(e["contest"], e["unit"]) for e in mine] == [
        ({"slug": "hp-1", "title": "Tuần 1"}, {"code": "HTX-TT", "name": "HTX Nông nghiệp Thắng Thủy"}),
        ({"slug": "hp-2", "title": "Tuần 2"}, {"code": "HTX-TP", "name": "HTX Tân Phú"})]
    assert all(e["enrolled_at"].endswith("Z") or "+" in e["enrolled_at"] for e in mine)
    assert [e["unit"]["code"] for e in data(other)] == ["HTX-TP"]

    # Staff move the person in hp-1: the download shows the new unit.
    person = session.query(User).filter_by(email="lan@example.vn").one()
    units.move(session, get_contest(session, "hp-1"), person, "HTX-TP", audit.CLI)
    moved = data(me)
    assert moved[0]["unit"] == {"code": "HTX-TP", "name": "HTX Tân Phú"}
    assert moved[0]["enrolled_at"] == mine[0]["enrolled_at"]
