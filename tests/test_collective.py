"""Collective prizes by the contest's rule (quiz.contest.collective): the three rules with ties at every level,
the minimum, units without a headcount, disqualified members, a round's own rule against the contest's, the API,
the winners XLSX, the judges' page, the ceremony report, the command line and the organizer's form."""
import io
from datetime import timedelta

import openpyxl
import pytest
from pypdf import PdfReader

from quiz.contest import verdicts
from quiz.contest.collective import collective, settings_of
from quiz.contest.organizations import create_organization
from quiz.contest.rounds import create_round
from quiz.contest.units import enroll
from quiz.files.exports import winner_list
from quiz.infra import audit
from quiz.models import Contest, Round, Unit, utcnow
from quiz.timeutil import VN
from tests.helpers import ApiClient, browser_login, finished_attempt, page_client, token

T0 = utcnow().replace(microsecond=0) - timedelta(hours=2)
TIERS = "1:Giải Nhất,2:Giải Nhì"


@pytest.fixture
def org(session):
    org = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    for code, name, headcount in (("A", "HTX An Lạc", 6), ("B", "HTX Bình Minh", 4), ("C", "HTX Cát Bi", None),
                                  ("D", "HTX Đông Hải", 0), ("E", "HTX Én Bay", 10)):
        session.add(Unit(organization_id=org.id, code=code, name=name, headcount=headcount))
    session.commit()
    return org


def person(session, user_factory, contest, code=None, unit="", email=None):
    """A participant enrolled in the directory's unit ``code`` (or with the free-text ``unit``)."""
    user = user_factory(unit=unit, **({"email": email} if email else {}))
    if code:
        enroll(session, user.id, contest, code)
    return user


def play(session, contest, user, *scores, round_=None):
    for i, score in enumerate(scores):
        finished_attempt(session, contest, user, score, 60, T0, submitted_s=i, round_=round_)


def table(rows):
    return [(r.rank, r.prize, r.unit_code, r.unit, r.participants) for r in rows]


def test_participants_rule_ties_minimum_and_prizes_at_a_tie(session, bank, org, contest_factory, user_factory):
    contest = contest_factory("hp", organization_id=org.id, collective_prizes=TIERS)
    for code, n in (("A", 3), ("B", 3), ("C", 2), ("E", 1)):
        for _ in range(n):
            play(session, contest, person(session, user_factory, contest, code), 10, 12)  # two attempts: one person
    for _ in range(2):
        play(session, contest, person(session, user_factory, contest, unit="HTX Tự Do"), 5)
    play(session, contest, person(session, user_factory, contest, unit=""), 20)  # no unit: counts for none
    settings, rows = collective(session, contest)
    assert settings.rule == "participants" and settings.minimum == 1
    # 1, 1, 3, 3, 5: ties listed by code, free-text units after; tiers 1 first + 2 second: both units tied at
    # rank 1 get the first prize, both at rank 3 the second (rank 3 is within the 3 places), rank 5 nothing.
    assert table(rows) == [(1, "Giải Nhất", "A", "HTX An Lạc", 3), (1, "Giải Nhất", "B", "HTX Bình Minh", 3),
                           (3, "Giải Nhì", "C", "HTX Cát Bi", 2), (3, "Giải Nhì", None, "HTX Tự Do", 2),
                           (5, "", "E", "HTX Én Bay", 1)]
    assert rows[0].headcount == 6 and rows[0].rate == 0.5 and rows[0].mean_best == 12
    assert rows[3].headcount is None and rows[3].rate is None and rows[3].mean_best == 5
    contest.collective_min = 3
    session.commit()
    assert table(collective(session, contest)[1]) == [(1, "Giải Nhất", "A", "HTX An Lạc", 3),
                                                      (1, "Giải Nhất", "B", "HTX Bình Minh", 3)]


def test_participation_rate_ranks_only_units_with_a_headcount(session, bank, org, contest_factory, user_factory):
    contest = contest_factory("hp", organization_id=org.id, collective="participation_rate",
                              collective_prizes="1:Giải Nhất")
    for code, n in (("A", 3), ("B", 2), ("C", 5), ("D", 1), ("E", 1)):
        for _ in range(n):
            play(session, contest, person(session, user_factory, contest, code), 10)
    play(session, contest, person(session, user_factory, contest, unit="HTX Tự Do"), 10)
    settings, rows = collective(session, contest)
    # A 3/6 and B 2/4 tie at 50% (both get the one first prize); C and the free text have no headcount, D has 0.
    assert settings.rule == "participation_rate"
    assert [(r.rank, r.prize, r.unit_code, r.rate) for r in rows] == [
        (1, "Giải Nhất", "A", 0.5), (1, "Giải Nhất", "B", 0.5), (3, "", "E", 0.1)]


