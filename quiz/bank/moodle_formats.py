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

_AIKEN_OPTION = re.compile(r"^([A-F])\s*[.)]\s*(.+)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:\s*([A-F])\s*$", re.IGNORECASE)
_GIFT_SPECIAL = re.compile(r"\\([:~=#{}\\])")
_GIFT_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _record(code, chapter, article, text, options, correct, explanation):
    values = {"code": code, "chapter": str(chapter), "article": article, "question": text,
              "correct": LETTERS[correct] if 0 <= correct < len(LETTERS) else "", "explanation": explanation}
    for col, option in zip(OPTION_COLUMNS, options):
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
                    problem = "text after the ANSWER line"
            elif m := _AIKEN_OPTION.match(line.strip()):
                if m.group(1) != LETTERS[len(options)]:
                    problem = f"option {m.group(1)} is out of order"
                options.append(m.group(2).strip())
            elif options:
                problem = f"line {line_no + offset}: not an option or ANSWER line: {line.strip()[:60]!r}"
            else:
                stem.append(line.strip())
        if answer is None and not problem:
            problem = "no 'ANSWER: X' line (only multiple-choice questions can be imported)"
        if problem:
            errors.append(f"{name}:{line_no}: {problem}")
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
            errors.append(f"{name}:{line_no}: no answer block {{...}} (a description, not a question)")
            continue
        stem = _unescape(_GIFT_FORMAT.sub("", source[:open_at] + " " + source[close_at + 1:]).strip())
        body = source[open_at + 1:close_at]
        general = ""
        if (k := body.find("####")) >= 0:
            body, general = body[:k], _unescape(body[k + 4:])
        kind = _gift_kind(body)
        if kind:
            errors.append(f"{name}:{line_no}: {kind} question is not supported (only multiple choice)")
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
                errors.append(f"{name}:{line_no}: partial-credit answers are not supported")
            options.append(_unescape(answer))
        if len(correct) != 1:
            errors.append(f"{name}:{line_no}: needs exactly one right answer, found {len(correct)}")
            continue
        code = re.sub(r"[^A-Za-z0-9_.-]+", "-", title).strip("-")[:40] if title else f"{prefix}-{number:03d}"
        records.append((line_no, _record(code, chapter, article, stem, options, correct[0],
                                         general or _default_explanation(article))))
    return _finish(name, records, errors)


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
    """The name of a non-multiple-choice GIFT question type, or None."""
    b = body.strip()
    if not b:
        return "An essay"
    if b.upper() in ("T", "F", "TRUE", "FALSE") or re.match(r"^(T|F|TRUE|FALSE)\s*#", b, re.I):
        return "A true/false"
    if b.startswith("#"):
        return "A numerical"
    if "->" in b:
        return "A matching"
    if not re.search(r"(?<!\\)~", b):
        return "A short-answer"
    return None


def _finish(name: str, records: list, errors: list[str]) -> list[ParsedQuestion]:
    questions = []
    for line_no, values in records:
        question, problems = parse_record(values, line_no)
        errors.extend(f"{name}:{line_no}: {p}" for p in problems)
        if question and not problems:
            questions.append(question)
    if not errors and not questions:
        errors.append(f"{name}: no questions in the file")
    if errors:
        raise QuestionFileError(sorted(set(errors), key=lambda e: (int(e.split(":")[1]) if e.split(":")[1].isdigit() else 0, e)))
    return questions
