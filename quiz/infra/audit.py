"""The audit log: who did what to which record, with its state before and after, and from where.

Entries are written by the operation that changes state (quiz.contest.contests, quiz.contest.rounds,
quiz.contest.ranking, quiz.bank.questions, quiz.accounts, quiz.files.results_import), in the transaction of
the action itself, so an action and its record stand or fall together: ``recording`` adds the entry when
the block commits (the domain functions commit once, at their end), and nothing when the action fails. The
caller passes who acts (``Actor``). Reads write nothing, with one documented exception: downloads of
personal data are logged on their own with ``record_now`` (docs/architecture-notes-audit.md). Entries are
never changed: there are no routes for it and database triggers refuse UPDATE and DELETE (see the
migration).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import event
from sqlalchemy.orm import Session

from quiz import roles
from quiz.infra.database import current
from quiz.models import AuditEntry, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts and from which address. The web layer builds it from the request (quiz.web.actor), the
    command line from --by; domain operations take it as a plain value."""
    id: int | None
    email: str
    ip: str | None = None


def person(user, ip: str | None = None) -> Actor:
    """``user`` acting from ``ip``, as the log may keep them. Staff are named by email and address (their
    actions must stay attributable, and staff accounts are never erased); a participant by account id only, so
    the append-only log holds nothing that erasing their data (quiz.accounts.privacy) would have to change."""
    if user.role in roles.STAFF:
        return Actor(user.id, user.email, ip)
    return Actor(user.id, "", None)


def account_ref(user) -> str:
    """How an entry names an account as its target: a staff account by email, a participant's by id."""
    return user.email if user.role in roles.STAFF else str(user.id)


CLI = Actor(None, "cli")  # the command line without --by
SYSTEM = Actor(None, "system")  # the app by itself (a ranking frozen by the cron job once its window ended)

# Every action the log knows, with its label for the admin page. Operations write them; nothing else does.
QUESTION_EDIT = "question.edit"
QUESTION_DEACTIVATE = "question.deactivate"
QUESTION_REACTIVATE = "question.reactivate"
QUESTION_UPLOAD = "question.upload"
QUESTION_IMPORT = "question.import"
QUESTIONS_EXPORT = "questions.export"
CONTEST_CREATE = "contest.create"
CONTEST_EDIT = "contest.edit"
CONTEST_CLOSE = "contest.close"
ROUND_CREATE = "round.create"
RANKING_FREEZE = "ranking.freeze"
RESULTS_IMPORT = "results.import"
WINNERS_EXPORT = "winners.export"
SUSPICIOUS_EXPORT = "suspicious.export"
STATS_EXPORT = "stats.export"  # no longer written (reading statistics is not an action); kept for old entries
USER_CREATE = "user.create"
ACCOUNT_PASSWORD_CHANGE = "account.password_change"
ACCOUNT_PASSWORD_RESET = "account.password_reset"
ACCOUNT_PROFILE_CHANGE = "account.profile_change"
AUDIT_EXPORT = "audit.export"
VERDICT_SET = "verdict.set"  # a judge's verdict on a person (verified, disqualified, pending again)
PRIVACY_ERASE = "privacy.erase"  # a person's data erased, on request or by the retention purge (by account id)
ORG_CREATE = "org.create"
CERTIFICATES_ISSUE = "certificates.issue"  # a batch of certificates issued (flask certificates, the judges' zip)
UNITS_IMPORT = "units.import"  # an organization's unit directory from a file (command line or organizer page)
UNIT_EDIT = "unit.edit"
ENROLLMENT_MOVE = "enrollment.move"  # staff moved a person to another unit of a contest (by account id)

LABELS = {
    QUESTION_EDIT: "Sửa câu hỏi", QUESTION_DEACTIVATE: "Ngừng dùng câu hỏi", QUESTION_REACTIVATE: "Dùng lại câu hỏi",
    QUESTION_UPLOAD: "Tải tệp câu hỏi lên", QUESTION_IMPORT: "Nhập câu hỏi (dòng lệnh)",
    QUESTIONS_EXPORT: "Xuất ngân hàng câu hỏi", CONTEST_CREATE: "Tạo cuộc thi", CONTEST_EDIT: "Sửa cuộc thi",
    CONTEST_CLOSE: "Đóng cuộc thi sớm", ROUND_CREATE: "Thêm vòng thi", RANKING_FREEZE: "Chốt bảng xếp hạng",
    RESULTS_IMPORT: "Nhập kết quả", WINNERS_EXPORT: "Xuất danh sách đoạt giải",
    SUSPICIOUS_EXPORT: "Xuất báo cáo dấu hiệu bất thường", STATS_EXPORT: "Xuất thống kê",
    USER_CREATE: "Tạo tài khoản", ACCOUNT_PASSWORD_CHANGE: "Đổi mật khẩu",
    ACCOUNT_PASSWORD_RESET: "Đặt lại mật khẩu qua email", AUDIT_EXPORT: "Xuất nhật ký thao tác",
    PRIVACY_ERASE: "Xoá dữ liệu cá nhân",
    ACCOUNT_PROFILE_CHANGE: "Sửa đơn vị, địa phương",
    ORG_CREATE: "Tạo tổ chức",
    CERTIFICATES_ISSUE: "Cấp giấy chứng nhận",
    VERDICT_SET: "Quyết định của ban giám khảo",
    UNITS_IMPORT: "Nhập danh mục đơn vị",
    UNIT_EDIT: "Sửa đơn vị",
    ENROLLMENT_MOVE: "Chuyển đơn vị của người dự thi",
}
ACTIONS = frozenset(LABELS)


