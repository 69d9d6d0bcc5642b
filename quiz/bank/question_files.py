"""Read and write question files (.csv or .xlsx) in the format of docs/api.md.

Plain functions, no Flask: the CLI, the organizer pages and the tests share
them. Reading never touches the database; it returns parsed questions and a
list of ``FILE:ROW: problem`` errors so a caller can refuse the whole file.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from quiz.files.cells import excel_csv, guard, unguard

LETTERS = "ABCDEF"
OPTION_COLUMNS = [f"option_{c.lower()}" for c in LETTERS]
REQUIRED_COLUMNS = ["code", "chapter", "article", "question", "option_a", "option_b", "correct", "explanation"]
COLUMNS = ["code", "chapter", "article", "question", *OPTION_COLUMNS, "correct", "explanation", "source_quote"]
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_TEXT = 2000


class QuestionFileError(ValueError):
    """A file that cannot be imported; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ParsedQuestion:
    code: str
    chapter: int
    article: str
    text: str
    options: list[str]
    correct: int  # index into options
    explanation: str
    source_quote: str = ""
    row: int = 0
    extra: dict = field(default_factory=dict)


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def read_table(path: str | Path, data: bytes | None = None) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) from a .csv or .xlsx file; ``data`` overrides reading ``path``."""
    name = str(path)
    if data is None:
        data = Path(path).read_bytes()
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        import openpyxl  # imported lazily: the CSV path needs no Excel reader

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise QuestionFileError([f"{name}: not a readable .xlsx file ({exc.__class__.__name__})"]) from exc
        sheet = book.worksheets[0]
        table = [[unguard(_clean(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise QuestionFileError([f"{name}: not UTF-8 text (byte {exc.start})"]) from exc
        try:
            table = [[unguard(_clean(v)) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise QuestionFileError([f"{name}: not a readable CSV file ({exc})"]) from exc
    else:
        raise QuestionFileError([f"{name}: unsupported file type {suffix or '(none)'}; use .csv or .xlsx"])
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise QuestionFileError([f"{name}: the file is empty"])
    header = [h.lower() for h in table[0]]
    return header, table[1:]


def parse_questions(path: str | Path, data: bytes | None = None) -> list[ParsedQuestion]:
    """Parse a question file; raise QuestionFileError listing every bad row."""
    name = Path(str(path)).name
    header, rows = read_table(path, data)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise QuestionFileError([f"{name}:1: missing column(s): {', '.join(missing)}"])
    index = {col: header.index(col) for col in COLUMNS if col in header}
    records = []
    for rownum, row in enumerate(rows, start=2):
        if any(row):
            records.append((rownum, {col: row[i] if i < len(row) else "" for col, i in index.items()}))
    return parse_records(name, records)


def parse_records(name: str, records: list[tuple[int, dict]]) -> list[ParsedQuestion]:
    """Check rows given as (row number, {column: text}); raise QuestionFileError listing every problem."""
    errors: list[str] = []
    questions: list[ParsedQuestion] = []
    seen: dict[str, int] = {}
    for rownum, values in records:
        question, problems = parse_record(values, rownum)
        if question and question.code in seen:
            problems.append(f"code {question.code} repeats row {seen[question.code]}")
        elif question:
            seen[question.code] = rownum
        if problems:
            errors.extend(f"{name}:{rownum}: {p}" for p in problems)
        else:
            questions.append(question)
    if not errors and not questions:
        errors.append(f"{name}: no questions in the file")
    if errors:
        raise QuestionFileError(errors)
    return questions


def parse_record(values: dict, rownum: int = 0) -> tuple[ParsedQuestion | None, list[str]]:
    """Check one question given as {column: text}; return it (or None) and its problems."""
    cell = lambda col: _clean(values.get(col, ""))  # noqa: E731
    problems: list[str] = []
    code = cell("code")
    if not code:
        problems.append("code is empty")
    elif not CODE_RE.match(code):
        problems.append(f"code {code!r} may only use letters, digits, '-', '_', '.' (at most 40)")
    chapter = 0
    try:
        chapter = int(cell("chapter"))
        if not 1 <= chapter <= 12:
            raise ValueError
    except ValueError:
        problems.append(f"chapter must be a number 1..12, got {cell('chapter')!r}")
    if not cell("article"):
        problems.append("article is empty")
    if not cell("question"):
        problems.append("question is empty")
    values_ = [cell(c) for c in OPTION_COLUMNS]
    last = max((i for i, v in enumerate(values_) if v), default=-1)
    options = values_[: last + 1]
    if any(not v for v in options):
        gap = LETTERS[options.index("")]
        problems.append(f"option_{gap.lower()} is empty but a later option is filled")
    if len(options) < 2:
        problems.append("at least 2 options (option_a, option_b) are needed")
    if len({o.casefold() for o in options}) != len(options):
        problems.append("two options have the same text")
    letter = cell("correct").upper()
    correct = LETTERS.find(letter) if len(letter) == 1 else -1
    if correct < 0:
        problems.append(f"correct must be one letter A..F, got {cell('correct')!r}")
    elif correct >= len(options):
        problems.append(f"correct is {letter} but option_{letter.lower()} is empty")
    if not cell("explanation"):
        problems.append("explanation is empty")
    for col in ("question", "explanation", *OPTION_COLUMNS):
        if len(cell(col)) > MAX_TEXT:
            problems.append(f"{col} is longer than {MAX_TEXT} characters")
    if problems:
        return (None if not code else ParsedQuestion(code, chapter, "", "", [], 0, "", row=rownum)), problems
    return ParsedQuestion(code, chapter, cell("article"), cell("question"), options, correct, cell("explanation"),
                          cell("source_quote"), rownum), problems


def question_rows(questions) -> list[list[str]]:
    """Rows (header first) for writing questions; each needs code, chapter, article, text, options, correct, explanation, source_quote.

    Text that Excel would run as a formula (``=``, ``+``, ``-``, ``@`` first) is guarded; ``read_table`` unguards it.
    """
    rows = [COLUMNS]
    for q in questions:
        opts = list(q.options) + [""] * (6 - len(q.options))
        rows.append([guard(v) for v in (q.code, str(q.chapter), q.article, q.text, *opts, LETTERS[q.correct],
                                         q.explanation, q.source_quote or "")])
    return rows


def questions_bytes(questions, fmt: str) -> bytes:
    """The questions as a .csv (UTF-8 with BOM, for Excel) or .xlsx file's bytes."""
    rows = question_rows(questions)
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "questions"
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    if fmt == "csv":
        return excel_csv(rows)
    raise QuestionFileError([f"unsupported file type .{fmt}; use .csv or .xlsx"])


def write_questions(path: str | Path, questions) -> int:
    """Write questions to a .csv or .xlsx file; return how many."""
    path = Path(path)
    path.write_bytes(questions_bytes(questions, path.suffix.lower().lstrip(".")))
    return len(questions)
