"""Winner lists as CSV (UTF-8 with BOM, for Excel) and XLSX (header, frozen panes, digest, collective prizes)."""
from __future__ import annotations

import csv
import io

from .prizes import prize_for, prize_places
from .ranking import Ranking
from .timeutil import iso

COLUMNS = ["rank", "prize", "full_name", "email", "phone", "unit", "locality", "score", "duration_s", "prediction",
           "prediction_error", "submitted_at", "attempt_id"]
UNIT_COLUMNS = ["rank", "unit", "participants", "attempts"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def winner_rows(ranking: Ranking, tiers: list | None) -> list[list]:
    """One row per person in ranking order; with prize tiers, only the prize places."""
    places = prize_places(tiers)
    rows = ranking.rows if places is None else ranking.rows[:places]
    return [[r.rank, prize_for(r.rank, tiers), r.full_name, r.email, r.phone, r.unit, r.locality, r.score,
             round(r.duration_ms / 1000, 3), r.prediction, r.prediction_error, iso(r.submitted_at), r.attempt_id]
            for r in rows]


def winners_csv(ranking: Ranking, tiers: list | None) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    w.writerows([[_cell(v) for v in row] for row in winner_rows(ranking, tiers)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def winners_xlsx(ranking: Ranking, tiers: list | None, title: str, units: list) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    sheet.title = "winners"
    sheet.append(COLUMNS)
    for row in winner_rows(ranking, tiers):
        sheet.append([_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    collective = book.create_sheet("collective")
    collective.append(UNIT_COLUMNS)
    for i, (unit, participants, attempts) in enumerate(units, start=1):
        collective.append([i, _cell(unit), participants, attempts])
    collective.freeze_panes = "A2"
    info = book.create_sheet("digest")
    info.append(["contest", _cell(title)])
    info.append(["sha256", ranking.digest])
    info.append(["frozen", "yes" if ranking.frozen else "no (provisional: the round is still open)"])
    info.append(["frozen_at", iso(ranking.frozen_at) or ""])
    info.append(["perfect_attempts", ranking.truth])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
