"""Password rules: long enough, not one of the commonest passwords, not made of the person's own name or email.

The same rules hold at registration, password change and reset, with Vietnamese messages for the
API's 422 ``fields`` and the page forms.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from quiz.i18n import N_, Text
from quiz.search import fold

MIN_LENGTH, MAX_LENGTH = 8, 200
COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"

TOO_SHORT = Text(N_("Mật khẩu cần từ %(min)s đến %(max)s ký tự."), min=MIN_LENGTH, max=MAX_LENGTH)
TOO_COMMON = N_("Mật khẩu này quá phổ biến, rất dễ bị đoán. Hãy chọn mật khẩu khác.")
HAS_EMAIL = N_("Mật khẩu không được chứa tên trong địa chỉ email của bạn.")
HAS_NAME = N_("Mật khẩu không được chứa họ tên của bạn.")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list (quiz/data/common_passwords.txt), read once per process."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _letters(text: str) -> str:
    """Lower case, no diacritics, letters and digits only: 'Trần Thị Lan' -> 'tranthilan'."""
    return re.sub(r"[^a-z0-9]", "", fold(text or ""))


def password_problem(password, email: str = "", full_name: str = "") -> str | None:
    """Why ``password`` is refused (a Vietnamese sentence), or None when it is acceptable."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return TOO_SHORT
    if password.strip().lower() in common_passwords():
        return TOO_COMMON
    plain = _letters(password)
    local = _letters((email or "").split("@")[0]) if isinstance(email, str) else ""
    # Three characters at least: shorter parts (an, le) turn up in good passwords by chance.
    if len(local) >= 3 and local in plain:
        return HAS_EMAIL
    words = [_letters(w) for w in (full_name or "").split()] if isinstance(full_name, str) else []
    whole = "".join(words)
    given = words[-1] if words else ""  # the Vietnamese given name comes last: "hoa1990" is a favourite
    if (len(whole) >= 3 and whole in plain) or (len(given) >= 3 and given in plain):
        return HAS_NAME
    return None
