"""Suspicious patterns in a contest (or one round), for organizers to review. Flags, never bans.

1. Many accounts from one place in a short time: at least ``same_source_people`` people registered, or
   started attempts, from one address or one device mark (quiz.web.fingerprint) within ``window_s``.
2. Faster than anyone can read: an attempt submitted (not expired) in under ``min_s_per_question``
   seconds per question with at least ``fast_min_share`` of the questions right. Imported results are
   left out: their times come from another system.
3. Identical answer sheets (quiz.contest.similar_sheets): two people sharing at least ``similar_min_shared``
   answered questions, with the same option in at least ``similar_min_share`` of them, of which at
   least ``similar_min_wrong`` are the same wrong option (right answers alike are what knowing the law
   looks like; the same mistakes are the evidence).

Per-answer timing is not a rule: the quiz page's final sync at submit saves every answer again, so an
answer's ``saved_at`` is not when it was first chosen.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from quiz.contest.similar_sheets import similar_clusters
from quiz.i18n import N_, Text
from quiz.infra.database import reading
from quiz.models import Attempt, AttemptQuestion, Contest, Round, User, utcnow
from quiz.timeutil import iso

KINDS = {
    "registrations_ip": N_("Nhiều tài khoản đăng ký từ cùng một địa chỉ IP"),
    "registrations_device": N_("Nhiều tài khoản đăng ký từ cùng một thiết bị"),
    "starts_ip": N_("Nhiều người bắt đầu làm bài từ cùng một địa chỉ IP"),
    "starts_device": N_("Nhiều người bắt đầu làm bài từ cùng một thiết bị"),
    "fast": N_("Làm bài nhanh hơn tốc độ đọc"),
    "similar": N_("Bài làm giống nhau"),
}


@dataclass(frozen=True)
class Rules:
    window_s: int = 3600
    same_source_people: int = 5
    min_s_per_question: float = 3.0
    fast_min_share: float = 0.75
    similar_min_shared: int = 10
    similar_min_share: float = 0.9
    similar_min_wrong: int = 2
    # A pair of identical wrong choices made by more sheets than this is a common mistake: its bucket is
    # not paired up. At most this many pairs sharing enough questions are checked (quiz.contest.similar_sheets).
    similar_bucket_cap: int = 100
    similar_max_checks: int = 100_000

    def __post_init__(self):
        if self.similar_min_wrong < 2:  # the search buckets sheets by pairs of mistakes
            raise ValueError("SUSPICIOUS_SIMILAR_MIN_WRONG must be at least 2")

    @classmethod
    def from_config(cls, config) -> Rules:
        """The thresholds set in the app's config (SUSPICIOUS_*, quiz.infra.settings), defaults otherwise."""
        values = {}
        for name, default in asdict(cls()).items():
            key = f"SUSPICIOUS_{name.upper()}"
            if key in config:
                try:
                    values[name] = type(default)(config[key])
                except (TypeError, ValueError):
                    kind = "a whole number" if isinstance(default, int) else "a number"
                    raise ValueError(f"{key} must be {kind}, got {config[key]!r}") from None
        return cls(**values)  # raises ValueError for a value out of range (__post_init__)

    def explanations(self) -> dict[str, str]:
        """Each rule in Vietnamese, as the page shows it."""
        minutes = _number(self.window_s / 60)
        example = _number(self.min_s_per_question * 20)
        return {
            "same_source": Text(N_(
                "Từ %(people)s người trở lên đăng ký tài khoản, hoặc bắt đầu làm bài, từ cùng một địa chỉ IP hoặc "
                "cùng một thiết bị trong vòng %(minutes)s phút. Thiết bị được nhận ra qua trình duyệt (loại, phiên "
                "bản, ngôn ngữ), nên nhiều điện thoại cùng loại có thể trông như một thiết bị; một cơ quan, hội "
                "trường hay mạng di động cũng cho nhiều người chung một địa chỉ IP. Nên xem cả hai dấu hiệu cùng "
                "lúc trước khi kết luận."), people=self.same_source_people, minutes=minutes),
            "fast": Text(N_(
                "Bài nộp với thời gian làm bài dưới %(seconds)s giây cho mỗi câu hỏi (ví dụ dưới %(example)s giây "
                "cho 20 câu) mà vẫn đúng từ %(share)s số câu trở lên. Không tính bài hết giờ và kết quả nhập từ nơi "
                "khác."), seconds=_number(self.min_s_per_question), example=example,
                share=_percent(self.fast_min_share)),
            "similar": Text(N_(
                "Hai người khác nhau có ít nhất %(shared)s câu hỏi chung đã trả lời, chọn giống nhau ở ít nhất "
                "%(share)s số câu chung, và trong đó có ít nhất %(wrong)s câu cùng chọn một phương án sai. Cùng trả "
                "lời đúng là điều bình thường, nên chỉ những lựa chọn sai giống nhau mới được coi là dấu hiệu."),
                shared=self.similar_min_shared, share=_percent(self.similar_min_share), wrong=self.similar_min_wrong),
        }