def test_mean_best_with_a_disqualified_member(session, bank, org, contest_factory, user_factory):
    contest = contest_factory("hp", organization_id=org.id, collective="mean_best", collective_prizes=TIERS)
    star = person(session, user_factory, contest, "A", email="sao@example.vn")
    play(session, contest, star, 5, 20)  # best 20
    play(session, contest, person(session, user_factory, contest, "A"), 10)  # A: (20 + 10) / 2 = 15
    play(session, contest, person(session, user_factory, contest, "B"), 15)  # B: 15, tied with A
    play(session, contest, person(session, user_factory, contest, "B"), 14, 15)
    play(session, contest, person(session, user_factory, contest, "C"), 12)  # C: 12
    rows = collective(session, contest)[1]
    assert [(r.rank, r.prize, r.unit_code, r.mean_best) for r in rows] == [
        (1, "Giải Nhất", "A", 15), (1, "Giải Nhất", "B", 15), (3, "Giải Nhì", "C", 12)]
    judge = user_factory(role="judge", email="gk@example.vn")
    verdicts.set_verdict(session, contest, None, "sao@example.vn", "disqualified", "Thi hộ", audit.person(judge),
                         "judge")
    rows = collective(session, contest)[1]
    assert [(r.rank, r.prize, r.unit_code, r.participants, r.mean_best) for r in rows] == [
        (1, "Giải Nhất", "B", 2, 15), (2, "Giải Nhì", "C", 1, 12), (3, "Giải Nhì", "A", 1, 10)]


def test_a_round_sets_its_own_rule_or_inherits_the_contest(session, bank, org, contest_factory, user_factory):
    contest = contest_factory("hp", organization_id=org.id, collective="mean_best", collective_prizes=TIERS,
                              collective_min=2)
    one = create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=utcnow(),
                       collective="participants", collective_prizes="1:Giải tuần", collective_min=1)
    two = create_round(session, contest, number=2, opens_at=utcnow(), closes_at=contest.closes_at)
    assert settings_of(contest, two) == settings_of(contest) == settings_of(contest, None)
    assert (settings_of(contest, two).rule, settings_of(contest, two).minimum) == ("mean_best", 2)
    assert settings_of(contest, one).tiers == [[1, "Giải tuần"]]
    a1, a2, b1 = (person(session, user_factory, contest, code) for code in "AAB")
    play(session, contest, a1, 10, round_=one)
    play(session, contest, a2, 8, round_=one)
    play(session, contest, b1, 20, round_=one)
    play(session, contest, b1, 4, round_=two)
    play(session, contest, a1, 6, round_=two)
    # Round 1, its own rule: A has 2 participants, B 1.
    assert table(collective(session, contest, one)[1]) == [(1, "Giải tuần", "A", "HTX An Lạc", 2),
                                                          (2, "", "B", "HTX Bình Minh", 1)]
    # Round 2, the contest's rule and minimum: nobody has 2 participants there.
    assert collective(session, contest, two)[1] == []
    # The whole contest: mean of best scores over every round (A: (10 + 8) / 2; B alone is under the minimum).
    rows = collective(session, contest)[1]
    assert [(r.unit_code, r.mean_best, r.prize) for r in rows] == [("A", 9, "Giải Nhất")]


@pytest.fixture
def ceremony(client_app, session, bank, org, contest_factory, user_factory):
    contest = contest_factory("hp", organization_id=org.id, collective_prizes=TIERS)
    for code, n in (("A", 2), ("B", 1)):
        for _ in range(n):
            play(session, contest, person(session, user_factory, contest, code), 10)
    for role in ("participant", "organizer", "judge", "admin"):
        user_factory(role=role, email=f"{role}@example.vn")
    other = create_organization(session, slug="ha-noi", name="Liên minh HTX thành phố Hà Nội")
    user_factory(role="judge", email="gk-hn@example.vn", organization_id=other.id)
    user_factory(role="judge", email="gk-hp@example.vn", organization_id=org.id)
    return contest


