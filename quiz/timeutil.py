"""Parsing and printing times: ISO 8601 with an explicit offset, always UTC inside."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def parse_iso(value: str) -> datetime:
    """Parse ISO 8601 with an explicit offset ('Z' allowed); raise ValueError otherwise."""
    value = value.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(timezone.utc)


def iso(value: datetime | None) -> str | None:
    """Print an aware datetime as ISO 8601 in UTC with milliseconds."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")


VN = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def vn_iso(value: datetime | None) -> str | None:
    """An aware datetime in Viet Nam time, to the second, as winner lists and judges' views show it:
    '2024-05-12T07:01:00+07:00'."""
    if value is None:
        return None
    return value.astimezone(VN).isoformat(timespec="seconds")


EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=timezone.utc)


def excel_serial(value: datetime) -> float:
    """The Viet Nam wall time of ``value``, to the second, as an Excel serial date (days since 1899-12-30)."""
    seconds = int((value - EXCEL_EPOCH).total_seconds()) + 7 * 3600
    return seconds / 86400
