"""An organization's unit directory and the enrollment of people in a contest's unit.

A directory lists the organization's units (a cooperative, a commune office...): a code unique in the
organization, a name, an optional official ward and an optional headcount. It comes from a .csv or .xlsx file
(``read_units`` checks every row, never touching the database; ``import_units`` writes a clean file in one
transaction: a code that exists is updated) and is edited one unit at a time by organizers.

The first time a person takes part in a contest whose organization has a directory, they pick their unit
(``enroll``); until then starting an attempt answers 409 ``enrollment_required`` (``require_enrollment``). Their
choice is fixed once an attempt exists (409 ``enrollment_locked``); staff can still move them (``move``,
audited), and their counted attempts move with them (quiz.contest.tallies.move_unit).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from quiz import places
from quiz.contest import tallies
from quiz.errors import DomainError, invalid, not_found
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import reading
from quiz.messages import FileProblems, Problem
from quiz.models import Attempt, Contest, Enrollment, Organization, Unit, User
from quiz.search import fold

COLUMNS = ["code", "name", "locality_code", "headcount"]
REQUIRED = ["code", "name"]
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
CODE_MAX = 40
NAME_MAX = 200
SEARCH_LIMIT = 20
PAGE_SIZE = 50


class UnitFileError(FileProblems):
    """A unit file that cannot be imported; ``problems`` lists every bad row."""


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    locality_code: str | None
    headcount: int | None
    row: int = 0


@dataclass
class ImportReport:
    created: int
    updated: int
    unchanged: int


def search_text(code: str, name: str) -> str:
    return fold(f"{code} {name}")[:260]


def check_fields(code: str, name: str, locality_code: str, headcount: str) -> tuple[UnitRow | None, list]:
    """One unit's fields as text: (the unit, []) or (None, [(problem code, params), ...])."""
    problems = []
    if not code:
        problems.append(("empty", {"column": "code"}))
    elif not CODE_RE.match(code):
        problems.append(("code_invalid", {"code": code, "max": CODE_MAX}))
    if not 1 <= len(name) <= NAME_MAX:
        problems.append(("unit_name_length", {}))
    if locality_code and places.ward(locality_code) is None:
        problems.append(("ward_unknown", {"value": locality_code}))
    count = None
    if headcount:
        try:
            count = int(headcount)
        except ValueError:
            count = -1
        if count < 0:
            problems.append(("headcount_invalid", {"value": headcount}))
    if problems:
        return None, problems
    return UnitRow(code, name, locality_code or None, count), []


def read_units(path: str | Path, data: bytes | None = None, progress=None) -> list[UnitRow]:
    """Check every row of a unit file (.csv or .xlsx, columns code,name,locality_code,headcount); return the
    units, or raise UnitFileError with every bad row (``FILE:ROW: problem``). Never touches the database."""
    from quiz.bank.question_files import read_table

    name = Path(str(path)).name
    if data is None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise UnitFileError([Problem(name, 0, "no_such_file")]) from None
    try:
        header, rows = read_table(name, data)
    except FileProblems as exc:
        raise UnitFileError(exc.problems) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UnitFileError([Problem(name, 1, "missing_columns", {"columns": ", ".join(missing)})])
    index = {c: header.index(c) for c in COLUMNS if c in header}
    out, problems, first = [], [], {}
    for rownum, row in enumerate(rows, start=2):
        if progress and rownum % 5000 == 0:
            progress(rownum)
        if not any(row):
            continue
        cells = {c: (row[i] if i < len(row) else "") for c, i in index.items()}
        unit, bad = check_fields(cells["code"], cells["name"], cells.get("locality_code", ""),
                                 cells.get("headcount", ""))
        problems += [Problem(name, rownum, code, params) for code, params in bad]
        if unit is None:
            continue
        if unit.code in first:
            problems.append(Problem(name, rownum, "code_repeats", {"code": unit.code, "first": first[unit.code]}))
            continue
        first[unit.code] = rownum
        out.append(UnitRow(unit.code, unit.name, unit.locality_code, unit.headcount, rownum))
    if problems:
        raise UnitFileError(problems)
    if not out:
        raise UnitFileError([Problem(name, 0, "no_rows")])
    return out


def _state(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "locality_code": unit.locality_code, "headcount": unit.headcount}


