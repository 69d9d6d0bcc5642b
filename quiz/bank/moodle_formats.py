"""Moodle's GIFT and Aiken question formats, multiple choice only.

Neither format carries the law's chapter and article, so the caller supplies
them (the upload form asks); codes come from GIFT titles or are numbered.
Everything that is not a one-answer multiple-choice question is reported with
its line, never dropped silently; the result goes through the same checks as a
CSV row (``question_files.parse_record``).
"""
from __future__ import annotations

import re

from quiz.bank.question_files import LETTERS, OPTION_COLUMNS, ParsedQuestion, QuestionFileError, parse_record
from quiz.messages import Problem

_AIKEN_OPTION = re.compile(r"^([A-F])\s*[.)]\s*(.+)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:\s*([A-F])\s*$", re.IGNORECASE)
_GIFT_SPECIAL = re.compile(r"\\([:~=#{}\\])")
_GIFT_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
BLANK = "_____"  # where a "missing word" question's answer block stood inside the stem


def _record(code, chapter, article, text, options, correct, explanation):
    values = {"code": code, "chapter": str(chapter), "article": article, "question": text,
              "correct": LETTERS[correct] if 0 <= correct < len(LETTERS) else "", "explanation": explanation}
    for col, option in zip(OPTION_COLUMNS, options, strict=False):
        values[col] = option
    return values


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split text into blocks separated by blank lines: (first line number, lines)."""
    blocks, current, start = [], [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _default_explanation(article: str) -> str:
    return f"Theo {article} Luật Hợp tác xã 2023."


def parse_aiken(name: str, text: str, chapter: int, article: str, prefix: str) -> list[ParsedQuestion]:
    """Parse Aiken: a stem, options 'A. ...', then 'ANSWER: X', blocks separated by blank lines."""
    records, errors = [], []
    for number, (line_no, lines) in enumerate(_blocks(text), start=1):
        stem, options, answer = [], [], None
        problem = None
        for offset, line in enumerate(lines):
            if m := _AIKEN_ANSWER.match(line.strip()):
                answer = LETTERS.index(m.group(1).upper())
                if offset != len(lines) - 1:
                    problem = Problem(name, line_no, "aiken_after_answer")
            elif m := _AIKEN_OPTION.match(line.strip()):
                if m.group(1) != LETTERS[len(options)]:
                    problem = Problem(name, line_no, "aiken_option_order", {"letter": m.group(1)})
                options.append(m.group(2).strip())
            elif options:
                problem = Problem(name, line_no, "aiken_stray_line",
                                  {"line": line_no + offset, "text": line.strip()[:60]})
            else:
                stem.append(line.strip())
        if answer is None and not problem:
            problem = Problem(name, line_no, "aiken_no_answer")
        if problem:
            errors.append(problem)
            continue
        records.append((line_no, _record(f"{prefix}-{number:03d}", chapter, article, " ".join(stem), options,
                                         answer, _default_explanation(article))))
    return _finish(name, records, errors)


def _unescape(text: str) -> str:
    return _GIFT_SPECIAL.sub(r"\1", text).strip()


def _split_unescaped(body: str, marks: str) -> list[str]:
    """Split an answer block before every unescaped mark character, keeping the mark."""
    parts, current, i = [], "", 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            current += body[i:i + 2]
            i += 2
            continue
        if ch in marks:
            if current.strip():
                parts.append(current)
            current = ""
        current += ch
        i += 1
    if current.strip():
        parts.append(current)
    return parts


def parse_gift(name: str, text: str, chapter: int, article: str, prefix: str) -> list[ParsedQuestion]:
    """Parse GIFT multiple-choice questions ('::title:: stem {=right ~wrong #feedback ####general}')."""
    lines = [("" if line.lstrip().startswith("//") else line) for line in text.splitlines()]
    records, errors = [], []
    number = 0
    for line_no, block in _blocks("\n".join(lines)):
        source = " ".join(block).strip()
        if source.startswith("$CATEGORY"):
            continue
        number += 1
        title = None
        if m := re.match(r"^::(.*?)::", source, re.S):
            title, source = m.group(1).strip(), source[m.end():].strip()
        source = _GIFT_FORMAT.sub("", source).strip()
        open_at = _find_unescaped(source, "{")
        close_at = _find_unescaped(source, "}", open_at + 1) if open_at >= 0 else -1
        if open_at < 0 or close_at < 0:
            errors.append(Problem(name, line_no, "gift_no_answer_block"))
            continue
        stem = _gift_stem(source[:open_at], source[close_at + 1:])
        body = source[open_at + 1:close_at]
        general = ""
        if (k := body.find("####")) >= 0:
            body, general = body[:k], _unescape(body[k + 4:])
        kind = _gift_kind(body)
        if kind:
            errors.append(Problem(name, line_no, f"gift_{kind}"))
            continue
        options, correct = [], []
        for part in _split_unescaped(body, "=~"):
            mark, rest = part[0], part[1:]
            weight = re.match(r"^%(-?\d+(?:\.\d+)?)%", rest)
            if weight:
                rest = rest[weight.end():]
            answer = _split_unescaped(rest, "#")[0] if not rest.startswith("#") else ""
            if mark == "=" or (weight and float(weight.group(1)) == 100):
                correct.append(len(options))
            elif weight and float(weight.group(1)) > 0:
                errors.append(Problem(name, line_no, "gift_partial_credit"))
            options.append(_unescape(answer))
        if len(correct) != 1:
            errors.append(Problem(name, line_no, "gift_right_answers", {"found": len(correct)}))
            continue
        code = re.sub(r"[^A-Za-z0-9_.-]+", "-", title).strip("-")[:40] if title else f"{prefix}-{number:03d}"
        records.append((line_no, _record(code, chapter, article, stem, options, correct[0],
                                         general or _default_explanation(article))))
    return _finish(name, records, errors)


def _gift_stem(before: str, after: str) -> str:
    """The stem around the answer block; a block with text after it leaves a visible blank where it stood.

    That is Moodle's "missing word" question ("celebrated on the {~second =fourth} Thursday"), whose stem
    would otherwise read "celebrated on the   Thursday"; a block at the end is the ordinary question.
    """
    before, after = before.strip(), after.strip()
    stem = " ".join(part for part in (before, BLANK if after else "", after) if part)
    return _unescape(_GIFT_FORMAT.sub("", stem).strip())


def _find_unescaped(text: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def _gift_kind(body: str) -> str | None:
    """The kind of a non-multiple-choice GIFT question (essay, true_false, ...), or None."""
    b = body.strip()
    if not b:
        return "essay"
    if b.upper() in ("T", "F", "TRUE", "FALSE") or re.match(r"^(T|F|TRUE|FALSE)\s*#", b, re.I):
        return "true_false"
    if b.startswith("#"):
        return "numerical"
    if "->" in b:
        return "matching"
    if not re.search(r"(?<!\\)~", b):
        return "short_answer"
    return None


def _finish(name: str, records: list, errors: list[Problem]) -> list[ParsedQuestion]:
    questions = []
    for line_no, values in records:
        question, problems = parse_record(values, line_no, name)
        errors.extend(problems)
        if question and not problems:
            questions.append(question)
    if not errors and not questions:
        errors.append(Problem(name, 0, "no_questions"))
    if errors:
        unique = {p.key(): p for p in errors}  # a block with two partial-credit answers says so once
        raise QuestionFileError(sorted(unique.values(), key=lambda p: (p.row, p.code, p.key())))
    return questions
