"""Ranking by docs/product.md with ties at every level, rounds, freezing with digests, prizes and exports."""
import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import event

from quiz.contest import ranking
from quiz.contest.collective import collective
from quiz.contest.contests import close_now, create_contest
from quiz.contest.rounds import create_round
from quiz.files.exports import winners_csv, winners_xlsx
from quiz.models import utcnow
from quiz.timeutil import VN
from tests.helpers import finished_attempt

T0 = utcnow().replace(microsecond=0) - timedelta(days=3)


def add(session, contest, user, score, duration_s, prediction, submitted_s=0, round_=None, status="submitted"):
    return finished_attempt(session, contest, user, score, duration_s, T0, submitted_s, round_, status, prediction)


@pytest.fixture
def contest(session, bank):
    return create_contest(session, slug="xep-hang", title="Xếp hạng", opens_at=T0 - timedelta(days=1),
                          closes_at=utcnow() + timedelta(days=1), max_attempts=5,
                          prize_tiers="1:Giải Nhất,2:Giải Nhì,3:Giải Ba")


def names(rows):
    return [r.full_name for r in rows]


def test_order_at_every_level_of_the_rule(session, contest, user_factory):
    u = {k: user_factory(full_name=k, unit="HTX " + k[-1]) for k in
         ("Nguyễn A", "Trần B", "Lê C", "Phạm D", "Hoàng E", "Vũ F", "Đặng G")}
    add(session, contest, u["Nguyễn A"], 20, 300, 3, 10)
    add(session, contest, u["Nguyễn A"], 15, 100, 6, 20)      # a worse attempt of the same person: not listed
    add(session, contest, u["Trần B"], 20, 200, 5, 30)        # prediction error 1: first
    add(session, contest, u["Lê C"], 20, 100, None, 40)       # no prediction: last among the 20s, though fastest
    add(session, contest, u["Phạm D"], 20, 250, 3, 60)        # error 3, 250 s, submitted later than E and F
    e = add(session, contest, u["Hoàng E"], 20, 250, 9, 50)   # error 3 (above the truth), same time as F
    f = add(session, contest, u["Vũ F"], 20, 250, 3, 50)      # same error, time and submission as E: id decides
    add(session, contest, u["Đặng G"], 19, 10, 6, 70)         # a lower score never passes a higher one
    # Truth: 6 perfect attempts. Errors: B 1, A/D/E/F 3, C none.
    result = ranking.ranking(session, contest)
    assert result.truth == 6 and not result.frozen
    assert names(result.rows) == ["Trần B", "Hoàng E", "Vũ F", "Phạm D", "Nguyễn A", "Lê C", "Đặng G"]
    assert e.id < f.id and [r.rank for r in result.rows] == list(range(1, 8))
    first = result.rows[0]
    assert (first.score, first.prediction, first.prediction_error, first.duration_ms) == (20, 5, 1, 200_000)


def test_one_query_however_many_people(session, contest, user_factory):
    for i in range(30):
        add(session, contest, user_factory(), i % 21, 100 + i, i)
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        rows = ranking.ranking(session, contest).rows  # open: computed live, everyone
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(rows) == 30
    # the current freeze (none), the truth, the disqualified (quiz.contest.verdicts), the ranking
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 4


