"""The text of Law No. 17/2023/QH15, split into chapters and articles.

Used to prove the question bank: every question cites an article, and its
``source_quote`` must appear verbatim in that article's text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LAW_FILE = Path(__file__).resolve().parents[2] / "question_bank" / "law" / "luat-hop-tac-xa-2023.vi.txt"
ROMAN = {r: i for i, r in enumerate("I II III IV V VI VII VIII IX X XI XII".split(), start=1)}
_CHAPTER = re.compile(r"^Chương ([IVX]+)\s*$")
_SECTION = re.compile(r"^Mục \d+\s*$")
_ARTICLE = re.compile(r"^Điều (\d+)\.\s*(.*)$")
_ARTICLE_REF = re.compile(r"Điều\s+(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    number: int
    chapter: int
    title: str
    text: str  # normalised: NFC, single spaces


def normalise(text: str) -> str:
    """Return ``text`` in Unicode NFC with every run of whitespace made one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=1)
def articles(path: Path = LAW_FILE) -> dict[int, Article]:
    """Parse the law into ``{article number: Article}``."""
    chapter = 0
    result: dict[int, Article] = {}
    current: tuple[int, str] | None = None
    body: list[str] = []

    def flush() -> None:
        if current is not None:
            number, title = current
            result[number] = Article(number, chapter_of[number], title, normalise(" ".join(body)))

    chapter_of: dict[int, int] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = unicodedata.normalize("NFC", raw).strip()
        if (m := _CHAPTER.match(line)) or _SECTION.match(line):
            # A heading ends the article before it; its title line is skipped too.
            flush()
            current, body = None, []
            if m:
                chapter = ROMAN[m.group(1)]
            continue
        if m := _ARTICLE.match(line):
            flush()
            number = int(m.group(1))
            current, body = (number, m.group(2)), [m.group(2)]
            chapter_of[number] = chapter
            continue
        if current is not None and line:
            if line.startswith("Luật này được Quốc hội"):
                flush()
                current = None
                continue
            body.append(line)
    flush()
    return result


def cited_article(reference: str) -> int | None:
    """Return the article number in a citation such as ``khoản 2 Điều 8``."""
    m = _ARTICLE_REF.search(unicodedata.normalize("NFC", reference))
    return int(m.group(1)) if m else None


@lru_cache(maxsize=1)
def chapter_titles(path: Path = LAW_FILE) -> dict[int, str]:
    """The law's chapters as ``{number: title}``, the title in sentence case ("Những quy định chung"; the law
    prints it in capitals), with "chính sách của Nhà nước" capitalised as the law's text writes it."""
    lines = [unicodedata.normalize("NFC", raw).strip() for raw in path.read_text(encoding="utf-8").splitlines()]
    titles: dict[int, str] = {}
    for i, line in enumerate(lines):
        if m := _CHAPTER.match(line):
            title = normalise(next(t for t in lines[i + 1:] if t)).lower()
            titles[ROMAN[m.group(1)]] = (title[:1].upper() + title[1:]).replace("của nhà nước", "của Nhà nước")
    return titles
