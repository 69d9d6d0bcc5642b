"""Winner lists as CSV (UTF-8 with BOM, for Excel) and XLSX, with a digest of the ranking."""
from __future__ import annotations

import csv
import hashlib
import io

from .ranking import RankRow
from .timeutil import iso

COLUMNS = ["rank", "prize", "full_name", "email", "phone", "unit", "locality", "score", "duration_s", "prediction",
           "prediction_error", "submitted_at", "attempt_id"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def winner_rows(ranking: list[RankRow]) -> list[list]:
    """One row per person in ranking order; no prize tiers yet, so the prize column is empty."""
    return [[r.rank, "", r.full_name, r.email, r.phone, r.unit, r.locality, r.score, round(r.duration_ms / 1000, 3),
             r.prediction, r.prediction_error, iso(r.submitted_at), r.attempt_id] for r in ranking]


def ranking_digest(ranking: list[RankRow]) -> str:
    """SHA-256 over (rank, attempt id, score, duration, prediction): equal digests, equal rankings."""
    h = hashlib.sha256()
    for r in ranking:
        h.update(f"{r.rank},{r.attempt_id},{r.score},{r.duration_ms},{r.prediction}\n".encode())
    return h.hexdigest()


def winners_csv(ranking: list[RankRow]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    w.writerows([[_cell(v) for v in row] for row in winner_rows(ranking)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def winners_xlsx(ranking: list[RankRow], title: str) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "winners"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in winner_rows(ranking):
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    info = book.create_sheet("digest")
    info.append(["contest", title])
    info.append(["sha256", ranking_digest(ranking)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
