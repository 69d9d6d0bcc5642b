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


def test_problems_are_values_worded_in_one_place(tmp_path):
    """A file name and cells holding "code " and "chapter " come out as they are, in either language."""
    from quiz.messages import Problem, text

    path = write_csv(tmp_path / "code chapter 7.csv",
                     [HEADER, ["code 1", "chapter 3", "Điều 4", "Hỏi?", "a", "b", "", "", "A", "x"]])
    with pytest.raises(QuestionFileError) as e:
        parse_questions(path)
    assert [(p.file, p.row, p.code) for p in e.value.problems] == [
        ("code chapter 7.csv", 2, "code_invalid"), ("code chapter 7.csv", 2, "chapter_range")]
    assert e.value.problems[1].params == {"value": "chapter 3"}
    assert e.value.errors == [  # the command line's wording (English), as before
        "code chapter 7.csv:2: code 'code 1' may only use letters, digits, '-', '_', '.' (at most 40)",
        "code chapter 7.csv:2: chapter must be a number 1..12, got 'chapter 3'"]
    assert e.value.messages("vi") == [
        "code chapter 7.csv:2: mã 'code 1' chỉ được gồm chữ cái, chữ số, '-', '_', '.' (tối đa 40 ký tự)",
        "code chapter 7.csv:2: cột chapter phải là số từ 1 đến 12, nhận được 'chapter 3'"]
    assert text(Problem("", 0, "options_same"), "vi") == "có hai phương án giống nhau"
    assert text(Problem("x.csv", 0, "file_empty")) == "x.csv: the file is empty"


def test_every_problem_code_is_worded_in_every_language():
    from quiz.messages import TEMPLATES

    assert set(TEMPLATES["vi"]) == set(TEMPLATES["en"])


def test_gift_missing_word_keeps_a_visible_blank():
    from quiz.bank.moodle_formats import BLANK, parse_gift

    gift = ("::T1:: Mahatma Gandhi's birthday is an Indian holiday on {~15th ~3rd =2nd} of October.\n\n"
            "::T2:: Thanksgiving is celebrated on the {~second =fourth} Thursday of November.\n\n"
            "::T3:: Hợp tác xã có ít nhất bao nhiêu thành viên? {=05 ~03 ~07}\n")
    texts = [q.text for q in parse_gift("m.gift", gift, 1, "Điều 4", "m")]
    assert texts == [f"Mahatma Gandhi's birthday is an Indian holiday on {BLANK} of October.",
                     f"Thanksgiving is celebrated on the {BLANK} Thursday of November.",
                     "Hợp tác xã có ít nhất bao nhiêu thành viên?"]  # a block at the end leaves no blank
    assert BLANK == "_____"
