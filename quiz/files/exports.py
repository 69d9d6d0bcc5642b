"""Winner lists as CSV (UTF-8 with BOM, for Excel) and XLSX (header, frozen panes, digest, collective prizes)."""
from __future__ import annotations

import io
from itertools import chain

from quiz import places
from quiz.contest.prizes import prize_for, prize_places
from quiz.contest.ranking import Ranking
from quiz.files.cells import excel_csv, guard
from quiz.files.xlsx import XlsxDate
from quiz.timeutil import excel_serial, vn_iso

COLUMNS = ["rank", "prize", "full_name", "email", "phone", "unit", "locality", "score", "duration_s", "prediction",
           "prediction_error", "submitted_at", "attempt_id", "unit_code", "locality_code", "province",
           "verdict"]
UNIT_COLUMNS = ["rank", "prize", "unit_code", "unit", "participants", "headcount", "rate", "mean_best"]


def _tuples(ranking: Ranking, dates: bool):
    """(rank, name, email, phone, unit, locality, score, duration_ms, prediction, error, time, attempt id,
    locality code, unit code, user id); the time in Viet Nam as text, or with ``dates`` an Excel serial date."""
    if ranking.rows is None:
        return ranking.export_rows(dates)
    when = excel_serial if dates else vn_iso
    return ((r.rank, r.full_name, r.email, r.phone, r.unit, r.locality, r.score, r.duration_ms, r.prediction,
             r.prediction_error, when(r.submitted_at), r.attempt_id, r.locality_code, r.unit_code, r.user_id)
            for r in ranking.rows)


def winner_rows(ranking: Ranking, tiers: list | None, verdicts: dict | None = None, passed: set | None = None,
                dates: bool = False):
    """One row per person in ranking order (a generator); with prize tiers, only the prize places.

    ``verdicts``: user id -> verdict (the others are pending; disqualified people are not in the ranking).
    ``passed``: people who already won a prize in an earlier round (one prize per person): listed without a
    prize, which goes to the next in line. ``dates``: the time as an XLSX date cell instead of text."""
    places = prize_places(tiers)
    verdicts = verdicts or {}
    passed = passed or set()
    prize, given = "", 0
    for (rank, name, email, phone, unit, locality, score, ms, prediction, error, when, attempt, code, unit_code,
         uid) in _tuples(ranking, dates):
        if places is not None:
            if given >= places:
                return
            if uid in passed:
                prize = ""
            else:
                given += 1
                prize = guard(prize_for(given, tiers))
        # Text columns pass through guard: a cell starting with = + - @ must not run as a formula.
        yield [rank, prize, guard(name), guard(email), guard(phone), guard(unit), guard(locality), score,
               ms / 1000, prediction, error, XlsxDate(when) if dates else when, attempt, guard(unit_code or ""),
               code or "", _province_name(code), verdicts.get(uid, "pending")]


def _province_name(code: str | None) -> str:
    ward = places.ward(code) if code else None
    return ward.province.name if ward else ""


def winners_csv(ranking: Ranking, tiers: list | None, verdicts: dict | None = None,
                passed: set | None = None) -> bytes:
    return excel_csv(chain([COLUMNS], winner_rows(ranking, tiers, verdicts, passed)))


def winner_list(s, contest, rnd, fmt: str) -> tuple[bytes, Ranking, list | None]:
    """The winner list file ("csv" or "xlsx") as the API and ``flask winners`` give it, with its ranking and
    the prize tiers used (a round's own, else the contest's)."""
    from quiz.contest import ranking, verdicts
    from quiz.contest.collective import collective

    round_id = rnd.id if rnd else None
    result = ranking.ranking(s, contest, rnd, for_export=True)
    tiers = rnd.prize_tiers if rnd and rnd.prize_tiers is not None else contest.prize_tiers
    decided = {uid: v.verdict for uid, v in verdicts.verdicts_of(s, contest.id, round_id).items()}
    passed = verdicts.earlier_winners(s, contest, rnd)
    if fmt == "csv":
        return winners_csv(result, tiers, decided, passed), result, tiers
    _settings, units = collective(s, contest, rnd)
    return winners_xlsx(result, tiers, contest.title, units, decided, passed), result, tiers


def winners_xlsx(ranking: Ranking, tiers: list | None, title: str, units: list, verdicts: dict | None = None,
                 passed: set | None = None) -> bytes:
    """The workbook: winners (bold frozen header), collective prizes (``units``: the ranked rows of
    quiz.contest.collective), and the ranking's digest."""
    from quiz.files.xlsx import write_workbook

    out = io.BytesIO()
    write_workbook(out, [
        ("winners", COLUMNS, winner_rows(ranking, tiers, verdicts, passed, dates=True)),
        ("collective", UNIT_COLUMNS, ([u.rank, guard(u.prize), guard(u.unit_code or ""), guard(u.unit),
                                       u.participants, u.headcount, u.rate, u.mean_best] for u in units)),
        ("digest", ["field", "value"], [
            ["contest", guard(title)], ["sha256", ranking.digest],
            ["frozen", "yes" if ranking.frozen else "no (provisional: the round is still open)"],
            ["frozen_at", vn_iso(ranking.frozen_at) or ""], ["perfect_attempts", ranking.truth]]),
    ])
    return out.getvalue()


SUSPICIOUS_COLUMNS = ["Dấu hiệu số", "Loại", "Mô tả", "Lý do", "Họ và tên", "Email", "Điện thoại", "Đơn vị",
                      "Địa phương", "Lượt thi"]


def suspicious_csv(report: dict) -> bytes:
    """The suspicious-pattern report (quiz.contest.suspicious), one row per person per flag, for Excel."""
    return excel_csv(chain([SUSPICIOUS_COLUMNS], (
        [number, flag["kind"], guard(flag["title"]), guard(flag["reason"]), guard(p["full_name"]), guard(p["email"]),
         guard(p["phone"]), guard(p["unit"]), guard(p["locality"]), " ".join(map(str, p["attempt_ids"]))]
        for number, flag in enumerate(report["flags"], start=1) for p in flag["people"])))