def test_api_shape_roles_and_scope(client_app, ceremony):
    for email in ("judge@example.vn", "organizer@example.vn", "admin@example.vn", "gk-hp@example.vn"):
        r = ApiClient.logged_in(client_app, email).get("/api/v1/contests/hp/collective")
        assert r.status_code == 200, email
        assert r.get_json() == {"rule": "participants", "rows": [
            {"rank": 1, "prize": "Giải Nhất", "unit_code": "A", "unit": "HTX An Lạc", "participants": 2,
             "headcount": 6, "rate": 2 / 6, "mean_best": 10.0},
            {"rank": 2, "prize": "Giải Nhì", "unit_code": "B", "unit": "HTX Bình Minh", "participants": 1,
             "headcount": 4, "rate": 0.25, "mean_best": 10.0}]}
    assert ApiClient(client_app).get("/api/v1/contests/hp/collective").status_code == 401
    for email in ("participant@example.vn", "gk-hn@example.vn"):  # another organization's judge
        r = ApiClient.logged_in(client_app, email).get("/api/v1/contests/hp/collective")
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", email
    judge = ApiClient.logged_in(client_app, "judge@example.vn")
    r = judge.get("/api/v1/contests/hp/collective?round=7")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "round_not_found"


def test_winners_xlsx_judges_page_and_report(client_app, session, ceremony):
    body, _result, _tiers = winner_list(session, ceremony, None, "xlsx")
    sheet = list(openpyxl.load_workbook(io.BytesIO(body))["collective"].values)
    assert sheet == [("rank", "prize", "unit_code", "unit", "participants", "headcount", "rate", "mean_best"),
                     (1, "Giải Nhất", "A", "HTX An Lạc", 2, 6, 2 / 6, 10),
                     (2, "Giải Nhì", "B", "HTX Bình Minh", 1, 4, 0.25, 10)]
    html = page_client(client_app, "judge@example.vn").get("/judges/hp").get_data(as_text=True)
    section = html[html.index('id="collective"'):]
    assert "Nhiều người dự thi nhất" in section and '<tr data-unit="A"><td>1</td><td>Giải Nhất</td>' in section
    assert "25,00%" in section and "10,00" in section
    pdf = ApiClient.logged_in(client_app, "judge@example.vn").get("/api/v1/contests/hp/report.pdf").data
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Giải tập thể: đơn vị có nhiều người dự thi nhất" in text
    assert "HTX An Lạc" in text and "HTX Bình Minh" in text and "33,33%" in text


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_options_and_bad_values(app, session, bank):
    start = (utcnow() - timedelta(days=1)).isoformat()
    ok = run(app, "contests", "create", "--slug", "tap-the", "--title", "Tập thể", "--opens", start,
             "--collective", "participation_rate", "--collective-prizes", "1:Giải Nhất,2:Giải Nhì",
             "--collective-min", "3")
    assert ok.exit_code == 0, ok.output
    c = session.query(Contest).filter_by(slug="tap-the").one()
    assert (c.collective_rule, c.collective_min, c.collective_tiers) == (
        "participation_rate", 3, [[1, "Giải Nhất"], [2, "Giải Nhì"]])
    default = run(app, "contests", "create", "--slug", "mac-dinh", "--title", "Mặc định")
    assert default.exit_code == 0, default.output
    c2 = session.query(Contest).filter_by(slug="mac-dinh").one()
    assert (c2.collective_rule, c2.collective_min, c2.collective_tiers) == ("participants", 1, None)
    for option, value, problem in (("--collective", "most", "most"), ("--collective-min", "0", "0"),
                                   ("--collective-prizes", "Giải Nhất", "collective_tiers")):
        r = run(app, "contests", "create", "--slug", "sai", "--title", "Sai", option, value)
        assert r.exit_code != 0 and problem in r.output, r.output
    assert session.query(Contest).filter_by(slug="sai").count() == 0
    week = (utcnow() + timedelta(days=1)).isoformat()
    r = run(app, "rounds", "create", "tap-the", "--number", "1", "--opens", start, "--closes", week,
            "--collective", "mean_best")
    assert r.exit_code == 0, r.output
    rnd = session.query(Round).filter_by(contest_id=c.id).one()
    assert (rnd.collective_rule, rnd.collective_min, rnd.collective_tiers) == ("mean_best", None, None)
    assert settings_of(c, rnd).minimum == 3 and settings_of(c, rnd).tiers == c.collective_tiers
    r = run(app, "rounds", "create", "tap-the", "--number", "2", "--opens", week,
            "--closes", (utcnow() + timedelta(days=2)).isoformat(), "--collective-prizes", "0:Không")
    assert r.exit_code != 0 and "collective_tiers" in r.output, r.output
    assert session.query(Round).filter_by(contest_id=c.id).count() == 1


