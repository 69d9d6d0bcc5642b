"""All tables. Constraints here carry the contest's invariants:

* one open attempt per person and contest (partial unique index);
* at most ``max_attempts`` attempts (unique attempt number, checked on insert);
* one answer per question per attempt (primary key);
* one score per attempt (submit is a conditional UPDATE on the open status).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from quiz import roles
from quiz.infra.extensions import db

REVIEW_POLICIES = ("never", "after_submit", "after_close")
OPEN = "in_progress"


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Store naive UTC (SQLite has no time zones), always hand back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Organization(db.Model):
    """Who runs contests: a provincial or city Cooperative Alliance, the national one. Its staff (users with its
    id) see and manage only its contests (quiz.contest.scope); contests and staff without one are the platform's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The logo as PNG or JPEG bytes (checked when uploaded), loaded only when served; logo_hash (None: no logo)
    # names its version in the logo's URL, so browsers may keep it.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_hash: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Indexes a migration creates only where the database allows it, so the models do not declare them: on
# PostgreSQL with pg_trgm, a trigram index on unit.search_text for the unit search (migration 4f8b2c6d1e90).
OPTIONAL_INDEXES = frozenset({"ix_unit_search_trgm"})


class Unit(db.Model):
    """One unit (a cooperative, a commune's office...) in an organization's directory: participants of the
    organization's contests pick theirs once per contest (Enrollment), so two spellings never split a unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    locality_code: Mapped[str | None] = mapped_column(String(5))  # an official ward (quiz.places), or none
    headcount: Mapped[int | None]
    # Code and name folded to lower case without diacritics (quiz.search.fold): "thang thuy" finds "Thắng Thủy".
    search_text: Mapped[str] = mapped_column(String(260), default="")

    __table_args__ = (UniqueConstraint("organization_id", "code"),
                      # The search walks this in name order and stops at the page's end, reading the index only
                      # (bench/units.py): no sort of every match, no table row per unit.
                      Index("ix_unit_org_name", "organization_id", "name", "code", "search_text"),
                      CheckConstraint("headcount is null or headcount >= 0", name="headcount"))


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # None: an account by phone number only (``mobile``); an account has an email, a mobile number or both.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: imported, cannot log in yet
    full_name: Mapped[str] = mapped_column(String(120))
    # The phone as shown (profile, winner lists): the normalised mobile number since accounts by phone
    # (quiz.accounts.phones), older rows' free text when it was not one.
    phone: Mapped[str] = mapped_column(String(20), default="")
    # The Vietnamese mobile number the account logs in with and gets reset codes on, normalised (0XXXXXXXXX),
    # unique. None: no valid number, or (old data) a later duplicate of another account's number.
    mobile: Mapped[str | None] = mapped_column(String(10))
    # The password reset code sent by SMS (quiz.accounts.sms_reset): its keyed hash, until when it works and
    # the wrong tries spent on it. A used, expired or exhausted code is cleared or refused.
    sms_code_hash: Mapped[str | None] = mapped_column(String(64))
    sms_code_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_code_tries: Mapped[int] = mapped_column(default=0, server_default="0")
    unit: Mapped[str] = mapped_column(String(200), default="")
    locality: Mapped[str] = mapped_column(String(120), default="")
    # The official ward (quiz.places, five digits) when the person picked one; ``locality`` then holds its
    # full name too, so pages that show the text keep working. None: free text only (old data, imports).
    locality_code: Mapped[str | None] = mapped_column(String(5))
    role: Mapped[str] = mapped_column(String(12), default=roles.DEFAULT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by every password change or reset. Sessions and remember-me cookies carry it (get_id), so the
    # account's other sessions stop working on every app server at once (quiz.accounts.session_version).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # When a reset link was last mailed: at most one a minute, so nobody can flood an inbox through us.
    reset_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the account was made, for the suspicious-pattern report (quiz.contest.suspicious): the client's
    # address and a keyed hash of its browser (quiz.web.fingerprint), never the raw User-Agent.
    registered_ip: Mapped[str | None] = mapped_column(String(45))
    registered_device: Mapped[str | None] = mapped_column(String(16))
    # Consent to the privacy notice (/privacy): the notice's version and when. None: not given yet (an account
    # made by a results import or by the command line), and such a person cannot take part until they give it.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person's data were erased (on request or by the retention purge, quiz.accounts.privacy): the
    # row stays, anonymised, so their attempts keep counting in statistics and rankings.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff of one organization (organizer, judge): they see only its contests. None: the platform's own staff
    # (and every participant and admin).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))

    __table_args__ = (CheckConstraint("role in (" + ",".join(f"'{r}'" for r in roles.ALL) + ")", name="role"),
                      # A unique index (not a constraint): SQLite adds it without rebuilding the table.
                      Index("uq_user_mobile", "mobile", unique=True))

    # What Flask-Login asks of a user object (its UserMixin, without importing it): every account may log in.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The login id kept in the session: the user's id and session version ("12:0")."""
        return f"{self.id}:{self.session_version}"


