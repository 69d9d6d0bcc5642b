"""Question import and export with real files: all or nothing, FILE:ROW errors, versions."""
import csv

import openpyxl
import pytest
from sqlalchemy import func, select

from quiz.bank.question_files import COLUMNS, QuestionFileError, parse_questions, write_questions
from quiz.bank.questions import ExportRow, bank_versions, import_questions
from quiz.models import AttemptQuestion, Question, QuestionVersion
from tests.helpers import CSV_GOOD as GOOD
from tests.helpers import CSV_HEADER as HEADER
from tests.helpers import make_questions, write_csv


def test_csv_with_and_without_bom(tmp_path):
    for bom in (False, True):
        qs = parse_questions(write_csv(tmp_path / f"q{bom}.csv", [HEADER, GOOD], bom))
        assert len(qs) == 1 and qs[0].options == ["03", "05", "07"] and qs[0].correct == 1
        assert qs[0].source_quote == ""  # the column is optional


def test_every_bad_row_is_reported(tmp_path):
    rows = [HEADER, GOOD,
            ["HTX-1", "1", "Điều 4", "Lặp mã?", "a", "b", "", "", "A", "x"],
            ["", "13", "", "", "a", "", "c", "", "Z", ""],
            ["HTX-3", "2", "Điều 17", "Đáp án trỏ vào ô trống?", "a", "b", "", "", "D", "x"],
            ["HTX-4", "2", "Điều 17", "Trùng phương án?", "a", "A", "", "", "A", "x"]]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(QuestionFileError) as e:
        parse_questions(path)
    text = "\n".join(e.value.errors)
    assert "bad.csv:3: code HTX-1 repeats row 2" in text
    for problem in ("bad.csv:4: code is empty", "bad.csv:4: chapter must be", "bad.csv:4: article is empty",
                    "bad.csv:4: question is empty", "bad.csv:4: option_b is empty", "bad.csv:4: correct must be",
                    "bad.csv:4: explanation is empty", "bad.csv:5: correct is D but option_d is empty",
                    "bad.csv:6: two options have the same text"):
        assert problem in text
    assert all(line.startswith("bad.csv:") for line in e.value.errors)


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (b"\xff\xfe\x00bad", "not UTF-8"), (b"code,question\nA,B\n", "missing column"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(QuestionFileError) as e:
        parse_questions(path)
    assert message in e.value.errors[0]


def test_wrong_type_and_broken_xlsx(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    for name in ("a.txt", "b.xlsx"):
        with pytest.raises(QuestionFileError):
            parse_questions(tmp_path / name)


def test_xlsx_round_trip_and_versions(tmp_path, session):
    book = openpyxl.Workbook()
    book.active.append(HEADER + ["source_quote"])
    book.active.append(GOOD + ["do ít nhất 05 thành viên chính thức"])
    book.save(tmp_path / "q.xlsx")
    report = import_questions(session, parse_questions(tmp_path / "q.xlsx"))
    assert (report.created, report.updated) == (1, 0)
    assert import_questions(session, parse_questions(tmp_path / "q.xlsx")).unchanged == 1
    changed = GOOD[:3] + ["Theo Luật, hợp tác xã có ít nhất bao nhiêu thành viên chính thức?"] + GOOD[4:]
    assert import_questions(session, parse_questions(write_csv(tmp_path / "v2.csv", [HEADER, changed]))).updated == 1
    q = session.execute(select(Question)).scalar_one()
    versions = session.execute(select(QuestionVersion).where(QuestionVersion.question_id == q.id)
                               .order_by(QuestionVersion.version)).scalars().all()
    assert [v.version for v in versions] == [1, 2] and q.current_version_id == versions[1].id
    assert versions[0].text == GOOD[3]  # the old wording stays for attempts that showed it
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        write_questions(out, [ExportRow(q, v) for q, v in bank_versions(session)])
        back = parse_questions(out)
        assert [(b.code, b.text, b.options, b.correct) for b in back] == [("HTX-1", changed[3], ["03", "05", "07"], 1)]
    header = next(csv.reader(open(tmp_path / "export.csv", encoding="utf-8-sig")))
    assert header == COLUMNS


def test_past_attempts_keep_the_wording_they_showed(tmp_path, session, bank, contest_factory, user_factory):
    from quiz.contest.attempts import start_attempt
    from quiz.web.payloads import attempt_json

    contest = contest_factory(question_count=30, blueprint="1-12:30")
    user = user_factory()
    attempt, _ = start_attempt(session, user.id, contest)
    edited = make_questions()
    for q in edited:
        q.text = "Đã sửa: " + q.text
    import_questions(session, edited)
    texts = [q["text"] for q in attempt_json(session, attempt, contest)["questions"]]
    assert not any(t.startswith("Đã sửa") for t in texts)
    assert session.execute(select(func.count()).select_from(AttemptQuestion)).scalar_one() == 30
