"""Viet Nam's localities after the 1 July 2025 reform: 34 provinces and 3,321 communes and wards, no districts.

The list comes from the package vietnam-provinces (its 2025 data, pinned in requirements.txt; the codes are
the official ones, checked in tests/test_places.py). Codes are strings here as in the API: provinces two
digits ("01", "31"), wards five ("11824"). Everything is read once and kept in memory. No Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from quiz.search import fold


@dataclass(frozen=True)
class Province:
    code: str
    name: str


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    province: Province

    @property
    def full_name(self) -> str:
        """The name kept as the person's locality text: 'Xã Vĩnh Bảo, Thành phố Hải Phòng'."""
        return f"{self.name}, {self.province.name}"


def _sort_key(name: str) -> str:
    # "Thành phố Hà Nội" is looked for under H, like "Hà Tĩnh"; wards keep their kind (Phường, Xã, Đặc khu).
    return fold(name.removeprefix("Thành phố "))


@dataclass(frozen=True)
class _Places:
    provinces: tuple[Province, ...]
    by_province: dict[str, Province]
    wards_of: dict[str, tuple[Ward, ...]]
    by_ward: dict[str, Ward]


@lru_cache(maxsize=1)
def _places() -> _Places:
    import vietnam_provinces as vp

    by_province = {f"{int(p.code):02d}": Province(f"{int(p.code):02d}", p.name) for p in vp.Province.iter_all()}
    by_ward = {}
    wards_of: dict[str, list[Ward]] = {code: [] for code in by_province}
    for w in vp.Ward.iter_all():
        ward = Ward(f"{int(w.code):05d}", w.name, by_province[f"{int(w.province_code):02d}"])
        by_ward[ward.code] = ward
        wards_of[ward.province.code].append(ward)
    return _Places(
        provinces=tuple(sorted(by_province.values(), key=lambda p: _sort_key(p.name))),
        by_province=by_province,
        wards_of={code: tuple(sorted(ws, key=lambda w: (_sort_key(w.name), w.code))) for code, ws in wards_of.items()},
        by_ward=by_ward)


def provinces() -> tuple[Province, ...]:
    """The 34 provinces and centrally-run cities, by name (Hà Nội under H)."""
    return _places().provinces


def province(code) -> Province | None:
    return _places().by_province.get(code) if isinstance(code, str) else None


def wards(province_code) -> tuple[Ward, ...] | None:
    """The communes, wards and special zones of a province, by name; None for an unknown province."""
    return _places().wards_of.get(province_code) if isinstance(province_code, str) else None


def ward(code) -> Ward | None:
    """A ward by its five-digit code, with its province; None when there is no such ward."""
    return _places().by_ward.get(code) if isinstance(code, str) else None


def search(text: str, province_code: str | None = None, limit: int = 20) -> list[Ward]:
    """Wards whose name (or province's name) holds every word of ``text``, with or without diacritics:
    "vinh bao" finds "Xã Vĩnh Bảo"."""
    words = fold(text or "").split()
    if not words:
        return []
    pool = wards(province_code) or () if province_code else _places().by_ward.values()
    found = []
    for w in pool:
        haystack = fold(w.full_name)
        if all(word in haystack for word in words):
            found.append(w)
    return sorted(found, key=lambda w: (_sort_key(w.name), w.code))[:limit]