class LoginFailure(db.Model):
    """Failed logins per email (unknown emails too, so a lockout says nothing about who is registered).

    Kept in the database so every app server sees the same count (quiz.accounts.lockout)."""

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the normalised email
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(db.Model):
    """One organizer, judge, admin or command-line action. Append-only: no route changes it, and database
    triggers (see the migration) refuse UPDATE and DELETE."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None]  # no foreign key: the record outlives any change to the account
    actor_email: Mapped[str] = mapped_column(String(254), default="")  # "cli" or "system" without an account
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))


class Question(db.Model):
    """A question's stable identity; its wording lives in versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    chapter: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_version.id", use_alter=True, name="fk_question_current_version"))


class QuestionVersion(db.Model):
    """One immutable wording of a question; attempts point here, so edits never change the past."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    version: Mapped[int]
    chapter: Mapped[int]
    article: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)  # list of option texts, original order
    correct: Mapped[int]  # index into options
    explanation: Mapped[str] = mapped_column(Text)
    source_quote: Mapped[str] = mapped_column(Text, default="")
    # Stem, options and article folded to lower case without diacritics, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("question_id", "version"),)


class Window:
    """A time window [opens_at, closes_at): the one rule for whether a contest or a round is open."""

    opens_at: datetime
    closes_at: datetime

    def status_at(self, now: datetime) -> str:
        """Return upcoming, open or closed at ``now``."""
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class Contest(Window, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question_count: Mapped[int] = mapped_column(default=20)
    time_limit_s: Mapped[int] = mapped_column(default=1200)
    max_attempts: Mapped[int] = mapped_column(default=3)
    review_policy: Mapped[str] = mapped_column(String(16), default="after_submit")
    # How many questions to draw from each chapter: [[[chapters...], count], ...] (quiz.contest.chapter_plan);
    # None: the default plan. The column keeps its first name, "blueprint" (the --blueprint option's).
    chapter_plan: Mapped[list | None] = mapped_column("blueprint", JSON)
    # [[how many, "prize name"], ...] in order (quiz.contest.prizes); None: no tiers, the whole ranking
    prize_tiers: Mapped[list | None] = mapped_column(JSON)
    # Nobody wins a prize in more than one round: the next in line gets it (rounds in number order).
    one_prize_per_person: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Collective prizes (quiz.contest.collective): how units are ranked, the fewest participants a ranked unit
    # has, and the tiers ([[how many, "prize name"], ...]; None: no collective prizes, the whole ranking).
    collective_rule: Mapped[str] = mapped_column(String(20), default="participants", server_default="participants")
    collective_min: Mapped[int] = mapped_column(default=1, server_default="1")
    collective_tiers: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The organization running it (None: the platform's own contest), and its rules page (thể lệ) as Markdown
    # ("" for none), shown through quiz.contest.rules (raw HTML off).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    rules: Mapped[str] = mapped_column(Text, default="", server_default="")
    organization: Mapped[Organization | None] = relationship(lazy="joined")
    # A practice contest (thi thử): attempts without limit, review after each submit, never ranked (no leaderboard,
    # prizes, freeze or certificates), and its attempts count in no other contest's or platform figure.
    practice: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("question_count > 0 and time_limit_s > 0 and max_attempts > 0", name="positive"),
        CheckConstraint("closes_at > opens_at", name="window"),
    )


class Round(Window, db.Model):
    """A round of a contest (e.g. one week), with its own window, attempt limit, prizes and ranking."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_attempts: Mapped[int | None]  # None: the contest's
    prize_tiers: Mapped[list | None] = mapped_column(JSON)  # None: the contest's
    # The round's own collective rule, minimum and tiers (quiz.contest.collective); each None: the contest's.
    collective_rule: Mapped[str | None] = mapped_column(String(20))
    collective_min: Mapped[int | None]
    collective_tiers: Mapped[list | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("contest_id", "number"),
                      CheckConstraint("closes_at > opens_at", name="window"))


