"""Vietnamese mobile numbers: the one normalisation every account, login and SMS goes through.

Stored form: ten digits with the national ``0`` (``0912345678``), the way people write and read them and what
winner lists show. The SMS gateway gets the international form (``e164``: ``+84912345678``).
``0912 345 678``, ``0912.345.678``, ``+84 912 345 678`` and ``84912345678`` are one number.
"""
from __future__ import annotations

import re

from quiz.i18n import N_

MOBILE_RE = re.compile(r"^0[35789][0-9]{8}$")  # the mobile prefixes 03, 05, 07, 08, 09: ten digits
_SEPARATORS = re.compile(r"[\s.\-()]")
INVALID = N_("Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).")


def normalise(raw) -> str | None:
    """The number as ``0XXXXXXXXX``, or None when ``raw`` is not a Vietnamese mobile number (landlines,
    foreign numbers, text)."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if MOBILE_RE.match(digits) else None


def e164(number: str) -> str:
    """``0912345678`` -> ``+84912345678`` (a number already normalised)."""
    return "+84" + number[1:]


def looks_like_email(text) -> bool:
    """Whether a login name is an email (it has an @) rather than a phone number."""
    return isinstance(text, str) and "@" in text
