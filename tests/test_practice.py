"""Practice contests (thi thử): attempts without limit, review after each submit, never ranked (leaderboard,
winners, versions, verdicts, freezes and certificates refused with 404 not_ranked), marked on the pages and in
the JSON, and out of every other contest's figures."""
import pytest
from sqlalchemy import func, select

from quiz.contest import attempts, certificates, contests, ranking
from quiz.contest.stats import contest_stats
from quiz.errors import DomainError
from quiz.infra import audit
from quiz.models import Attempt, PersonBest, RankingFreeze, ScoreTally, utcnow
from tests.helpers import ApiClient, answer_rightly, error_code, page_client, register


@pytest.fixture
def practice(bank, contest_factory):
    """A practice contest with one attempt allowed on paper and no review by its policy: both overridden."""
    return contest_factory("luyen-tap", title="Thi thử Luật HTX", practice=True, max_attempts=1,
                           review_policy="never", question_count=10, prize_tiers="1:Giải Nhất")


def test_attempts_without_limit_and_review_after_each_submit(session, practice, user_factory):
    lan = user_factory()
    for n in range(1, 5):
        a, created = attempts.start_attempt(session, lan.id, practice)
        assert created and a.number == n
        answer_rightly(session, a.id, lan.id, n)
        attempts.submit(session, a.id, lan.id)
        assert attempts.attempts_left(session, lan.id, practice) is None  # None: without limit
    from quiz.contest.review import review_allowed

    assert review_allowed(a, practice, utcnow())  # "never" is the policy, but a practice shows the answers
    # Its attempts were taken without limit and unranked: it cannot become a ranked contest now (nor back).
    from quiz.contest.contests import update_contest

    settings = dict(title=practice.title, question_count=10, max_attempts=1, opens_at=practice.opens_at,
                    closes_at=practice.closes_at, review_policy="never")
    with pytest.raises(DomainError) as exc:
        update_contest(session, practice, **settings, practice=False)
    assert exc.value.code == "contest_has_attempts" and "practice" in exc.value.fields
    session.rollback()
    assert update_contest(session, practice, **settings, practice=True).practice is True


def test_api_marks_it_and_shows_the_review(client_app, practice, contest_factory):
    contest_factory("chinh-thuc")
    api = ApiClient(client_app)
    assert register(api).status_code == 201
    listed = {c["slug"]: c["practice"] for c in api.get("/api/v1/contests").get_json()["contests"]}
    assert listed == {"luyen-tap": True, "chinh-thuc": False}
    body = api.get("/api/v1/contests/luyen-tap").get_json()["contest"]
    assert body["practice"] is True and body["attempts_left"] is None
    for _ in range(3):  # max_attempts is 1: the limit does not apply
        attempt = api.post("/api/v1/contests/luyen-tap/attempts").get_json()["attempt"]
        result = api.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}).get_json()["result"]
        assert len(result["review"]) == 10 and all(r["explanation"] for r in result["review"])
    assert api.get("/api/v1/contests/chinh-thuc").get_json()["contest"]["attempts_left"] == 3


def test_never_ranked(client_app, session, practice, user_factory):
    """Leaderboard page and API 404 not_ranked; winners, versions, verdicts, the judges' zip and report too; a
    close does not freeze it, nor does the cron job after the close."""
    user_factory(role="judge", email="gk@example.vn")
    lan = user_factory()
    a, _ = attempts.start_attempt(session, lan.id, practice)
    attempts.submit(session, a.id, lan.id)
    anyone = ApiClient(client_app)
    r = anyone.get("/api/v1/contests/luyen-tap/leaderboard")
    assert r.status_code == 404 and error_code(r) == "not_ranked"
    page = page_client(client_app).get("/contests/luyen-tap/leaderboard")
    assert page.status_code == 404 and "không xếp hạng" in page.get_data(as_text=True)
    judge = ApiClient.logged_in(client_app, "gk@example.vn")
    for method, path, body in (
            ("GET", "/api/v1/contests/luyen-tap/winners?format=csv", None),
            ("GET", "/api/v1/contests/luyen-tap/rankings", None),
            ("POST", "/api/v1/contests/luyen-tap/certificates.zip", None),
            ("GET", "/api/v1/contests/luyen-tap/report.pdf", None),
            ("POST", "/api/v1/contests/luyen-tap/verdicts",
             {"email": lan.email, "verdict": "disqualified", "reason": "thử"})):
        r = judge.call(method, path, json=body)
        assert r.status_code == 404 and error_code(r) == "not_ranked", (path, r.status_code)
    with pytest.raises(DomainError) as exc:
        ranking.freeze(session, practice, None, audit.SYSTEM)
    assert exc.value.code == "not_ranked"
    session.rollback()
    contests.close_now(session, practice, actor=audit.CLI)
    assert ranking.freeze_closed(session) == []
    assert session.execute(select(func.count()).select_from(RankingFreeze)).scalar_one() == 0
    with pytest.raises(DomainError):
        certificates.due(session, practice, None, certificates.PARTICIPATION)
    session.rollback()
    assert certificates.mine(session, lan.id) == []


