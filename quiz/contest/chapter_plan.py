"""Contest blueprints: how many questions to draw from each chapter (or group of chapters).

Written ``"1:3,2:2,3:2,4:3,5:3,6:3,7:2,8-12:2"``: chapter (or range) ``:`` count.
Stored on the contest as ``[[[chapters...], count], ...]``; none means the
default plan, which spreads the questions over the law's chapter groups in
proportion to their number of articles.
"""
from __future__ import annotations

import re

from quiz.errors import DomainError, invalid
from quiz.i18n import N_, Text

# The law's chapter groups for the default plan, with their number of articles.
GROUPS: list[tuple[tuple[int, ...], int]] = [((1,), 16), ((2,), 13), ((3,), 8), ((4,), 18), ((5,), 17), ((6,), 19),
                                             ((7,), 13), ((8, 9, 10, 11, 12), 11)]
_ITEM = re.compile(r"^\s*(\d{1,2})(?:\s*-\s*(\d{1,2}))?\s*:\s*(\d{1,3})\s*$")

Plan = list[tuple[tuple[int, ...], int]]


def parse_plan(text: str) -> Plan:
    """Parse ``"1:3,2:2,8-12:2"``; raise 422 naming what is wrong. The error's ``params["blueprint_parts"]``
    gives each problem without the item's text, by the part it is about (the text before ``:``, e.g.
    ``"8-12"``), so a form can show it by its row."""
    plan: Plan = []
    used: set[int] = set()
    problems: list[tuple[str, str, str]] = []  # (part, item, problem)
    for item in (text or "").split(","):
        if not item.strip():
            continue
        part = item.split(":", 1)[0].strip()
        m = _ITEM.match(item)
        if not m:
            problems.append((part, item.strip(), N_("không đúng dạng chương:số câu (ví dụ 4:3 hoặc 8-12:2)")))
            continue
        first, last, count = int(m.group(1)), int(m.group(2) or m.group(1)), int(m.group(3))
        chapters = tuple(range(first, last + 1))
        if not 1 <= first <= last <= 12:
            problems.append((part, item.strip(), N_("chương phải từ 1 đến 12")))
        elif used & set(chapters):
            repeated = sorted(used & set(chapters))[0]
            problems.append((part, item.strip(), Text(N_("chương %(n)s đã có ở phần trước"), n=repeated)))
        elif count > 0:
            plan.append((chapters, count))
        used |= set(chapters)
    if problems:
        text = "; ".join(f"'{item}': {p}" for _part, item, p in problems)
        raise invalid({"blueprint": text}, N_("Cơ cấu đề (blueprint) không hợp lệ."),
                      {"blueprint_parts": {part: p for part, _item, p in problems}})
    if not plan:
        raise invalid({"blueprint": N_("cần ít nhất một chương với số câu lớn hơn 0")},
                      N_("Cơ cấu đề (blueprint) không hợp lệ."))
    return plan


def part_label(chapters: tuple[int, ...]) -> str:
    """A plan part as written: ``"3"`` or ``"8-12"``."""
    return f"{chapters[0]}-{chapters[-1]}" if len(chapters) > 1 else f"{chapters[0]}"


def format_plan(plan: Plan) -> str:
    """The text form of a plan."""
    return ",".join(f"{part_label(c)}:{n}" for c, n in plan)


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
    """Raise 409 naming every part of the plan the bank cannot fill (each also in ``params["blueprint_parts"]``
    by ``part_label``, without the chapter's name, for a form's rows)."""
    short: dict[str, str] = {}
    named = []
    for chapters, n in plan:
        have = sum(chapter_sizes.get(c, 0) for c in chapters)
        if have < n:
            label = f"chương {chapters[0]}" if len(chapters) == 1 else f"chương {chapters[0]}–{chapters[-1]}"
            short[part_label(chapters)] = Text(N_("cần %(n)s câu nhưng ngân hàng chỉ có %(have)s câu đang dùng"),
                                               n=n, have=have)
            named.append(f"{label} {short[part_label(chapters)]}")
    if short:
        text = "; ".join(named)
        message = Text(N_("Ngân hàng câu hỏi không đủ cho cơ cấu đề: %(parts)s."), parts=text)
        raise DomainError("bank_too_small", message,
                          {"blueprint": text}, {"blueprint_parts": short})


def table_parts(plan: Plan | None) -> list[tuple[int, ...]]:
    """The rows of a plan table: every chapter of the law, with each group of chapters the plan has (e.g. 8-12,
    set from the command line) just before its first chapter."""
    groups = [chapters for chapters, _n in plan or [] if len(chapters) > 1]
    rows: list[tuple[int, ...]] = []
    for chapter in range(1, 13):
        rows += [g for g in groups if g[0] == chapter]
        rows.append((chapter,))
    return rows