@dataclass
class Flag:
    kind: str
    reason: str
    user_ids: list[int]  # the people, in the order shown
    attempts: list[tuple[int, int]]  # (person, attempt) behind the flag; none for registrations
    detail: dict


def _number(x: float) -> str:
    return (f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))).replace(".", ",")


def _percent(share: float) -> str:
    return _number(round(share * 100, 1)) + "%"


def _where(contest_id: int, round_id: int | None) -> list:
    where = [Attempt.contest_id == contest_id]
    if round_id is not None:
        where.append(Attempt.round_id == round_id)
    return where


def densest_window(events: list[tuple[datetime, int, int | None]], window_s: float, minimum: int):
    """The run of events (time, person, attempt) within ``window_s`` with the most distinct people.

    ``events`` are sorted by time. Return (first index, last index) of that run when it has at least
    ``minimum`` people, else None. Two pointers and a counter: one pass.
    """
    window = timedelta(seconds=window_s)
    people: Counter = Counter()
    best, lo = None, 0
    for hi, (when, person, _attempt) in enumerate(events):
        people[person] += 1
        while events[lo][0] <= when - window:
            gone = events[lo][1]
            people[gone] -= 1
            if not people[gone]:
                del people[gone]
            lo += 1
        if len(people) >= minimum and (best is None or len(people) > best[0]):
            best = (len(people), lo, hi)
    return None if best is None else best[1:]


def _source_flags(rows, kind: str, rules: Rules, zone: ZoneInfo) -> list[Flag]:
    """One flag per address or device whose events (key, time, person, attempt; sorted) crowd a window."""
    flags, by_key = [], {}
    for key, when, person, attempt in rows:
        by_key.setdefault(key, []).append((when, person, attempt))
    for key, events in by_key.items():
        total = len({p for _w, p, _a in events})
        found = densest_window(events, rules.window_s, rules.same_source_people)
        if found is None:
            continue
        lo, hi = found
        run = events[lo:hi + 1]
        people = list(dict.fromkeys(p for _w, p, _a in run))
        minutes = (run[-1][0] - run[0][0]).total_seconds() / 60
        span = Text(N_("chưa đến 1 phút")) if minutes < 1 else Text(N_("%(n)s phút"), n=_number(round(minutes)))
        reason = Text(SAME_SOURCE[kind.startswith("registrations"), kind.endswith("_ip")], n=len(people), key=key,
                      span=span, start=_vn_time(run[0][0], zone), end=_vn_time(run[-1][0], zone), total=total)
        flags.append(Flag(kind, reason, people, [(p, a) for _w, p, a in run if a is not None],
                          {"key": key, "from": iso(run[0][0]), "to": iso(run[-1][0]), "people": len(people),
                           "people_from_here": total}))
    return flags


SAME_SOURCE = {  # (registrations?, by address?): the reason of a same-source flag
    (True, True): N_("%(n)s người đăng ký tài khoản từ địa chỉ IP %(key)s trong %(span)s, từ %(start)s đến "
                     "%(end)s; cả cuộc thi có %(total)s người từ địa chỉ này."),
    (True, False): N_("%(n)s người đăng ký tài khoản từ một thiết bị (mã %(key)s) trong %(span)s, từ %(start)s "
                      "đến %(end)s; cả cuộc thi có %(total)s người từ thiết bị này."),
    (False, True): N_("%(n)s người bắt đầu làm bài từ địa chỉ IP %(key)s trong %(span)s, từ %(start)s đến "
                      "%(end)s; cả cuộc thi có %(total)s người từ địa chỉ này."),
    (False, False): N_("%(n)s người bắt đầu làm bài từ một thiết bị (mã %(key)s) trong %(span)s, từ %(start)s "
                       "đến %(end)s; cả cuộc thi có %(total)s người từ thiết bị này."),
}