class RankingFreeze(db.Model):
    """A ranking frozen when its round (or contest) closed; exports read it, not the live attempts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen_by: Mapped[str] = mapped_column(String(254), default="")  # "" when frozen automatically at close
    truth: Mapped[int]  # perfect attempts: what the predictions are measured against
    rows: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    current: Mapped[bool] = mapped_column(default=True)  # False once an admin re-froze it
    # The freeze's history after the fact: [{"at", "reason": "request" or "retention", "rank"}, ...], one item
    # each time a listed person's data were erased (quiz.accounts.privacy). Order and digest never change.
    erasures: Mapped[list | None] = mapped_column(JSON)
    # Why this version was frozen ("" for a close or an admin's freeze; a judge's verdict says whose and why).
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (Index("ix_ranking_freeze_scope", "contest_id", "round_id", "current"),)


VERDICTS = ("verified", "disqualified", "pending")


class Verdict(db.Model):
    """A judge's verdict on one person for a contest's whole ranking (round_id None) or one round's: the
    latest is the row (one per scope and person); the audit log keeps every change. ``disqualified`` takes
    the person out of that ranking and its prizes (quiz.contest.verdicts)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    scope: Mapped[int]  # the round's id, 0 for the whole contest (one verdict per scope and person)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    verdict: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("contest_id", "scope", "user_id", name="uq_verdict_scope_user"),
        CheckConstraint("verdict in (" + ",".join(f"'{v}'" for v in VERDICTS) + ")", name="verdict"),
    )


class StatsSnapshot(db.Model):
    """The last statistics report of a contest (round_key 0) or round, shared by every app server."""

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    round_key: Mapped[int] = mapped_column(primary_key=True)  # the round's id, 0 for the whole contest
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[dict] = mapped_column(JSON)
    # While set and in the future, one server is computing a newer report (a lease, so only one does).
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScoreTally(db.Model):
    """Counters the statistics report reads instead of scanning every attempt.

    Kept by the transaction that scores an attempt (quiz.contest.tallies). ``scope`` is
    0 for the whole contest or a round's id. ``kind``: ``a`` finished attempts,
    ``b`` best attempt per person, ``p`` people (score 0), ``s`` the sum of the best scores of a unit's
    people (score 0; collective prizes, quiz.contest.collective); ``label``: '' for all,
    ``u:UNIT``, ``l:LOCALITY``, ``d:YYYY-MM-DD`` (a day in Viet Nam).
    """

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    scope: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    label: Mapped[str] = mapped_column(String(210), primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class ItemTally(db.Model):
    """How often a question version was answered with each choice (-1: left blank), by the attempt's score."""

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    scope: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True)
    choice: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class PersonBest(db.Model):
    """A person's best score in a contest (scope 0) or round: moves the ``b`` tallies when it improves.

    No foreign keys: rows are derived from attempts (which hold them) and a
    results import writes 700,000 at once; checking each against user and
    contest cost PostgreSQL seconds for nothing.
    """

    contest_id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    best: Mapped[int]