def _plain(value):
    """JSON-ready copy: times as ISO 8601 text in UTC, tuples as lists."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def entry(actor: Actor, action: str, target_type: str = "", target_id="", before=None, after=None) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to quiz.infra.audit with its label")
    return AuditEntry(at=utcnow(), actor_id=actor.id, actor_email=actor.email[:254], action=action,
                      target_type=target_type, target_id=str(target_id)[:200], before=_plain(before),
                      after=_plain(after), ip=actor.ip)


def record(s: Session, actor: Actor | None, action: str, target_type: str = "", target_id="", before=None,
           after=None) -> None:
    """Add an entry to the session's current transaction; it is written when the caller commits. No actor:
    nothing (set-up code such as test fixtures and benchmarks, which act for nobody)."""
    if actor is None:
        return
    s.add(entry(actor, action, target_type, target_id, before, after))


def record_now(s: Session, actor: Actor, action: str, target_type: str = "", target_id="", before=None,
               after=None) -> None:
    """Write an entry in a transaction of its own: only for downloads of personal data (winner lists, the
    suspicious-pattern report, the audit log) and of the answer key (the bank), the one kind of read that is
    logged (who took the data; docs/architecture-notes-audit.md)."""
    s = current(s)
    if s.in_transaction():
        s.commit()
    record(s, actor, action, target_type, target_id, before, after)
    s.commit()


@contextmanager
def recording(s: Session, actor: Actor | None, action: str, target_type: str = "", target_id="", before=None,
              after=None):
    """Log the action the block performs, in the transaction the block commits.

    ``after`` and ``target_id`` may be callables: they are called at that commit, so they see the state the
    action leaves (a new row's id). No
    entry when the block raises or commits nothing, nor when ``before`` and ``after`` are equal (no change), nor
    without an actor (see ``record``).
    """
    if actor is None:
        yield
        return
    session = current(s)
    done = []

    def add(sess):
        if done:
            return
        done.append(True)
        if callable(after):
            sess.flush()  # the action's rows as the database will hold them (ids, defaults)
        state = after() if callable(after) else after
        if before is not None and _plain(state) == _plain(before):
            return
        target = target_id() if callable(target_id) else target_id
        sess.add(entry(actor, action, target_type, target, before, state))

    event.listen(session, "before_commit", add)
    try:
        yield
    finally:
        event.remove(session, "before_commit", add)


def search(s: Session, *, actor: str = "", action: str = "", since: datetime | None = None,
           until: datetime | None = None, limit: int | None = 50, offset: int = 0) -> tuple[list[AuditEntry], int]:
    """Entries newest first, filtered by actor (part of the email), action and time [since, until)."""
    from sqlalchemy import func, select

    query = select(AuditEntry)
    if actor.strip():
        query = query.where(func.lower(AuditEntry.actor_email).contains(actor.strip().lower(), autoescape=True))
    if action:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    total = s.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(s.execute(query).scalars()), total


def actions(s: Session) -> list[str]:
    """Every action the log holds, for the filter."""
    from sqlalchemy import select

    return list(s.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars())


CSV_COLUMNS = ["id", "at", "actor_id", "actor_email", "action", "target_type", "target_id", "before", "after", "ip"]


def csv_bytes(entries) -> bytes:
    """The entries as CSV for Excel: UTF-8 with BOM, text cells guarded against formulas (quiz.files.cells)."""
    import json

    from quiz.files.cells import excel_csv, guard

    def js(value):
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return excel_csv([CSV_COLUMNS, *([e.id, e.at.isoformat(timespec="seconds"),
                                      e.actor_id if e.actor_id is not None else "", guard(e.actor_email),
                                      guard(e.action), guard(e.target_type), guard(e.target_id), guard(js(e.before)),
                                      guard(js(e.after)), guard(e.ip or "")] for e in entries)])


_NEVER = {"password_hash", "search_text", "created_at"}  # secrets, and noise that no one needs in the log


def state(obj, only: tuple[str, ...] | None = None) -> dict | None:
    """A row's columns as a JSON-ready dict (without secrets), for ``before`` and ``after``."""
    if obj is None:
        return None
    names = only or tuple(a.key for a in obj.__mapper__.column_attrs if a.key not in _NEVER)
    return _plain({name: getattr(obj, name) for name in names})


def window_state(s: Session, contest) -> dict:
    """A contest's end and its rounds' windows: what closing it early changes (it shortens them, or drops
    rounds not begun)."""
    from quiz.contest.rounds import rounds_of

    return {"closes_at": state(contest, ("closes_at",))["closes_at"],
            "rounds": [state(r, ("number", "opens_at", "closes_at")) for r in rounds_of(s, contest.id)]}