def _vn_time(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%H:%M %d/%m/%Y")


def same_source_flags(s: Session, contest_id: int, round_id: int | None, rules: Rules, zone: ZoneInfo) -> list[Flag]:
    """Rule 1: registrations and attempt starts crowding one address or device.

    SQL keeps only the addresses and devices with enough people in the whole scope (a subquery, not a
    list: there may be thousands); only their events come back, sorted, for the sliding window.
    """
    where = _where(contest_id, round_id)
    flags = []
    for kind, column in (("starts_ip", Attempt.ip), ("starts_device", Attempt.device)):
        crowded = (select(column).where(*where, column.is_not(None)).group_by(column)
                   .having(func.count(distinct(Attempt.user_id)) >= rules.same_source_people))
        rows = s.execute(select(column, Attempt.started_at, Attempt.user_id, Attempt.id)
                         .where(*where, column.in_(crowded)).order_by(column, Attempt.started_at, Attempt.id)).all()
        flags += _source_flags(rows, kind, rules, zone)
    people = select(Attempt.user_id).where(*where).distinct()
    for kind, column in (("registrations_ip", User.registered_ip), ("registrations_device", User.registered_device)):
        crowded = (select(column).where(User.id.in_(people), column.is_not(None)).group_by(column)
                   .having(func.count() >= rules.same_source_people))
        rows = s.execute(select(column, User.created_at, User.id)
                         .where(User.id.in_(people), column.in_(crowded))
                         .order_by(column, User.created_at, User.id)).all()
        flags += _source_flags([(*row, None) for row in rows], kind, rules, zone)
    _add_attempts(s, where, [f for f in flags if f.kind.startswith("registrations")])
    return flags


def _add_attempts(s: Session, where: list, flags: list[Flag]) -> None:
    """Registration flags name people, not attempts: add their attempts in scope, for the links."""
    ids = sorted({u for f in flags for u in f.user_ids})
    theirs: dict[int, list[int]] = {}
    for i in range(0, len(ids), 500):
        for person, attempt in s.execute(select(Attempt.user_id, Attempt.id)
                                         .where(*where, Attempt.user_id.in_(ids[i:i + 500]))).all():
            theirs.setdefault(person, []).append(attempt)
    for f in flags:
        f.attempts = [(u, a) for u in f.user_ids for a in theirs.get(u, ())]


def fast_flags(s: Session, contest_id: int, round_id: int | None, rules: Rules) -> list[Flag]:
    """Rule 2, one SQL query: submitted attempts with a drawn paper, too fast for their score."""
    q = (select(Attempt.id, Attempt.user_id, Attempt.score, Attempt.total, Attempt.duration_ms)
         .where(*_where(contest_id, round_id), Attempt.status == "submitted",
                Attempt.duration_ms < Attempt.total * (rules.min_s_per_question * 1000.0),
                Attempt.score >= Attempt.total * rules.fast_min_share,
                exists().where(AttemptQuestion.attempt_id == Attempt.id))
         .order_by(Attempt.duration_ms, Attempt.id))
    flags = []
    for attempt_id, user_id, score, total, ms in s.execute(q).all():
        seconds = Text(N_("chưa đến 0,1")) if ms < 100 else _number(round(ms / 1000, 1))
        reason = Text(N_("Nộp bài sau %(seconds)s giây cho %(total)s câu hỏi (chưa đến %(limit)s giây mỗi câu) mà "
                         "đúng %(score)s/%(total)s câu."), seconds=seconds, total=total,
                      limit=_number(rules.min_s_per_question), score=score)
        flags.append(Flag("fast", reason, [user_id], [(user_id, attempt_id)],
                          {"duration_ms": ms, "score": score, "total": total}))
    return flags


def similar_flags(s: Session, contest_id: int, round_id: int | None, rules: Rules,
                  notes: list | None = None) -> list[Flag]:
    """Rule 3: clusters of people with nearly identical answer sheets (quiz.contest.similar_sheets). Where the
    search had to leave something out, ``notes`` gets a sentence saying what."""
    flags, stats = [], {}
    clusters = similar_clusters(s, contest_id, round_id, rules.similar_min_shared, rules.similar_min_share,
                                rules.similar_min_wrong, rules.similar_bucket_cap, rules.similar_max_checks, stats)
    if notes is not None and stats["skipped_buckets"]:
        notes.append(Text(N_("%(n)s cặp lỗi sai phổ biến (hơn %(cap)s bài cùng mắc) không được dùng để ghép các "
                             "bài giống nhau."), n=stats["skipped_buckets"], cap=rules.similar_bucket_cap))
    if notes is not None and stats["overlapping_pairs"] > rules.similar_max_checks:
        notes.append(Text(N_("Có %(n)s cặp bài có chung từ %(shared)s câu và chung lỗi sai; chỉ %(checks)s cặp "
                             "chung nhiều lỗi sai nhất được so sánh. Đề của mọi người trùng nhau nhiều (ngân hàng "
                             "câu hỏi nhỏ): có thể tăng số câu sai giống nhau cần có "
                             "(SUSPICIOUS_SIMILAR_MIN_WRONG)."), n=stats["overlapping_pairs"],
                          shared=rules.similar_min_shared, checks=rules.similar_max_checks))
    for cluster in clusters:
        best = cluster.best
        share = _percent(best.same / best.shared)
        template = SIMILAR_PAIR if len(cluster.user_ids) == 2 else SIMILAR_GROUP
        reason = Text(template, n=len(cluster.user_ids), same=best.same, shared=best.shared, share=share,
                      wrong=best.same_wrong)
        flags.append(Flag("similar", reason, cluster.user_ids, cluster.attempts,
                          {"pairs": [asdict(p) for p in cluster.pairs[:50]], "pair_count": len(cluster.pairs)}))
    return flags


SIMILAR_PAIR = N_("Hai người có bài làm giống nhau: chọn giống nhau %(same)s/%(shared)s câu chung (%(share)s), "
                  "trong đó %(wrong)s câu cùng chọn một phương án sai.")
SIMILAR_GROUP = N_("%(n)s người có bài làm giống nhau; cặp giống nhất: chọn giống nhau %(same)s/%(shared)s câu "
                   "chung (%(share)s), trong đó %(wrong)s câu cùng chọn một phương án sai.")


def _people(s: Session, ids: set[int]) -> dict[int, dict]:
    """The people named by the flags, in a few queries (chunks keep the IN lists short)."""
    out, ids = {}, sorted(ids)
    for i in range(0, len(ids), 500):
        for u in s.execute(select(User.id, User.full_name, User.email, User.phone, User.unit, User.locality)
                           .where(User.id.in_(ids[i:i + 500]))).all():
            out[u.id] = {"id": u.id, "full_name": u.full_name, "email": u.email or "", "phone": u.phone, "unit": u.unit,
                         "locality": u.locality}
    return out


def build_report(s: Session, contest: Contest, rnd: Round | None = None, rules: Rules | None = None,
                 zone: ZoneInfo | None = None, now: datetime | None = None) -> dict:
    """The whole report as plain JSON-ready values: rules, flags with their people, counts per kind."""
    rules = rules or Rules()
    zone = zone or ZoneInfo("Asia/Ho_Chi_Minh")
    round_id = rnd.id if rnd else None
    notes: list[str] = []
    with reading(s):
        flags = (same_source_flags(s, contest.id, round_id, rules, zone)
                 + fast_flags(s, contest.id, round_id, rules) + similar_flags(s, contest.id, round_id, rules, notes))
        people = _people(s, {uid for f in flags for uid in f.user_ids})
    order = list(KINDS)
    flags.sort(key=lambda f: (order.index(f.kind), -len(f.user_ids)))
    return {
        "contest": contest.slug, "title": contest.title, "round": rnd.number if rnd else None,
        "generated_at": iso(now or utcnow()), "rules": asdict(rules), "explanations": rules.explanations(),
        "counts": {kind: sum(f.kind == kind for f in flags) for kind in KINDS}, "notes": notes,
        "flags": [_flag_json(f, people) for f in flags],
    }


def _flag_json(f: Flag, people: dict[int, dict]) -> dict:
    attempts: dict[int, set] = {}
    for person, attempt in f.attempts:
        attempts.setdefault(person, set()).add(attempt)
    return {"kind": f.kind, "title": KINDS[f.kind], "reason": f.reason,
            "people": [dict(people[u], attempt_ids=sorted(attempts.get(u, ()))) for u in f.user_ids],
            "detail": f.detail}
