"""Search that works with and without Vietnamese diacritics."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d, single spaces: 'Hợp tác xã' -> 'hop tac xa'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def version_search_text(text: str, options: list[str], article: str) -> str:
    return fold(" ".join([text, *options, article]))
