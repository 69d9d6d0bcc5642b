"""Creating contests and reading them; the same rules for the CLI and the pages."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.contest import scope
from quiz.contest.chapter_plan import check_fillable, default_plan, parse_plan, plan_to_json
from quiz.contest.collective import setting_values
from quiz.contest.prizes import tiers_or_problems
from quiz.contest.rules import RULES_MAX_CHARS
from quiz.errors import DomainError, invalid, not_found
from quiz.i18n import N_, Number, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import commit_or_conflict
from quiz.models import REVIEW_POLICIES, Attempt, Contest, Question, utcnow

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def contest_values(s: Session, *, slug: str, title: str, question_count: int | None = None,
                   time_limit_s: int = 1200, max_attempts: int = 3, opens_at: datetime | None = None,
                   closes_at: datetime | None = None, review_policy: str = "after_submit", description: str = "",
                   blueprint: str | None = None, prize_tiers: str = "", rules: str = "",
                   one_prize_per_person: bool = False, practice: bool = False, collective: str | None = None,
                   collective_prizes: str = "", collective_min: int | None = None) -> dict:
    """Check a contest's settings; return its column values or raise 422 listing every bad field (409 when
    the bank cannot fill the blueprint). Without a question count, a blueprint's total (or 20) is used.
    ``practice``: a practice contest (attempts without limit, never ranked: quiz.contest.attempts, ranking).
    ``collective``, ``collective_prizes``, ``collective_min``: quiz.contest.collective (rule, tiers, minimum)."""
    plan = parse_plan(blueprint) if blueprint else None
    if question_count is None:
        question_count = sum(n for _c, n in plan) if plan else 20
    opens_at = opens_at or utcnow()
    closes_at = closes_at or opens_at + timedelta(days=30)
    fields = {}
    if not SLUG_RE.match(slug or ""):
        fields["slug"] = N_("chữ thường không dấu, số và dấu '-', tối đa 64 ký tự")
    if not (title or "").strip():
        fields["title"] = N_("không được để trống")
    if not 1 <= question_count <= 200:
        fields["question_count"] = N_("từ 1 đến 200")
    if not 10 <= time_limit_s <= 24 * 3600:
        fields["time_limit_s"] = N_("từ 10 giây đến 24 giờ")
    if not 1 <= max_attempts <= 1000:
        fields["max_attempts"] = N_("từ 1 đến 1000")
    if closes_at <= opens_at:
        fields["closes_at"] = N_("phải sau thời điểm mở")
    if not isinstance(rules, str) or len(rules) > RULES_MAX_CHARS:
        fields["rules"] = Text(N_("tối đa %(n)s ký tự"), n=Number(RULES_MAX_CHARS))
    if review_policy not in REVIEW_POLICIES:
        fields["review_policy"] = Text(N_("một trong %(list)s"), list=", ".join(REVIEW_POLICIES))
    params = {}
    tiers = tiers_or_problems(prize_tiers, fields, params)
    units = setting_values(collective, collective_min, collective_prizes, fields, params)
    if plan and sum(n for _c, n in plan) != question_count:
        fields["blueprint"] = Text(N_("tổng số câu của cơ cấu đề là %(total)s, khác số câu hỏi %(count)s"),
                                    total=sum(n for _c, n in plan), count=question_count)
    if fields:
        raise invalid(fields, N_("Thông tin cuộc thi không hợp lệ."), params)
    check_fillable(plan or default_plan(question_count), chapter_sizes(s))
    return dict(slug=slug, title=title.strip(), description=description, question_count=question_count,
                time_limit_s=time_limit_s, max_attempts=max_attempts, opens_at=opens_at, closes_at=closes_at,
                review_policy=review_policy, chapter_plan=plan_to_json(plan), prize_tiers=tiers,
                rules=rules.strip() if isinstance(rules, str) else "",
                one_prize_per_person=bool(one_prize_per_person), practice=bool(practice), **units)


def create_contest(s: Session, *, actor: Actor | None = None, organization_id: int | None = None,
                   **settings) -> Contest:
    """Validate and create a contest (settings as in ``contest_values``) of an organization (None: the
    platform's); ``slug_taken`` on a taken slug. Logged as ``actor``'s contest.create in the same transaction."""
    contest = Contest(organization_id=organization_id, **contest_values(s, **settings))
    with audit.recording(s, actor, audit.CONTEST_CREATE, "contest", contest.slug, after=lambda: audit.state(contest)):
        s.add(contest)
        commit_or_conflict(s, DomainError("slug_taken", Text(N_("Đã có cuộc thi với mã %(slug)s."), slug=contest.slug),
                                          {"slug": N_("đã được dùng")}))
    return contest


_KEEP = object()


def update_contest(s: Session, contest: Contest, *, actor: Actor | None = None, organization_id=_KEEP,
                   **settings) -> Contest:
    """Change a contest's settings under the same rules; attempts already taken keep theirs. Logged as
    contest.edit with the settings before and after (nothing when nothing changed). ``organization_id``, when
    given, moves it to that organization (None: the platform's)."""
    before = audit.state(contest)
    values = contest_values(s, slug=contest.slug, **settings)
    if organization_id is not _KEEP:
        values["organization_id"] = organization_id
    changed = values["question_count"] != contest.question_count or values["practice"] != contest.practice
    if changed and s.execute(
            select(func.count()).select_from(Attempt).where(Attempt.contest_id == contest.id)).scalar_one():
        if values["practice"] != contest.practice:  # its attempts were taken under the other rules (limit, ranking)
            raise DomainError("contest_has_attempts", N_("Không thể đổi giữa thi thử và thi chính thức khi cuộc thi đã "
                              "có lượt thi."), {"practice": N_("không đổi được khi đã có lượt thi")})
        raise DomainError("contest_has_attempts", N_("Không thể đổi số câu hỏi khi cuộc thi đã có lượt thi: điểm của "
                          "các lượt sẽ không còn so sánh được với nhau."),
                          {"question_count": N_("không đổi được khi đã có lượt thi")})
    with audit.recording(s, actor, audit.CONTEST_EDIT, "contest", contest.slug, before=before,
                         after=lambda: audit.state(contest)):
        for name, value in values.items():
            setattr(contest, name, value)
        s.commit()
    return contest


def close_now(s: Session, contest: Contest, now: datetime | None = None, *,
              actor: Actor | None = None) -> Contest:
    """Close a contest early: its window ends now (and any round still open with it), and its ranking (and
    that of the round that was open) is frozen, official from now on (a practice contest's only closes). Logged
    as contest.close and ranking.freeze, in one transaction."""
    from quiz.contest import ranking
    from quiz.models import Round

    now = now or utcnow()
    if contest.status_at(now) != "open":
        raise DomainError("not_open", N_("Chỉ đóng sớm được cuộc thi đang mở."))
    before = audit.window_state(s, contest)
    contest.closes_at = now
    cut = []
    for r in s.execute(select(Round).where(Round.contest_id == contest.id, Round.closes_at > now)).scalars():
        if r.opens_at < now:
            r.closes_at = now
            cut.append(r)
        else:
            s.delete(r)  # a round that had not begun cannot happen any more
    s.flush()
    audit.record(s, actor, audit.CONTEST_CLOSE, "contest", contest.slug, before=before,
                 after=audit.window_state(s, contest))
    for rnd in () if contest.practice else (None, *cut):  # a practice contest has no ranking to freeze
        ranking.freeze(s, contest, rnd, actor, commit=False)
    s.commit()
    return contest


def chapter_sizes(s: Session) -> dict[int, int]:
    """Active questions per chapter."""
    return dict(s.execute(select(Question.chapter, func.count()).where(Question.active.is_(True))
                          .group_by(Question.chapter)).all())


def get_contest(s: Session, slug: str) -> Contest:
    """Return the contest or raise 404."""
    c = s.execute(select(Contest).where(Contest.slug == slug)).scalar_one_or_none()
    if c is None:
        raise not_found(N_("Không tìm thấy cuộc thi."))
    return c


def list_contests(s: Session, staff=None) -> list[Contest]:
    """Every contest, newest first; with ``staff``, only those they may manage (quiz.contest.scope)."""
    query = select(Contest).order_by(Contest.opens_at.desc(), Contest.id.desc())
    return list(s.execute(scope.visible(query, staff) if staff is not None else query).scalars())


def user_attempts(s: Session, user_id: int, contest_id: int) -> list[Attempt]:
    return list(s.execute(select(Attempt).where(Attempt.user_id == user_id, Attempt.contest_id == contest_id)
                          .order_by(Attempt.number)).scalars())
