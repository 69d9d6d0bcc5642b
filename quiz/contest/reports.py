"""Question reports: a participant tells the organizers that a question of their attempt is wrong or unclear;
staff read the queue and resolve each report with a note.

A report keeps the question as that attempt showed it (its text and its options in the paper's order), so the
organizers see what the participant saw even after the question is edited. A participant may report while
their attempt is open, or once closed while the contest's review policy shows it (quiz.contest.review). Staff
of an organization see and resolve only reports from their organization's contests (quiz.contest.scope).
Both actions are audited: the participant by account id only (quiz.infra.audit.person).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from quiz.contest import scope
from quiz.contest.attempts import load_attempt
from quiz.contest.review import review_allowed
from quiz.errors import DomainError, invalid, not_found
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.database import reading
from quiz.models import OPEN, Attempt, AttemptQuestion, Contest, Question, QuestionReport, QuestionVersion, utcnow

MESSAGE_MAX = 1000
NOTE_MAX = 1000
STATUSES = ("open", "resolved")
QUEUE_LIMIT = 500  # the newest reports a queue shows


@dataclass(frozen=True)
class ReportRow:
    """One report with what the queue shows beside it."""

    report: QuestionReport
    question_code: str
    contest_slug: str
    contest_title: str


def _text(value, field: str, limit: int, required: bool) -> str:
    """``value`` trimmed, checked as a text of at most ``limit`` characters (and not empty when required)."""
    text = value.strip() if isinstance(value, str) else None
    if text is None or (required and not text):
        raise invalid({field: N_("Vui lòng viết nội dung.")}, N_("Vui lòng viết nội dung."))
    if len(value) > limit:  # as sent, before trimming, as the API's schema says
        raise invalid({field: Text(N_("Tối đa %(n)s ký tự."), n=limit)},
                      Text(N_("Nội dung dài quá %(n)s ký tự."), n=limit), params={"max": limit})
    return text


def _question_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or len(str(value)) > 18:
        raise _not_in_paper()
    return int(value)


def _not_in_paper() -> DomainError:
    return invalid({"question_id": N_("không có trong lượt thi này")},
                   N_("Câu hỏi này không có trong lượt thi của bạn."))


def _shown(s: Session, attempt_id: int, question_id: int) -> dict:
    """The question as the attempt showed it: text and option texts in the paper's order."""
    row = s.execute(select(AttemptQuestion.options, QuestionVersion.text, QuestionVersion.options)
                    .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
                    .where(AttemptQuestion.attempt_id == attempt_id,
                           AttemptQuestion.question_id == question_id)).first()
    if row is None:
        raise _not_in_paper()
    order, text, texts = row
    return {"text": text, "options": [texts[index] for _oid, index in order]}


def create_report(s: Session, attempt_id: int, user_id: int, question_id, message,
                  actor: audit.Actor, now: datetime | None = None) -> QuestionReport:
    """Store the owner's report on a question of their attempt; 404 for anyone else's attempt, 422 for a question
    outside its paper or a bad message, 409 once the attempt is closed and not reviewable."""
    now = now or utcnow()
    with reading(s):
        attempt = load_attempt(s, attempt_id, user_id)
        contest = s.get(Contest, attempt.contest_id)
        if attempt.status != OPEN and not review_allowed(attempt, contest, now):
            raise DomainError("attempt_closed", N_("Lượt thi đã kết thúc; chỉ báo lỗi được khi còn xem lại bài."))
        qid = _question_id(question_id)
        text = _text(message, "message", MESSAGE_MAX, required=True)
        shown = _shown(s, attempt.id, qid)
        code = s.execute(select(Question.code).where(Question.id == qid)).scalar_one()
    report = QuestionReport(question_id=qid, attempt_id=attempt.id, shown=shown, message=text, status="open",
                            created_at=now)
    with audit.recording(s, actor, audit.QUESTION_REPORT, "question", code,
                         after=lambda: {"report": report.id, "attempt": attempt.id}):
        s.add(report)
        s.commit()
    return report


def _queue(user) -> Select:
    query = (select(QuestionReport, Question.code, Contest.slug, Contest.title)
             .join(Question, Question.id == QuestionReport.question_id)
             .join(Attempt, Attempt.id == QuestionReport.attempt_id)
             .join(Contest, Contest.id == Attempt.contest_id))
    return scope.visible(query, user)


def list_reports(s: Session, user, status: str | None = "open", question_code: str | None = None,
                 limit: int = QUEUE_LIMIT) -> list[ReportRow]:
    """The reports ``user`` may see (their organization's contests, or all), newest first; ``status`` None: both
    kinds; ``question_code``: one question's only."""
    if status is not None and status not in STATUSES:
        raise invalid({"status": N_("open hoặc resolved")}, N_("Trạng thái phải là open hoặc resolved."))
    query = _queue(user).order_by(QuestionReport.created_at.desc(), QuestionReport.id.desc()).limit(limit)
    if status is not None:
        query = query.where(QuestionReport.status == status)
    if question_code is not None:
        query = query.where(Question.code == question_code)
    with reading(s):
        return [ReportRow(*row) for row in s.execute(query).all()]


def resolve_report(s: Session, report_id: int, note, user, actor: audit.Actor,
                   now: datetime | None = None) -> QuestionReport:
    """Mark a report resolved with ``note`` (required), by ``user`` (staff who may manage its contest: others
    get 404, as if it did not exist); 409 when it was already resolved."""
    text = _text(note, "note", NOTE_MAX, required=True)
    row = s.execute(_queue(user).where(QuestionReport.id == report_id).with_for_update(of=QuestionReport)).first()
    if row is None:
        s.rollback()
        raise not_found(N_("Không tìm thấy báo lỗi này."))
    report, code = row[0], row[1]
    if report.status == "resolved":
        s.rollback()
        raise DomainError("report_resolved", N_("Báo lỗi này đã được xử lý."))
    with audit.recording(s, actor, audit.QUESTION_REPORT_RESOLVE, "question", code,
                         before={"report": report.id, "status": "open"},
                         after={"report": report.id, "status": "resolved", "note": text}):
        report.status, report.resolution = "resolved", text
        report.resolved_by_id, report.resolved_at = user.id, now or utcnow()
        s.commit()
    return report