def test_badge_on_the_list_and_its_page(client_app, session, practice, contest_factory, user_factory):
    contest_factory("chinh-thuc", title="Cuộc thi chính thức")
    user_factory(email="lan@example.vn")
    web = page_client(client_app, "lan@example.vn")
    home = web.get("/").get_data(as_text=True)
    cards = {card.split("</h2>")[0]: card for card in home.split('<article class="card contest">')[1:]}
    (practice_card,) = [c for h, c in cards.items() if "Thi thử Luật HTX" in h]
    (real_card,) = [c for h, c in cards.items() if "Cuộc thi chính thức" in h]
    assert '<p class="badge practice">Thi thử</p>' in practice_card and "không giới hạn lượt" in practice_card
    assert "badge practice" not in real_card
    html = web.get("/contests/luyen-tap").get_data(as_text=True)
    assert 'id="practice-badge">Thi thử<' in html and "Không giới hạn số lượt thi thử." in html
    assert "/contests/luyen-tap/leaderboard" not in html  # no link to a ranking that does not exist


def test_out_of_every_other_contests_figures(client_app, session, practice, contest_factory, user_factory):
    """A person's practice attempts count in no other contest: the real contest's counters, statistics, ranking
    and suspicious-pattern report are what they would be without them; the practice's own stats show its own."""
    from quiz.contest.suspicious import Rules, build_report

    real = contest_factory("chinh-thuc", question_count=10)
    people = [user_factory() for _ in range(5)]
    for person in people:
        for _ in range(3):  # everyone practises three times, with full marks
            a, _ = attempts.start_attempt(session, person.id, practice, ip="203.0.113.9", device="cung-may")
            answer_rightly(session, a.id, person.id, 10)
            attempts.submit(session, a.id, person.id)
    a, _ = attempts.start_attempt(session, people[0].id, real)
    answer_rightly(session, a.id, people[0].id, 4)
    attempts.submit(session, a.id, people[0].id)
    stats = contest_stats(session, real)
    assert (stats["participants"], stats["attempts"], stats["perfect"]["count"]) == (1, 1, 0)
    assert stats["histogram"]["4"] == 1 and sum(stats["histogram"].values()) == 1
    own = contest_stats(session, practice)
    assert (own["participants"], own["attempts"], own["perfect"]["count"]) == (5, 15, 15)
    tallies = session.execute(select(ScoreTally.contest_id, func.sum(ScoreTally.n)).where(ScoreTally.kind == "a",
                              ScoreTally.label == "", ScoreTally.scope == 0).group_by(ScoreTally.contest_id)).all()
    assert dict(tallies) == {real.id: 1, practice.id: 15}
    assert session.execute(select(func.count()).select_from(PersonBest)
                           .where(PersonBest.contest_id == real.id)).scalar_one() == 1
    top = ranking.ranking(session, real)
    assert [(r.user_id, r.score) for r in top.rows] == [(people[0].id, 4)] and top.truth == 0
    assert build_report(session, real, rules=Rules(same_source_people=2))["flags"] == []
    assert session.execute(select(func.count()).select_from(Attempt)).scalar_one() == 16
    session.commit()


def test_the_command_and_the_organizers_checkbox(app, client_app, session, bank, user_factory):
    from tests.helpers import token

    r = app.test_cli_runner().invoke(args=["contests", "create", "--slug", "on-tap", "--title", "Ôn tập",
                                           "--questions", "10", "--practice"])
    assert r.exit_code == 0 and "created practice contest on-tap" in r.output and "unlimited attempts" in r.output
    assert contests.get_contest(session, "on-tap").practice is True
    session.commit()
    user_factory(role="admin", email="qtv@example.vn")
    for args in (["winners", "on-tap", "--out", "w.csv"], ["ranking", "freeze", "on-tap", "--by", "qtv@example.vn"],
                 ["report", "on-tap", "--out", "r.pdf"],
                 ["certificates", "on-tap", "--out", "c.zip", "--base-url", "https://thi.example.vn"]):
        r = app.test_cli_runner().invoke(args=args)
        assert r.exit_code == 1 and "không xếp hạng" in r.output, (args, r.output)
        session.rollback()
    user_factory(role="organizer", email="btc@example.vn")
    web = page_client(client_app, "btc@example.vn")
    page = web.get("/organizer/contests/new").get_data(as_text=True)
    assert 'name="practice"' in page
    r = web.post("/organizer/contests/new", data={
        "csrf_token": token(page), "slug": "thu-tuan", "title": "Thi thử hằng tuần", "opens_at": "2026-01-01T08:00",
        "closes_at": "2027-01-01T08:00", "time_limit_min": "20", "max_attempts": "1", "review_policy": "never",
        "question_count": "10", "practice": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert contests.get_contest(session, "thu-tuan").practice is True
    session.commit()  # end the read: on SQLite it holds the lock the page's request needs
    listing = web.get("/organizer/contests").get_data(as_text=True)
    row = listing.split('data-slug="thu-tuan"')[1].split("</tr>")[0]
    assert "badge practice" in row and "Không giới hạn" in row