def import_units(s: Session, org: Organization, rows: list[UnitRow], actor: Actor | None = None,
                 source: str = "") -> ImportReport:
    """Write checked units into ``org``'s directory in one transaction: new codes are added, a code that exists
    is updated. Logged as ``actor``'s units.import with the counts."""
    existing = {u.code: u for u in s.execute(select(Unit).where(Unit.organization_id == org.id)).scalars()}
    new, changed = [], 0
    for r in rows:
        unit = existing.get(r.code)
        if unit is None:
            new.append({"organization_id": org.id, "code": r.code, "name": r.name, "locality_code": r.locality_code,
                        "headcount": r.headcount, "search_text": search_text(r.code, r.name)})
        elif (unit.name, unit.locality_code, unit.headcount) != (r.name, r.locality_code, r.headcount):
            unit.name, unit.locality_code, unit.headcount = r.name, r.locality_code, r.headcount
            unit.search_text = search_text(r.code, r.name)
            changed += 1
    report = ImportReport(len(new), changed, len(rows) - len(new) - changed)
    if new:
        s.execute(Unit.__table__.insert(), new)
    audit.record(s, actor, audit.UNITS_IMPORT, "organization", org.slug,
                 after={"file": source, "rows": len(rows), "created": report.created, "updated": report.updated})
    s.commit()
    if new and s.get_bind().dialect.name == "postgresql":
        # Fresh statistics at once (autovacuum would take up to a minute): the planner then chooses between the
        # name-order index and the trigram index (migration 4f8b2c6d1e90) by how many units a word matches.
        s.execute(text("ANALYZE unit"))
        s.commit()
    return report