def test_frozen_at_close_until_an_admin_freezes_again(app, session, contest, user_factory, tmp_path):
    a, b = user_factory(full_name="Người A"), user_factory(full_name="Người B")
    add(session, contest, a, 18, 100, 1)
    add(session, contest, b, 17, 100, 1)
    close_now(session, contest)  # closing freezes it
    frozen = ranking.ranking(session, contest)
    assert frozen.frozen and names(frozen.rows) == ["Người A", "Người B"]
    # A late change (an imported attempt, a renamed person) does not move the frozen ranking.
    add(session, contest, b, 20, 50, 1)
    a.full_name = "Người A Đổi Tên"
    session.commit()
    again = ranking.ranking(session, contest)
    assert names(again.rows) == ["Người A", "Người B"] and again.digest == frozen.digest
    exported = list(ranking.ranking(session, contest, for_export=True).export_rows())
    assert [row[1] for row in exported] == ["Người A", "Người B"]
    runner = app.test_cli_runner()
    user_factory(role="organizer", email="btc@example.vn")
    refused = runner.invoke(args=["ranking", "freeze", "xep-hang", "--by", "btc@example.vn"])
    assert refused.exit_code == 1 and "not an admin" in refused.output
    user_factory(role="admin", email="admin@example.vn")
    ok = runner.invoke(args=["ranking", "freeze", "xep-hang", "--by", "admin@example.vn"])
    assert ok.exit_code == 0 and f"(was {frozen.digest})" in ok.output
    refrozen = ranking.ranking(session, contest)
    assert names(refrozen.rows) == ["Người B", "Người A Đổi Tên"] and refrozen.digest != frozen.digest
    # Two exports of the same frozen ranking carry the same digest.
    one, two = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    for out in (one, two):
        assert runner.invoke(args=["winners", "xep-hang", "--out", str(out)]).exit_code == 0
    digests = [openpyxl.load_workbook(p)["digest"]["B3"].value for p in (one, two)]
    assert digests[0] == digests[1] == refrozen.digest
    # The frozen list streamed to CSV: same order, times as ISO 8601 in Viet Nam time, to the second.
    out = tmp_path / "w.csv"
    assert runner.invoke(args=["winners", "xep-hang", "--out", str(out)]).exit_code == 0
    rows = list(csv.reader(open(out, encoding="utf-8-sig")))
    assert [r[2] for r in rows[1:]] == ["Người B", "Người A Đổi Tên"]
    assert rows[1][7] == "20" and rows[1][8] == "50.0"
    stamp = rows[1][11]
    assert stamp[10] == "T" and stamp.endswith("+07:00") and len(stamp) == 25
    assert datetime.fromisoformat(stamp) == refrozen.rows[0].submitted_at.replace(microsecond=0)
    assert rows[0][-1] == "verdict" and rows[1][-1] == "pending"


def test_rounds_have_their_own_limits_rankings_and_truth(session, contest, user_factory):
    from quiz.contest.attempts import start_attempt, submit
    from quiz.errors import DomainError

    now = utcnow()
    r1 = create_round(session, contest, number=1, opens_at=contest.opens_at, closes_at=now - timedelta(hours=1),
                      prize_tiers="1:Giải tuần")
    r2 = create_round(session, contest, number=2, opens_at=now - timedelta(hours=1), closes_at=contest.closes_at,
                      max_attempts=1)
    with pytest.raises(DomainError) as e:
        create_round(session, contest, number=3, opens_at=now, closes_at=now + timedelta(hours=2))
    assert "trùng thời gian với vòng 2" in e.value.fields["opens_at"]
    a, b = user_factory(full_name="Tuần Một"), user_factory(full_name="Tuần Hai")
    add(session, contest, a, 20, 100, 1, round_=r1)
    add(session, contest, b, 20, 100, 0, round_=r2)
    add(session, contest, b, 20, 90, 0, round_=r2)
    assert names(ranking.ranking(session, contest, r1).rows) == ["Tuần Một"]
    # Round 1's window has ended; until it is frozen its ranking is computed live, and reading it writes nothing.
    assert ranking.ranking(session, contest, r1).truth == 1 and not ranking.ranking(session, contest, r1).frozen
    assert ranking.current_freeze(session, contest.id, r1.id) is None
    assert ranking.freeze_closed(session) == ["xep-hang/1"] and ranking.freeze_closed(session) == []
    assert ranking.ranking(session, contest, r1).frozen
    live = ranking.ranking(session, contest, r2)
    assert names(live.rows) == ["Tuần Hai"] and live.truth == 2 and not live.frozen
    # Starting now puts the attempt in round 2, whose limit is one attempt.
    c = user_factory()
    attempt, _ = start_attempt(session, c.id, contest)
    assert attempt.round_id == r2.id
    submit(session, attempt.id, c.id)
    with pytest.raises(DomainError) as e:
        start_attempt(session, c.id, contest)
    assert e.value.code == "attempt_limit_reached"


