"""flask results import: real files, all or nothing, rows in the ranking and the statistics."""
from datetime import timedelta

from sqlalchemy import func, select

from quiz.contest.contests import create_contest
from quiz.contest.rounds import create_round
from quiz.models import Attempt, User, utcnow

HEADER = "email,full_name,unit,locality,score,duration_s,submitted_at,prediction\n"


def contest(session):
    now = utcnow()
    return create_contest(session, slug="giay", title="Vòng giấy", opens_at=now - timedelta(days=10),
                          closes_at=now + timedelta(days=10), time_limit_s=1200)


def count(session, model):
    n = session.execute(select(func.count()).select_from(model)).scalar_one()
    session.commit()
    return n


def when(days_ago):
    return (utcnow() - timedelta(days=days_ago)).astimezone().isoformat()


def test_good_file(app, session, bank, user_factory, tmp_path):
    c = contest(session)
    user_factory(email="co-san@example.vn", full_name="Người Có Sẵn")
    path = tmp_path / "ket-qua.csv"
    path.write_text(HEADER
                    + f"CO-SAN@example.vn,Tên Khác,HTX A,Huế,20,600,{when(1)},150\n"
                    + f"moi@example.vn,Nguyễn Thị Mới,HTX B,Đà Nẵng,15,1200,{when(2)},\n"
                    + f"moi@example.vn,Nguyễn Thị Mới,HTX B,Đà Nẵng,18,700.5,{when(1)},90\n", encoding="utf-8-sig")
    r = app.test_cli_runner().invoke(args=["results", "import", "giay", str(path)])
    assert r.exit_code == 0, r.output
    assert "imported 3 attempts (1 new people)" in r.output
    assert count(session, Attempt) == 3
    existing = session.execute(select(User).where(User.email == "co-san@example.vn")).scalar_one()
    assert existing.full_name == "Người Có Sẵn"  # profiles of known people are left alone
    new = session.execute(select(User).where(User.email == "moi@example.vn")).scalar_one()
    assert new.password_hash is None and new.unit == "HTX B"
    rows = session.execute(select(Attempt.number, Attempt.score, Attempt.duration_ms, Attempt.prediction)
                           .where(Attempt.user_id == new.id).order_by(Attempt.number)).all()
    session.commit()
    assert rows == [(1, 15, 1_200_000, None), (2, 18, 700_500, 90)]
    from quiz.contest import ranking

    top = ranking.ranking(session, c).rows
    assert [r.email for r in top] == ["co-san@example.vn", "moi@example.vn"]
    stats = app.test_cli_runner().invoke(args=["stats", "giay", "--json"])
    assert '"attempts": 3' in stats.output and '"participants": 2' in stats.output


def test_bad_rows_are_all_reported_and_nothing_changes(app, session, bank, tmp_path):
    contest(session)
    path = tmp_path / "loi.csv"
    path.write_text(HEADER
                    + f"ok@example.vn,Người Tốt,,,10,100,{when(1)},\n"
                    + "khong-phai-email,,,,21,1300,2026-01-01T00:00:00,abc\n"
                    + f"x@example.vn,X,,,5,10,{when(30)},\n", encoding="utf-8")
    r = app.test_cli_runner().invoke(args=["results", "import", "giay", str(path)])
    assert r.exit_code == 1
    for problem in ("loi.csv:3: email", "loi.csv:3: full_name", "loi.csv:3: score must be", "loi.csv:3: duration_s",
                    "loi.csv:3: submitted_at must be ISO 8601", "loi.csv:3: prediction",
                    "loi.csv:4: submitted_at is outside"):
        assert problem in r.output, problem
    assert "nothing imported" in r.output
    assert count(session, Attempt) == 0 and count(session, User) == 0
    missing = tmp_path / "thieu.csv"
    missing.write_text("email,score\n", encoding="utf-8")
    r = app.test_cli_runner().invoke(args=["results", "import", "giay", str(missing)])
    assert r.exit_code == 1 and "missing column(s)" in r.output


def test_rows_go_to_their_round(app, session, bank, tmp_path):
    c = contest(session)
    now = utcnow()
    r1 = create_round(session, c, number=1, opens_at=c.opens_at, closes_at=now - timedelta(days=3))
    create_round(session, c, number=2, opens_at=now - timedelta(days=3), closes_at=c.closes_at)
    path = tmp_path / "vong.csv"
    path.write_text(HEADER + f"a@example.vn,A,,,10,100,{when(5)},\n" + f"b@example.vn,B,,,10,100,{when(1)},\n",
                    encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["results", "import", "giay", str(path)]).exit_code == 0
    rounds = dict(session.execute(select(User.email, Attempt.round_id).join(Attempt, Attempt.user_id == User.id)).all())
    session.commit()
    assert rounds["a@example.vn"] == r1.id and rounds["b@example.vn"] != r1.id
    forced = app.test_cli_runner().invoke(args=["results", "import", "giay", str(path), "--round", "1"])
    assert forced.exit_code == 1 and "outside round 1" in forced.output
