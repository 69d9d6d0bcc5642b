"""Parsing and printing times: ISO 8601 with an explicit offset, always UTC inside."""
from __future__ import annotations

from datetime import datetime, timezone


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