def test_organizer_sets_collective_prizes_on_a_phone(page, live_server, session, bank, user_factory):
    user_factory(role="organizer", email="btc@example.vn")
    session.commit()
    browser_login(page, live_server.url, "btc@example.vn")
    page.goto(live_server.url + "/organizer/contests/new")
    page.fill("#slug", "tap-the")
    page.fill("#title", "Tập thể")
    page.fill("#opens_at", "2026-12-01T08:00")
    page.fill("#closes_at", "2026-12-08T08:00")
    page.get_by_label("Xếp hạng đơn vị theo").select_option("mean_best")
    page.get_by_label("Số người dự thi tối thiểu để đơn vị được xếp hạng").fill("5")
    # The collective tier rows work like the individual ones: their own table, their own add button.
    rows = page.locator("#collective-tier-rows tr")
    assert rows.count() == 3 and page.locator("#tier-rows tr").count() == 3
    page.fill("#collective_tiers-0-name", "Giải Nhất")
    page.fill("#collective_tiers-0-count", "1")
    page.fill("#collective_tiers-1-name", "Giải Nhì,")  # a comma: refused by its row
    page.fill("#collective_tiers-1-count", "2")
    page.click("main button[type=submit]")
    assert "Tên giải không được có dấu phẩy." in page.inner_text("#collective-tiers")
    page.fill("#collective_tiers-1-name", "Giải Nhì")
    n = rows.count()  # the two filled rows and three empty ones
    page.click("#add-collective-tier")
    assert rows.count() == n + 1 and page.evaluate("document.activeElement.id") == f"collective_tiers-{n}-name"
    page.keyboard.type("Khuyến khích")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("main button[type=submit]")
    assert "Đã tạo cuộc thi Tập thể." in page.inner_text("main")
    session.commit()
    c = session.query(Contest).filter_by(slug="tap-the").one()
    assert (c.collective_rule, c.collective_min) == ("mean_best", 5)
    assert c.collective_tiers == [[1, "Giải Nhất"], [2, "Giải Nhì"], [3, "Khuyến khích"]] and c.prize_tiers is None
    session.commit()  # the test's transaction ends: the server may write again (SQLite)
    page.goto(live_server.url + "/organizer/contests/tap-the/edit")
    assert page.input_value("#collective_rule") == "mean_best" and page.input_value("#collective_min") == "5"
    assert page.input_value("#collective_tiers-2-name") == "Khuyến khích"


def test_round_form_sets_its_own_collective_settings(client_app, session, bank, contest_factory, user_factory):
    contest = contest_factory("hp", collective="mean_best", collective_min=4)
    user_factory(role="organizer", email="btc@example.vn")
    web = page_client(client_app, "btc@example.vn")
    page = web.get("/organizer/contests/hp/rounds").get_data(as_text=True)
    assert 'name="collective_tiers-2-name"' in page and "Như cuộc thi" in page
    closes = contest.closes_at.astimezone(VN)  # the form's times are Viet Nam's
    form = {"csrf_token": token(page), "number": "1", "opens_at": "2020-01-01T08:00",
            "closes_at": closes.strftime("%Y-%m-%dT%H:%M"), "collective_rule": "participation_rate",
            "collective_tiers-0-name": "Giải tuần", "collective_tiers-0-count": "0"}
    r = web.post("/organizer/contests/hp/rounds", data=form)
    assert r.status_code == 422 and 'id="collective_tiers-0-error">số người nhận giải' in r.get_data(as_text=True)
    opens = contest.opens_at.astimezone(VN) + timedelta(minutes=1)
    r = web.post("/organizer/contests/hp/rounds", data=dict(form, **{"collective_tiers-0-count": "2"},
                 opens_at=opens.strftime("%Y-%m-%dT%H:%M")), follow_redirects=True)
    assert "Đã thêm vòng 1." in r.get_data(as_text=True), r.get_data(as_text=True)
    session.commit()
    rnd = session.query(Round).one()
    assert (rnd.collective_rule, rnd.collective_min, rnd.collective_tiers) == ("participation_rate", None,
                                                                               [[2, "Giải tuần"]])
    assert settings_of(contest, rnd).minimum == 4