def has_directory(s: Session, organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    return s.execute(select(Unit.id).where(Unit.organization_id == organization_id).limit(1)).first() is not None


def _matching(organization_id: int, q: str):
    where = [Unit.organization_id == organization_id]
    for word in fold(q or "").split()[:8]:
        where.append(Unit.search_text.contains(word, autoescape=True))
    return where


def search_units(s: Session, organization_id: int | None, q: str = "", limit: int = SEARCH_LIMIT,
                 offset: int = 0) -> tuple[list[Unit], int]:
    """Units whose code or name holds every word of ``q``, with or without diacritics ("thang thuy" finds
    "Thắng Thủy"), by name; and how many match in all."""
    if organization_id is None:
        return [], 0
    where = _matching(organization_id, q)
    with reading(s):
        total = s.execute(select(func.count()).select_from(Unit).where(*where)).scalar_one()
        units = list(s.execute(select(Unit).where(*where).order_by(Unit.name, Unit.code)
                               .limit(limit).offset(offset)).scalars())
    return units, total


def find_units(s: Session, organization_id: int | None, q: str = "", limit: int = SEARCH_LIMIT) -> list:
    """The first ``limit`` units (code, name) matching ``q`` by name, for the participants' picker: read from the
    (organization, name, code, search text) index alone, stopping at ``limit``."""
    if organization_id is None:
        return []
    with reading(s):
        return list(s.execute(select(Unit.code, Unit.name).where(*_matching(organization_id, q))
                              .order_by(Unit.name, Unit.code).limit(limit)).all())


def get_unit(s: Session, organization_id: int | None, code: str) -> Unit | None:
    if organization_id is None or not code:
        return None
    return s.execute(select(Unit).where(Unit.organization_id == organization_id, Unit.code == code)
                     ).scalar_one_or_none()


def edit_unit(s: Session, unit: Unit, *, name: str, locality_code: str, headcount: str,
              actor: Actor | None) -> Unit:
    """Change a unit's name, ward and headcount (its code stays: enrollments and counters use it); 422 with
    every bad field, nothing changed. Logged as unit.edit."""
    name, locality_code, headcount = (name or "").strip(), (locality_code or "").strip(), (headcount or "").strip()
    checked, problems = check_fields(unit.code, name, locality_code, headcount)
    if problems:
        from quiz.messages import TEMPLATES

        fields = {}
        for code, params in problems:
            field = {"unit_name_length": "name", "ward_unknown": "locality_code",
                     "headcount_invalid": "headcount"}.get(code, "code")
            fields[field] = TEMPLATES["vi"][code].format(**params)
        raise invalid(fields, N_("Thông tin đơn vị không hợp lệ."))
    org = s.get(Organization, unit.organization_id)
    with audit.recording(s, actor, audit.UNIT_EDIT, "unit", f"{org.slug}/{unit.code}", before=_state(unit),
                         after=lambda: _state(unit)):
        unit.name, unit.locality_code, unit.headcount = checked.name, checked.locality_code, checked.headcount
        unit.search_text = search_text(unit.code, unit.name)
        s.commit()
    return unit


def enrollment_of(s: Session, user_id: int, contest_id: int) -> Unit | None:
    """The unit the person enrolled in for the contest, or None."""
    return s.execute(select(Unit).join(Enrollment, Enrollment.unit_id == Unit.id)
                     .where(Enrollment.user_id == user_id, Enrollment.contest_id == contest_id)).scalar_one_or_none()


def needs_enrollment(s: Session, user_id: int, contest: Contest) -> bool:
    """Must the person pick a unit before taking part? (The organization has a directory; they have not.)"""
    return has_directory(s, contest.organization_id) and enrollment_of(s, user_id, contest.id) is None


def require_enrollment(s: Session, user_id: int, contest: Contest) -> None:
    if needs_enrollment(s, user_id, contest):
        raise DomainError("enrollment_required",
                          N_("Vui lòng chọn đơn vị của bạn trong danh mục trước khi bắt đầu thi."))


def _unknown_code() -> DomainError:
    return invalid({"unit_code": N_("không có trong danh mục đơn vị của tổ chức")}, N_("Mã đơn vị không hợp lệ."))


def _has_attempt(s: Session, user_id: int, contest_id: int) -> bool:
    return s.execute(select(Attempt.id).where(Attempt.user_id == user_id, Attempt.contest_id == contest_id)
                     .limit(1)).first() is not None


def enroll(s: Session, user_id: int, contest: Contest, unit_code: str) -> tuple[Unit, bool]:
    """The person picks their unit for ``contest``: (the unit, True when the choice was new or changed). The same
    choice again changes nothing; 422 ``fields.unit_code`` for a code not in the directory; 409
    ``enrollment_locked`` to change it once an attempt exists."""
    unit = get_unit(s, contest.organization_id, (unit_code or "").strip()) if isinstance(unit_code, str) else None
    if unit is None:
        raise _unknown_code()
    current = s.get(Enrollment, (user_id, contest.id))
    if current is not None and current.unit_id == unit.id:
        return unit, False
    if current is not None and _has_attempt(s, user_id, contest.id):
        raise DomainError("enrollment_locked", N_("Bạn đã thi nên không đổi được đơn vị. Hãy liên hệ ban tổ chức."))
    if current is None:
        s.add(Enrollment(user_id=user_id, contest_id=contest.id, unit_id=unit.id))
    else:
        current.unit_id = unit.id
    from quiz.infra.database import commit_or_conflict

    commit_or_conflict(s, DomainError("busy", N_("Hệ thống đang bận, vui lòng thử lại.")))
    return unit, True


def move(s: Session, contest: Contest, user: User, unit_code: str, actor: Actor | None) -> Unit:
    """Staff move a person to another unit of ``contest``'s directory, attempts or not; their counted attempts
    move with them in the same transaction. Logged as enrollment.move (the person by account id)."""
    unit = get_unit(s, contest.organization_id, (unit_code or "").strip())
    if unit is None:
        raise _unknown_code()
    current = s.get(Enrollment, (user.id, contest.id))
    old = s.get(Unit, current.unit_id) if current is not None else None
    if old is not None and old.id == unit.id:
        return unit
    before = {"unit_code": old.code if old else None}
    with audit.recording(s, actor, audit.ENROLLMENT_MOVE, "enrollment", f"{contest.slug}/{user.id}",
                         before=before, after={"unit_code": unit.code}):
        if current is None:
            s.add(Enrollment(user_id=user.id, contest_id=contest.id, unit_id=unit.id))
        else:
            current.unit_id = unit.id
        s.flush()
        tallies.move_unit(s.connection(), user.id, contest.id,
                          tallies.unit_label(user.unit, old.code if old else None), tallies.unit_label("", unit.code))
        s.commit()
    return unit


def names_of(s: Session, organization_id: int | None, codes) -> dict[str, str]:
    """The directory's names of these codes."""
    codes = list(codes)
    if organization_id is None or not codes:
        return {}
    return dict(s.execute(select(Unit.code, Unit.name).where(Unit.organization_id == organization_id,
                                                             Unit.code.in_(codes))).all())


def require_unit(s: Session, organization_id: int, code: str) -> Unit:
    unit = get_unit(s, organization_id, code)
    if unit is None:
        raise not_found(Text(N_("Không tìm thấy đơn vị %(code)s."), code=code))
    return unit


def lookup(s: Session, organization_id: int | None) -> dict[str, tuple[int, str]]:
    """The directory as a results file may name its units: code or exact name -> (unit id, code); a code wins
    over another unit's name. Empty without a directory."""
    if organization_id is None:
        return {}
    rows = s.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.organization_id == organization_id)).all()
    found = {name: (uid, code) for uid, code, name in rows}
    found.update({code: (uid, code) for uid, code, _name in rows})
    return found
