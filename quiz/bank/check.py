"""Prove the shipped question bank against the law's own text.

``python -m quiz.bank.check question_bank/*.csv`` prints every problem and
exits non-zero when there is one; the test suite runs the same checks.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from quiz.bank.law import articles, cited_article, normalise
from quiz.bank.question_files import ParsedQuestion, QuestionFileError, parse_questions

BANK_DIR = Path(__file__).resolve().parents[2] / "question_bank"


def bank_files(directory: Path = BANK_DIR) -> list[Path]:
    """Return the question files of the bank, in a stable order."""
    return sorted(p for p in directory.glob("*.csv")) + sorted(directory.glob("*.xlsx"))


def law_problems(q: ParsedQuestion, where: str) -> list[str]:
    """Return what is wrong with one question against the law's text."""
    law = articles()
    problems = []
    number = cited_article(q.article)
    if number is None or number not in law:
        return [f"{where}: article {q.article!r} is not an article of the law"]
    art = law[number]
    if art.chapter != q.chapter:
        problems.append(f"{where}: Điều {number} is in chapter {art.chapter}, not {q.chapter}")
    if not q.source_quote:
        problems.append(f"{where}: source_quote is empty")
    elif normalise(q.source_quote) not in art.text:
        problems.append(f"{where}: source_quote is not in the text of Điều {number}")
    return problems


def check_bank(files: list[Path]) -> tuple[list[ParsedQuestion], list[str]]:
    """Parse and prove every file; return (questions, problems)."""
    questions: list[ParsedQuestion] = []
    problems: list[str] = []
    for path in files:
        try:
            parsed = parse_questions(path)
        except QuestionFileError as exc:
            problems.extend(exc.errors)
            continue
        for q in parsed:
            q.extra["where"] = f"{path.name}:{q.row}"
            problems.extend(law_problems(q, q.extra["where"]))
        questions.extend(parsed)
    problems.extend(duplicate_problems(questions))
    return questions, problems


def duplicate_problems(questions: list[ParsedQuestion]) -> list[str]:
    """Flag repeated codes, repeated stems, and the same answer to the same clause asked the same way."""
    problems = []
    by_code: dict[str, str] = {}
    by_stem: dict[str, str] = {}
    by_answer: dict[tuple, str] = {}
    for q in questions:
        where = q.extra.get("where", q.code)
        for table, key in ((by_code, q.code), (by_stem, normalise(q.text).casefold()),
                           (by_answer, (normalise(q.article).casefold(), normalise(q.options[q.correct]).casefold(),
                                        _stem_shape(q.text)))):
            if key in table:
                what = "code" if table is by_code else "stem" if table is by_stem else "same answer to the same clause"
                problems.append(f"{where}: duplicates {table[key]} ({what})")
            else:
                table[key] = where
    return problems


def _stem_shape(text: str) -> str:
    """The first words of a stem: two questions that start alike and share an answer ask the same thing."""
    return " ".join(normalise(text).casefold().split()[:6])


def chapter_counts(questions: list[ParsedQuestion]) -> dict[int, int]:
    """Return {chapter: number of questions}."""
    return dict(sorted(Counter(q.chapter for q in questions).items()))


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or bank_files()
    questions, problems = check_bank(files)
    for p in problems:
        print(p)
    print(f"{len(questions)} questions, per chapter {chapter_counts(questions)}, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
