"""Contest blueprints: how many questions to draw from each chapter (or group of chapters).

Written ``"1:3,2:2,3:2,4:3,5:3,6:3,7:2,8-12:2"``: chapter (or range) ``:`` count.
Stored on the contest as ``[[[chapters...], count], ...]``; none means the
default plan, which spreads the questions over the law's chapter groups in
proportion to their number of articles.
"""
from __future__ import annotations

import re

from quiz.errors import DomainError, invalid

# The law's chapter groups for the default plan, with their number of articles.
GROUPS: list[tuple[tuple[int, ...], int]] = [((1,), 16), ((2,), 13), ((3,), 8), ((4,), 18), ((5,), 17), ((6,), 19),
                                             ((7,), 13), ((8, 9, 10, 11, 12), 11)]
_ITEM = re.compile(r"^\s*(\d{1,2})(?:\s*-\s*(\d{1,2}))?\s*:\s*(\d{1,3})\s*$")

Plan = list[tuple[tuple[int, ...], int]]


def parse_plan(text: str) -> Plan:
    """Parse ``"1:3,2:2,8-12:2"``; raise 422 naming what is wrong."""
    plan: Plan = []
    used: set[int] = set()
    problems = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        m = _ITEM.match(item)
        if not m:
            problems.append(f"'{item.strip()}' không đúng dạng chương:số câu (ví dụ 4:3 hoặc 8-12:2)")
            continue
        first, last, count = int(m.group(1)), int(m.group(2) or m.group(1)), int(m.group(3))
        chapters = tuple(range(first, last + 1))
        if not 1 <= first <= last <= 12:
            problems.append(f"'{item.strip()}': chương phải từ 1 đến 12")
        elif used & set(chapters):
            problems.append(f"'{item.strip()}': chương {sorted(used & set(chapters))[0]} đã có ở phần trước")
        elif count > 0:
            plan.append((chapters, count))
        used |= set(chapters)
    if not plan and not problems:
        problems.append("cần ít nhất một chương với số câu lớn hơn 0")
    if problems:
        raise invalid({"blueprint": "; ".join(problems)}, "Cơ cấu đề (blueprint) không hợp lệ.")
    return plan


def format_plan(plan: Plan) -> str:
    """The text form of a plan."""
    return ",".join(f"{c[0]}-{c[-1]}:{n}" if len(c) > 1 else f"{c[0]}:{n}" for c, n in plan)


def default_plan(count: int) -> Plan:
    """Spread ``count`` questions over the chapter groups by their share of the law's articles."""
    total = sum(w for _c, w in GROUPS)
    exact = [count * w / total for _c, w in GROUPS]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(GROUPS)), key=lambda i: exact[i] - counts[i], reverse=True)[: count - sum(counts)]:
        counts[i] += 1
    return [(chapters, n) for (chapters, _w), n in zip(GROUPS, counts, strict=True) if n]


def plan_to_json(plan: Plan | None) -> list | None:
    return None if plan is None else [[list(c), n] for c, n in plan]


def plan_from_json(data: list | None, count: int) -> Plan:
    """The contest's plan, or the default one for its question count."""
    return default_plan(count) if not data else [(tuple(c), n) for c, n in data]


def check_fillable(plan: Plan, chapter_sizes: dict[int, int]) -> None:
    """Raise 409 naming every part of the plan the bank cannot fill."""
    short = []
    for chapters, n in plan:
        have = sum(chapter_sizes.get(c, 0) for c in chapters)
        if have < n:
            label = f"chương {chapters[0]}" if len(chapters) == 1 else f"chương {chapters[0]}–{chapters[-1]}"
            short.append(f"{label} cần {n} câu nhưng ngân hàng chỉ có {have} câu đang dùng")
    if short:
        raise DomainError("bank_too_small", "Ngân hàng câu hỏi không đủ cho cơ cấu đề: " + "; ".join(short) + ".",
                          {"blueprint": "; ".join(short)})
