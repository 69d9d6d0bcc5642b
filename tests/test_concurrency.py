"""The database holds the invariants under real concurrent requests to a real gunicorn server."""
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from quiz.models import Answer, Attempt
from tests.helpers import ROOT, ApiClient, LiveServer, correct_option, counters

N = 12  # concurrent requests per burst


@pytest.fixture
def live_server(app, database_url):
    """The server without rate limits: these tests log one person in from many tabs and hammer on purpose."""
    (ROOT / "instance").mkdir(exist_ok=True)
    server = LiveServer(database_url, extra_env={"RATELIMIT_ENABLED": "false"})
    yield server
    server.stop()


def burst(fn, n=N):
    """Run ``fn(i)`` in n threads released together; return the results."""
    barrier = Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def count(session, model) -> int:
    """Rows in a table, read in a transaction of its own (SQLite: never hold the lock the server needs)."""
    session.rollback()
    n = session.execute(select(func.count()).select_from(model)).scalar_one()
    session.commit()
    return n


def clients(server, user, n=N):
    """n separate HTTP sessions logged in as the same person (several tabs, phones, retries)."""
    return [ApiClient.logged_in(server.url, user.email) for _ in range(n)]


def test_concurrent_starts_return_one_attempt(live_server, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu", max_attempts=3)
    user = user_factory()
    tabs = clients(live_server, user)
    responses = burst(lambda i: tabs[i].call("POST", "/api/v1/contests/thi-thu/attempts"))
    assert {r.status_code for r in responses} <= {200, 201}
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert len({r.json()["attempt"]["id"] for r in responses}) == 1
    assert count(session, Attempt) == 1


def test_attempt_limit_holds_under_concurrent_starts(live_server, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu", max_attempts=2)
    user = user_factory()
    tabs = clients(live_server, user)
    for _round in range(3):
        # Each round: everyone starts at once, then everyone submits at once.
        started = burst(lambda i: tabs[i].call("POST", "/api/v1/contests/thi-thu/attempts"))
        ids = {r.json()["attempt"]["id"] for r in started if r.status_code in (200, 201)}
        assert len(ids) <= 1
        for r in started:
            assert r.status_code in (200, 201, 403), r.text
        if ids:
            aid = ids.pop()
            burst(lambda i, aid=aid: tabs[i].call("POST", f"/api/v1/attempts/{aid}/submit", json={}))
    assert count(session, Attempt) == 2
    last = tabs[0].call("POST", "/api/v1/contests/thi-thu/attempts")
    assert last.status_code == 403 and last.json()["error"]["code"] == "attempt_limit_reached"


def test_concurrent_submits_agree_and_score_once(live_server, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    user = user_factory()
    tabs = clients(live_server, user)
    attempt = tabs[0].call("POST", "/api/v1/contests/thi-thu/attempts").json()["attempt"]
    aid, qids = attempt["id"], [q["id"] for q in attempt["questions"]]
    right = {q: correct_option(session, aid, q) for q in qids}

    # Each tab submits a different final sync and prediction; exactly one wins and all see its result.
    def submit(i):
        answers = {q: right[q] for q in qids[: i + 1]}
        return tabs[i].call("POST", f"/api/v1/attempts/{aid}/submit", json={"answers": answers, "prediction": i})

    results = burst(submit)
    assert {r.status_code for r in results} == {200}
    bodies = [r.json()["result"] for r in results]
    assert all(b == bodies[0] for b in bodies)
    winner = bodies[0]["prediction"]
    assert bodies[0]["score"] == winner + 1
    assert count(session, Answer) == winner + 1


def test_concurrent_saves_of_one_question_keep_one_row(live_server, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    user = user_factory()
    tabs = clients(live_server, user)
    attempt = tabs[0].call("POST", "/api/v1/contests/thi-thu/attempts").json()["attempt"]
    aid, q = attempt["id"], attempt["questions"][0]
    options = [o["id"] for o in q["options"]]
    results = burst(lambda i: tabs[i].call("PUT", f"/api/v1/attempts/{aid}/answers/{q['id']}",
                                           json={"option_id": options[i % len(options)]}))
    assert {r.status_code for r in results} == {200}
    session.rollback()
    rows = session.execute(select(Answer.option_id).where(Answer.attempt_id == aid)).scalars().all()
    session.commit()
    assert len(rows) == 1 and rows[0] in options


def test_saves_racing_a_submit_are_either_scored_or_refused(live_server, session, bank, contest_factory,
                                                            user_factory):
    contest_factory("thi-thu")
    user = user_factory()
    tabs = clients(live_server, user, 20)
    attempt = tabs[0].call("POST", "/api/v1/contests/thi-thu/attempts").json()["attempt"]
    aid, qids = attempt["id"], [q["id"] for q in attempt["questions"]]
    right = {q: correct_option(session, aid, q) for q in qids}

    def act(i):
        if i == 10:
            return tabs[i].call("POST", f"/api/v1/attempts/{aid}/submit", json={})
        q = qids[i if i < 10 else i - 1]
        return tabs[i].call("PUT", f"/api/v1/attempts/{aid}/answers/{q}", json={"option_id": right[q]})

    results = burst(act, 20)
    saved = sum(1 for i, r in enumerate(results) if i != 10 and r.status_code == 200)
    refused = sum(1 for i, r in enumerate(results) if i != 10 and r.status_code == 409)
    assert saved + refused == 19
    # Every answer acknowledged as saved was counted; none came in after the score.
    assert results[10].json()["result"]["score"] == saved
    final = tabs[0].call("GET", f"/api/v1/attempts/{aid}").json()["attempt"]
    assert final["result"]["score"] == saved and len(final["answers"]) == saved


def test_concurrent_submits_of_many_people_keep_the_counters_exact(live_server, session, bank, contest_factory,
                                                                   user_factory):
    """Every submit bumps the same hot counter rows: no deadlock, no lost update."""
    from quiz.contest.tallies import rebuild

    contest = contest_factory("thi-thu")
    people = [ApiClient.logged_in(live_server.url, user_factory(unit=f"HTX {i % 3}").email) for i in range(N)]
    started = [p.call("POST", "/api/v1/contests/thi-thu/attempts").json()["attempt"] for p in people]
    for attempt in started:  # everyone right on the first question, so they share most counter rows
        q = attempt["questions"][0]["id"]
        attempt["answers"] = {q: correct_option(session, attempt["id"], q)}
    results = burst(lambda i: people[i].call("POST", f"/api/v1/attempts/{started[i]['id']}/submit",
                                             json={"answers": started[i]["answers"]}))
    assert [r.status_code for r in results] == [200] * N
    kept = counters(session)
    assert kept[("ScoreTally", contest.id, 0, "a", "", 1)] == N
    rebuild(session.connection(), contest.id)
    session.commit()
    assert counters(session) == kept