class RankingEntry(db.Model):
    freeze_id: Mapped[int] = mapped_column(ForeignKey("ranking_freeze.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    score: Mapped[int]
    total: Mapped[int]
    duration_ms: Mapped[int]
    prediction: Mapped[int | None]
    prediction_error: Mapped[int | None]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The person as they were at the freeze: the winner list reads one table, and a later
    # profile edit does not change a frozen list.
    full_name: Mapped[str] = mapped_column(String(120), server_default="")
    email: Mapped[str] = mapped_column(String(254), server_default="")
    phone: Mapped[str] = mapped_column(String(20), server_default="")
    unit: Mapped[str] = mapped_column(String(200), server_default="")
    locality: Mapped[str] = mapped_column(String(120), server_default="")
    locality_code: Mapped[str | None] = mapped_column(String(5))
    unit_code: Mapped[str | None] = mapped_column(String(40))  # the directory's code when the person enrolled


class Attempt(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    number: Mapped[int]  # 1..max_attempts for this person in this contest
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None]
    total: Mapped[int]
    duration_ms: Mapped[int | None]
    prediction: Mapped[int | None]
    # Where it was started (as on user: address and browser hash); None for imported results.
    ip: Mapped[str | None] = mapped_column(String(45))
    device: Mapped[str | None] = mapped_column(String(16))
    # The attempt's own time limit when it started: the contest's plus the person's extra time
    # (quiz.contest.accommodations); deadline = started_at + time_limit_s. None: the contest's (older and imported
    # rows). The ranking's time tie-break compares time taken as a share of it (quiz.contest.ranking).
    time_limit_s: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("user_id", "contest_id", "number"),
        Index("uq_attempt_one_open", "user_id", "contest_id", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
        Index("ix_attempt_open_deadline", "deadline",
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
        # Histograms and the live top of a ranking read these: by score, then predictions nearest the truth.
        # (A finished attempt is one with a score: open attempts have none, so no status column is needed.)
        Index("ix_attempt_rank", "contest_id", "score", "prediction"),
        Index("ix_attempt_round_rank", "round_id", "score", "prediction"),
        CheckConstraint("status in ('in_progress','submitted','expired')", name="status"),
        CheckConstraint("number > 0", name="number"),
    )


class AttemptQuestion(db.Model):
    """A question as drawn for one attempt: its position and its shuffled, opaque options."""

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    position: Mapped[int]
    # Display order: [[opaque option id, index into the version's options], ...]
    options: Mapped[list] = mapped_column(JSON)


class Answer(db.Model):
    attempt_id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[str] = mapped_column(String(16))
    option_index: Mapped[int]  # index into the version's options, for scoring in SQL
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        db.ForeignKeyConstraint(["attempt_id", "question_id"],
                                ["attempt_question.attempt_id", "attempt_question.question_id"], ondelete="CASCADE"),
    )


class Certificate(db.Model):
    """A certificate as issued: a prize one (a winner of a frozen ranking) or a participation one. The code is
    random (``secrets``); whether it is still valid is decided when it is verified, against the current freeze
    (quiz.contest.certificates)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    round_key: Mapped[int] = mapped_column(default=0)  # the round's id, 0 for the whole contest (unique below)
    kind: Mapped[str] = mapped_column(String(16))  # prize or participation
    prize: Mapped[str] = mapped_column(String(80), default="")  # "" for participation
    rank: Mapped[int | None]
    score: Mapped[int | None]
    total: Mapped[int | None]
    full_name: Mapped[str] = mapped_column(String(120))  # as printed
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(64), default="")  # the frozen ranking's, "" when none

    __table_args__ = (UniqueConstraint("user_id", "contest_id", "round_key", "kind", "prize"),
                      Index("ix_certificate_scope", "contest_id", "round_key", "kind"),
                      CheckConstraint("kind in ('prize','participation')", name="kind"))


class Enrollment(db.Model):
    """The unit a person belongs to in one contest, picked from its organization's directory before their first
    attempt. Fixed once an attempt exists (staff can still move someone, audited: quiz.contest.units)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionReport(db.Model):
    """A participant's report of a problem with a question, from one of their attempts, for the organizers: the
    question as that attempt showed it (``shown``: its text and options in the paper's order, kept as they were,
    whatever later versions say), the message, and once handled, the note, who resolved it and when
    (quiz.contest.reports)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), index=True)
    shown: Mapped[dict] = mapped_column(JSON)  # {"text": ..., "options": [...]} as displayed in the attempt
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="", server_default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_question_report_question", "question_id", "status"),
                      Index("ix_question_report_status", "status", "created_at"),
                      CheckConstraint("status in ('open','resolved')", name="status"))


class Accommodation(db.Model):
    """Extra time (seconds) and extra attempts one person gets in one contest, for their attempts started after it
    was set (quiz.contest.accommodations). No row: none; setting 0 and 0 removes the row."""

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    extra_time_s: Mapped[int] = mapped_column(default=0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    set_by: Mapped[str] = mapped_column(String(254), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("extra_time_s >= 0 and extra_attempts >= 0 "
                                      "and extra_time_s + extra_attempts > 0", name="extras"),)