def test_exports_open_back_with_prizes_and_collective_sheet(session, contest, user_factory):
    for i, unit in enumerate(["HTX Bình Minh", "HTX Bình Minh", "=cmd|' /C calc'!A0", "HTX Hoà Bình", "HTX Bình Minh"]):
        person = user_factory(full_name=f"Thí sinh {i}", unit=unit, phone=f"09000000{i:02d}")
        add(session, contest, person, 20 - i, 100, 1)
    result = ranking.ranking(session, contest)
    rows = list(csv.reader(io.StringIO(winners_csv(result, contest.prize_tiers).decode("utf-8-sig"))))
    assert rows[0] == ["rank", "prize", "full_name", "email", "phone", "unit", "locality", "score", "duration_s",
                       "prediction", "prediction_error", "submitted_at", "attempt_id", "unit_code",
                       "locality_code", "province", "verdict"]
    # Tiers 1 first, 2 second, 3 third: ranks 1, 2-3, 4-6 (5 people here, all within the places).
    assert [r[1] for r in rows[1:]] == ["Giải Nhất", "Giải Nhì", "Giải Nhì", "Giải Ba", "Giải Ba"]
    assert rows[3][5] == "'=cmd|' /C calc'!A0"  # formula neutralised
    _settings, units = collective(session, contest)
    book = openpyxl.load_workbook(io.BytesIO(winners_xlsx(result, contest.prize_tiers, contest.title, units)))
    sheet = book["winners"]
    assert [c.value for c in sheet[1]][:3] == ["rank", "prize", "full_name"] and sheet.freeze_panes == "A2"
    assert sheet["C2"].value == "Thí sinh 0" and sheet["B2"].value == "Giải Nhất"
    # The submission time is a real date-time cell in Viet Nam time, to the second (live ranking here).
    when = sheet["L2"].value
    assert sheet["L2"].is_date and isinstance(when, datetime) and when.tzinfo is None
    expected = result.rows[0].submitted_at.astimezone(VN).replace(tzinfo=None, microsecond=0)
    assert abs((when - expected).total_seconds()) < 0.001 and sheet["L2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert rows[1][11] == expected.isoformat() + "+07:00"
    sheet_rows = list(book["collective"].values)
    assert sheet_rows[0] == ("rank", "prize", "unit_code", "unit", "participants", "headcount", "rate", "mean_best")
    assert sheet_rows[1][0] == 1 and sheet_rows[1][3:5] == ("HTX Bình Minh", 3)
    assert book["digest"]["B3"].value == result.digest
    everyone = list(csv.reader(io.StringIO(winners_csv(result, None).decode("utf-8-sig"))))
    assert len(everyone) == 6  # no tiers: the whole ranking
    only_first = list(csv.reader(io.StringIO(winners_csv(result, [[1, "Giải Nhất"]]).decode("utf-8-sig"))))
    assert len(only_first) == 2 and only_first[1][1] == "Giải Nhất"


def test_streamed_workbook_reads_back_with_bold_frozen_header_and_escaped_text(tmp_path):
    from quiz.files.xlsx import write_workbook

    path = tmp_path / "w.xlsx"
    with open(path, "wb") as fh:
        write_workbook(fh, [("một", ["a", "b", "c"], [[1, 'x < y & "z"', None], [2.5, " khoảng trắng ", "\x01ok"]])])
    sheet = openpyxl.load_workbook(path)["một"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and not sheet["A2"].font.b
    assert [list(r) for r in sheet.values] == [["a", "b", "c"], [1, 'x < y & "z"', None], [2.5, " khoảng trắng ", "ok"]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_live_top_walk_equals_the_full_ranking(session, contest, user_factory, seed):
    """The index walk for leaderboards gives exactly the first rows of the one-query ranking."""
    import random

    rng = random.Random(seed)
    users = [user_factory() for _ in range(40)]
    for u in users:
        for _ in range(rng.randint(1, 3)):
            score = rng.choice([20, 20, 19, 19, 18, 10])
            prediction = None if rng.random() < 0.2 else rng.choice([0, 3, 5, 6, 7, 9, 50, 1000])
            add(session, contest, u, score, rng.choice([100, 150, 150, 200]), prediction,
                submitted_s=rng.choice([10, 20, 20, 30]))
    truth = ranking.perfect_count(session, contest.id)
    full = ranking.ranking(session, contest).rows
    for k in (1, 5, 17, 40, 100):
        walked = ranking.live_top(session, contest.id, None, k, truth, contest.time_limit_s)
        assert [(r.rank, r.attempt_id) for r in walked] == [(r.rank, r.attempt_id) for r in full[:k]], k
        assert [r.prediction_error for r in walked] == [r.prediction_error for r in full[:k]]


def test_question_count_is_fixed_once_attempts_exist(session, contest, user_factory):
    from quiz.contest.contests import update_contest
    from quiz.errors import DomainError

    add(session, contest, user_factory(), 20, 100, 1)
    settings = dict(title=contest.title, opens_at=contest.opens_at, closes_at=contest.closes_at)
    with pytest.raises(DomainError) as e:
        update_contest(session, contest, question_count=10, **settings)
    assert e.value.code == "contest_has_attempts"
    update_contest(session, contest, question_count=20, max_attempts=9, **settings)  # other changes are fine
    assert contest.max_attempts == 9
