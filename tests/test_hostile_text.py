"""Markup and formulas in what people type: shown as text on every page, never run; exports guard every cell.

Names, units, localities, contest titles and question texts carry
``<script>`` and ``"><img onerror>``, and start with = + - @ so that a
spreadsheet would take them for formulas.
"""
import csv
import io

import openpyxl
from markupsafe import escape

from quiz.files.cells import FORMULA_START
from tests.helpers import correct_option, page_client, token
from tests.hostile import ARTICLE, EXPLANATION, LOCALITY, NAME, OPTIONS, RAW_MARKUP, STEM, TITLE, UNIT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assert_escaped(html: str, *shown: str) -> None:
    """No payload's markup is live in the page; each text in ``shown`` is there, escaped."""
    for raw in RAW_MARKUP:
        assert raw not in html, raw
    for text in shown:
        assert str(escape(text)) in html, text


def assert_guarded(rows) -> None:
    """No text cell starts like a formula (a guarded one starts with an apostrophe)."""
    for row in rows:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(FORMULA_START)), (cell, row)


def sheets(data: bytes) -> dict:
    """{sheet name: rows of values}; formula cells fail the test outright."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for sheet in book.worksheets:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"], sheet.title
        out[sheet.title] = [list(row) for row in sheet.iter_rows(values_only=True)]
    return out


def csv_rows(data: bytes) -> list:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def take_attempt(client_app, session):
    """Lan logs in through the page, starts, answers the hostile question right, submits; (web client, attempt id)."""
    web = page_client(client_app, "lan@example.vn")
    csrf = token(web.get("/contests/thi-thu").get_data(as_text=True))
    aid = int(web.post("/contests/thi-thu/start", data={"csrf_token": csrf}).headers["Location"].rsplit("/", 1)[1])
    quiz = web.get(f"/attempts/{aid}").get_data(as_text=True)
    api_token = web.get("/api/v1/csrf").get_json()["csrf_token"]
    attempt = web.get(f"/api/v1/attempts/{aid}").get_json()["attempt"]
    answers = {q["id"]: correct_option(session, aid, q["id"]) for q in attempt["questions"]}
    r = web.post(f"/api/v1/attempts/{aid}/submit", json={"answers": answers}, headers={"X-CSRFToken": api_token})
    assert r.get_json()["result"]["score"] == 4
    return web, aid, quiz


def staff(client_app, email):
    return page_client(client_app, email)


def test_participant_pages_show_the_text_escaped(client_app, session, hostile):
    anonymous = client_app.test_client()
    for path in ("/", "/contests/thi-thu"):
        assert_escaped(anonymous.get(path).get_data(as_text=True), TITLE)
    web, aid, quiz = take_attempt(client_app, session)
    # The quiz page draws the questions from the JSON API with textContent; its HTML carries only the name.
    assert_escaped(quiz, NAME)
    assert STEM not in quiz
    review = web.get(f"/attempts/{aid}").get_data(as_text=True)
    assert_escaped(review, NAME, TITLE, STEM, *OPTIONS, EXPLANATION, ARTICLE)
    r = web.get("/api/v1/contests/thi-thu/leaderboard")  # the public ranking is JSON, never HTML
    assert r.mimetype == "application/json" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.get_json()["rows"][0]["unit"] == UNIT


def test_staff_pages_show_the_text_escaped(client_app, session, hostile):
    take_attempt(client_app, session)
    btc = staff(client_app, "-btc@example.vn")
    assert_escaped(btc.get("/organizer/questions").get_data(as_text=True), NAME, STEM, ARTICLE, OPTIONS[0])
    assert_escaped(btc.get("/organizer/questions?q=XSS").get_data(as_text=True), STEM)
    edit = btc.get("/organizer/questions/XSS-1/edit").get_data(as_text=True)
    assert_escaped(edit, STEM, *OPTIONS, EXPLANATION, ARTICLE)
    assert_escaped(btc.get("/organizer/contests").get_data(as_text=True), TITLE)
    assert_escaped(btc.get("/results/").get_data(as_text=True), TITLE)
    assert_escaped(btc.get("/results/thi-thu").get_data(as_text=True), TITLE, UNIT, LOCALITY, "@C <b>đậm</b>")
    assert_escaped(btc.get("/results/thi-thu?fragment=1").get_data(as_text=True), UNIT, LOCALITY)  # its refresh
    # An edit keeps the markup as text, and the audit log shows it escaped too.
    values = {"csrf_token": token(edit), "chapter": "1", "article": ARTICLE, "text": STEM + " (sửa)",
              "correct": "A", "explanation": EXPLANATION, "source_quote": "",
              **{f"option_{c}": o for c, o in zip("abcd", OPTIONS, strict=True)}}
    assert btc.post("/organizer/questions/XSS-1/edit", data=values).status_code == 302
    assert_escaped(btc.get("/organizer/questions").get_data(as_text=True), STEM + " (sửa)")
    audit = staff(client_app, "qtv@example.vn").get("/admin/audit").get_data(as_text=True)
    assert "-btc@example.vn" in audit and "question.edit" in audit
    for raw in RAW_MARKUP:
        assert raw not in audit
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in audit


def test_exports_guard_every_cell(client_app, session, hostile):
    from quiz.bank.question_files import parse_questions

    take_attempt(client_app, session)
    btc = staff(client_app, "-btc@example.vn")
    token = btc.get("/api/v1/csrf").get_json()["csrf_token"]
    # Winners, CSV and XLSX (every sheet: winners, collective prizes, digest).
    r = btc.get("/api/v1/contests/thi-thu/winners?format=csv", headers={"X-CSRFToken": token})
    rows = csv_rows(r.data)
    assert_guarded(rows)
    mine = dict(zip(rows[0], rows[1], strict=False))
    assert (mine["full_name"], mine["unit"], mine["locality"], mine["phone"]) == \
        ("'" + NAME, "'" + UNIT, "'" + LOCALITY, "'+84 24 3825 1234")
    assert mine["prize"] == "'=Giải <script>alert(9)</script>"
    r = btc.get("/api/v1/contests/thi-thu/winners?format=xlsx")
    assert r.mimetype == XLSX
    book = sheets(r.data)
    for rows in book.values():
        assert_guarded(rows)
    assert book["winners"][1][2] == "'" + NAME and book["collective"][1][3] == "'" + UNIT
    assert ["contest", "'" + TITLE] in book["digest"]
    # The question bank, CSV and XLSX: guarded, and read back exactly as it was.
    for fmt in ("csv", "xlsx"):
        r = btc.get(f"/organizer/questions/export?format={fmt}")
        rows = csv_rows(r.data) if fmt == "csv" else sheets(r.data)["questions"]
        assert_guarded(rows)
        assert ["XSS-1", "1", "'" + ARTICLE, "'" + STEM, *("'" + o for o in OPTIONS[:3]), OPTIONS[3], "", "",
                "A", "'" + EXPLANATION, ""] in [[("" if c is None else str(c)) for c in row] for row in rows]
        back = {q.code: q for q in parse_questions(f"bank.{fmt}", r.data)}["XSS-1"]
        assert (back.text, back.options, back.explanation, back.article) == (STEM, OPTIONS, EXPLANATION, ARTICLE)
    # The audit log (the organizer's email starts with "-").
    r = staff(client_app, "qtv@example.vn").get("/admin/audit.csv")
    rows = csv_rows(r.data)
    assert_guarded(rows)
    assert "'-btc@example.vn" in [row[rows[0].index("actor_email")] for row in rows[1:]]


def test_the_cli_bank_export_guards_and_reads_back(tmp_path, session, hostile):
    from quiz.bank.question_files import parse_questions, write_questions
    from quiz.bank.questions import ExportRow, search_bank

    rows, _total = search_bank(session, q="", chapter=None, article="", status="all", limit=None)
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"bank.{suffix}"
        write_questions(path, [ExportRow(q, v) for q, v in rows])
        back = {q.code: q for q in parse_questions(path)}["XSS-1"]
        assert (back.text, back.options, back.explanation, back.article) == (STEM, OPTIONS, EXPLANATION, ARTICLE)

