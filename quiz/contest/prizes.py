"""Prize tiers: '1:Giải Nhất,2:Giải Nhì,3:Giải Ba,5:Khuyến khích' gives ranks 1, 2-3, 4-6, 7-11 their prizes."""
from __future__ import annotations

import re

from quiz.errors import DomainError, invalid
from quiz.i18n import N_

_ITEM = re.compile(r"^\s*(\d{1,5})\s*:\s*(.{1,80}?)\s*$")
_COUNT = re.compile(r"^\s*\d{1,5}\s*$")


def parse_tiers(text: str) -> list[list] | None:
    """Parse tiers in order (how many, prize name); None for an empty text; 422 when malformed. The error's
    ``params["prize_tier_items"]`` gives each problem without the item's text, by the item's position
    (0-based), for a form's rows."""
    if not (text or "").strip():
        return None
    tiers, problems, named = [], {}, []
    for i, item in enumerate(text.split(",")):
        m = _ITEM.match(item)
        if m and int(m.group(1)) >= 1:
            tiers.append([int(m.group(1)), m.group(2)])
            continue
        problems[i] = _tier_problem(item)
        named.append(f"'{item.strip()}': {problems[i]}")
    if problems:
        raise invalid({"prize_tiers": "; ".join(named)}, N_("Cơ cấu giải thưởng không hợp lệ."),
                      {"prize_tier_items": problems})
    return tiers


def _tier_problem(item: str) -> str:
    count, colon, name = item.partition(":")
    if not colon:
        return N_("không đúng dạng số giải:tên giải (ví dụ 1:Giải Nhất)")
    if not _COUNT.match(count) or int(count) < 1:
        return N_("số người nhận giải phải là số nguyên từ 1 đến 99999")
    if not name.strip():
        return N_("thiếu tên giải")
    return N_("tên giải chỉ một dòng, tối đa 80 ký tự")


def format_tiers(tiers: list | None) -> str:
    return ",".join(f"{n}:{name}" for n, name in tiers or [])


def prize_for(rank: int, tiers: list | None) -> str:
    """The prize of a rank (1-based), or '' outside the tiers."""
    upto = 0
    for count, name in tiers or []:
        upto += count
        if rank <= upto:
            return name
    return ""


def prize_places(tiers: list | None) -> int | None:
    """How many ranks win something; None when there are no tiers (everyone is listed)."""
    return sum(n for n, _name in tiers) if tiers else None


def tiers_or_problems(text, fields: dict, params: dict, field: str = "prize_tiers") -> list | None:
    """The parsed tiers of ``text``, or None with its problems added to ``fields`` and ``params`` (a contest's
    and a round's forms report every problem at once). ``field`` names them: ``fields[field]`` and
    ``params[field[:-1] + "_items"]`` (``prize_tier_items``; ``collective_tier_items`` for collective tiers)."""
    try:
        return parse_tiers(text)
    except DomainError as exc:
        fields[field] = exc.fields["prize_tiers"]
        params[field[:-1] + "_items"] = exc.params["prize_tier_items"]
        return None
