"""Languages, pure Python (the domain may import it): the source language is Vietnamese, and its texts are the
catalogs' msgids. ``N_`` marks a Vietnamese text for extraction without translating it: the domain raises
``DomainError`` with the Vietnamese text, and the web layer looks it up in the catalog of the request's
language (``quiz.web.locale``)."""
from __future__ import annotations

LANGUAGES = ("vi", "en")
DEFAULT = "vi"


def N_(text: str) -> str:
    """Mark ``text`` for the catalogs; return it unchanged."""
    return text


def language_or_default(value: str | None) -> str:
    """A supported language code from ``value`` ('en', 'EN', 'en-GB'), else the default."""
    code = (value or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT
