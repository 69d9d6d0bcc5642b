"""Text cells of exported spreadsheets: guarded so Excel never runs them as formulas, unguarded on import.

A cell starting with = + - @ (or a tab or carriage return) is a formula to
Excel and LibreOffice when a CSV is opened, and a formula can fetch URLs or
run commands. A leading apostrophe makes such a cell plain text; files this
platform reads back (question files) drop that apostrophe again, so an
exported bank re-imports unchanged.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value):
    """The value, with an apostrophe in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def excel_csv(rows: Iterable[list]) -> bytes:
    """Rows (the header first) as CSV in UTF-8 with a BOM, so Excel reads Vietnamese text correctly."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def unguard(value: str) -> str:
    """Undo ``guard`` on a cell read from a file."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
