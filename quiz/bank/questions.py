"""Putting parsed question files into the bank, and reading the bank back out."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.bank.question_files import ParsedQuestion, QuestionFileError
from quiz.i18n import N_
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.messages import Problem
from quiz.models import Question, QuestionVersion
from quiz.search import version_search_text


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _same(v: QuestionVersion, q: ParsedQuestion) -> bool:
    return (v.chapter, v.article, v.text, list(v.options), v.correct, v.explanation, v.source_quote) == (
        q.chapter, q.article, q.text, q.options, q.correct, q.explanation, q.source_quote)


def import_questions(s: Session, questions: list[ParsedQuestion], *, actor: Actor | None = None, source: str = "",
                     action: str = audit.QUESTION_IMPORT) -> ImportReport:
    """Add new codes, add a new version for changed ones; one transaction, all or nothing. Logged as
    ``actor``'s ``action`` (question.import from the command line, question.upload from the page) on the
    file(s) ``source``."""
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if codes.count(c) > 1})
        raise QuestionFileError([Problem("", 0, "code_in_several_rows", {"code": c}) for c in dup])
    existing = {q.code: (q, v) for q, v in s.execute(
        select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
    ).all()}
    report = ImportReport()
    try:
        for q in questions:
            found = existing.get(q.code)
            if found and _same(found[1], q):
                report.unchanged += 1
                continue
            if found:
                question, number = found[0], found[1].version + 1
                report.updated += 1
            else:
                question, number = Question(code=q.code, chapter=q.chapter, active=True), 1
                s.add(question)
                s.flush()
                report.created += 1
            version = QuestionVersion(question_id=question.id, version=number, chapter=q.chapter, article=q.article,
                                      text=q.text, options=q.options, correct=q.correct,
                                      explanation=q.explanation, source_quote=q.source_quote,
                                      search_text=version_search_text(q.text, q.options, q.article))
            s.add(version)
            s.flush()
            question.current_version_id = version.id
            question.chapter = q.chapter
        audit.record(s, actor, action, "question_file", source,
                     after={"questions": len(questions), "codes": [q.code for q in questions]})
        s.commit()
    except Exception:
        s.rollback()
        raise
    return report


def bank_versions(s: Session) -> list[tuple[Question, QuestionVersion]]:
    """Every question with its current version, by code."""
    return s.execute(select(Question, QuestionVersion)
                     .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                     .order_by(Question.code)).all()


class ExportRow:
    """A question as the file writer wants it."""

    def __init__(self, q: Question, v: QuestionVersion):
        self.code, self.chapter, self.article, self.text = q.code, v.chapter, v.article, v.text
        self.options, self.correct = v.options, v.correct
        self.explanation, self.source_quote = v.explanation, v.source_quote


def search_bank(s: Session, *, q: str = "", chapter: int | None = None, article: str = "", status: str = "all",
                limit: int | None = 50, offset: int = 0) -> tuple[list[tuple[Question, QuestionVersion]], int]:
    """Filter the bank (text with or without diacritics, chapter, article, active); return (page, total)."""
    from sqlalchemy import func

    from quiz.bank.law import cited_article
    from quiz.search import fold

    query = select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
    for word in fold(q).split():
        query = query.where(QuestionVersion.search_text.contains(word, autoescape=True)
                            | func.lower(Question.code).contains(word, autoescape=True))
    if chapter:
        query = query.where(Question.chapter == chapter)
    if article.strip():
        number = cited_article(article) or (int(article) if article.strip().isdigit() else None)
        if number is not None:
            # 'Điều 8' matches 'Điều 8' and 'khoản 2 Điều 8', not 'Điều 80'.
            query = query.where(QuestionVersion.article.like(f"%Điều {number}") |
                                QuestionVersion.article.like(f"%Điều {number} %"))
    if status in ("active", "inactive"):
        query = query.where(Question.active.is_(status == "active"))
    total = s.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    query = query.order_by(Question.code).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return s.execute(query).all(), total


def get_question(s: Session, code: str) -> tuple[Question, QuestionVersion]:
    from quiz.errors import not_found

    row = s.execute(select(Question, QuestionVersion)
                    .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                    .where(Question.code == code)).one_or_none()
    if row is None:
        raise not_found(N_("Không tìm thấy câu hỏi."))
    return row


def set_active(s: Session, code: str, active: bool, actor: Actor | None = None) -> Question:
    """Take a question out of (or back into) future draws; past attempts are untouched. Logged as
    question.deactivate or question.reactivate."""
    question, _v = get_question(s, code)
    audit.record(s, actor, audit.QUESTION_REACTIVATE if active else audit.QUESTION_DEACTIVATE, "question", code,
                 before={"active": question.active}, after={"active": active})
    question.active = active
    s.commit()
    return question


def edit_question(s: Session, parsed: ParsedQuestion, actor: Actor | None = None) -> ImportReport:
    """Save an edited question as its new version (nothing when nothing changed); logged as question.edit with
    the version before and after."""
    _q, before = get_question(s, parsed.code)
    with audit.recording(s, actor, audit.QUESTION_EDIT, "question", parsed.code, before=version_state(before),
                         after=lambda: version_state(get_question(s, parsed.code)[1])):
        return import_questions(s, [parsed])


def version_state(version: QuestionVersion) -> dict:
    """What the audit log keeps of a question's version."""
    return audit.state(version, ("version", "chapter", "article", "text", "options", "correct", "explanation",
                                 "source_quote"))
